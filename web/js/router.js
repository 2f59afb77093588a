// Hash routes (#/avatar): the pages are static files, so any host can serve them —
// the local stack, or S3 behind CloudFront — with no rewrite rules.
import { signedIn } from "./auth.js";

const routes = new Map();
let cleanup = null;
let rendered = 0;
let latest = 0; // renders overlap when the hash changes twice quickly: the newest wins

/** `load` imports the page module lazily; `open` pages need no session. */
export function route(path, { title, load, open = false }) {
  routes.set(path, { title, load, open });
}

export function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  return { path, params: new URLSearchParams(query) };
}

export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

export async function render() {
  const mine = ++latest;
  const { path, params } = parseHash();
  const main = document.getElementById("main");
  const found = routes.get(path);
  if (!found) {
    go(signedIn() ? "#/avatar" : "#/login");
    return;
  }
  if (!found.open && !signedIn()) {
    go(`#/login?next=${encodeURIComponent(path)}`);
    return;
  }
  if (found.open && path !== "/" && signedIn() && (path === "/login" || path === "/signup")) {
    go(`#${params.get("next") || "/avatar"}`);
    return;
  }
  if (cleanup) { try { cleanup(); } catch { /* a page's teardown must not block the next */ } }
  cleanup = null;
  const controller = new AbortController();
  const page = await found.load();
  if (mine !== latest) return;
  document.title = `${found.title} · Portrait`;
  main.replaceChildren();
  for (const link of document.querySelectorAll("#nav a[data-route]")) {
    if (link.dataset.route === path) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const teardown = await page.render(main, { params, signal: controller.signal });
  cleanup = () => { controller.abort(); teardown?.(); };
  // After a navigation, move focus to the new page's heading, so keyboard and screen-reader
  // users land on it. Not on the first load: focus starts at the top (the skip link) then.
  const heading = main.querySelector("h1");
  if (heading && rendered++ > 0) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

window.addEventListener("hashchange", render);
