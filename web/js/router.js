// Hash routes (#/avatar): the pages are static files, so any host can serve them —
// the local stack, or S3 behind CloudFront — with no rewrite rules.
import { signedIn } from "./auth.js";

const routes = new Map();
const patterns = []; // routes with :parameters ("/u/:user_id"), tried in the order declared
let cleanup = null;
let rendered = 0;
let latest = 0; // renders overlap when the hash changes twice quickly: the newest wins

/** `load` imports the page module lazily; `open` pages need no session. A path may name
 *  parameters (":project_id"): the page gets them, decoded, as `args`. */
export function route(path, { title, load, open = false }) {
  const found = { title, load, open };
  if (!path.includes("/:")) { routes.set(path, found); return; }
  const names = [];
  const source = path.split("/").map((part) => {
    if (!part.startsWith(":")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    names.push(part.slice(1));
    return "([^/]+)";
  }).join("/");
  patterns.push({ regex: new RegExp(`^${source}$`), names, found });
}

function match(path) {
  const exact = routes.get(path);
  if (exact) return { found: exact, args: {} };
  for (const { regex, names, found } of patterns) {
    const values = regex.exec(path);
    if (!values) continue;
    try {
      return { found, args: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(values[i + 1])])) };
    } catch { return null; } // a malformed escape: no such page
  }
  return null;
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
  const { found, args } = match(path) ?? {};
  if (!found) {
    go(signedIn() ? "#/avatar" : "#/login");
    return;
  }
  if (!found.open && !signedIn()) {
    go(`#/login?next=${encodeURIComponent(path)}`);
    return;
  }
  if (found.open && signedIn() && (path === "/" || path === "/login" || path === "/signup")) {
    go(`#${params.get("next") || "/avatar"}`);
    return;
  }
  if (cleanup) { try { cleanup(); } catch { /* a page's teardown must not block the next */ } }
  cleanup = null;
  const controller = new AbortController();
  // Someone who starts typing, clicking or focusing a field while the page loads (the
  // header's search box, or a form of the new page shown before its data arrived) keeps
  // their focus: the move to the new heading below is skipped. So does a page that put the
  // focus somewhere itself. Input counts as well as keys: a field can change without a key
  // (pasted, cleared, autofilled).
  let acted = false;
  const noticed = () => { acted = true; };
  const watched = ["keydown", "pointerdown", "focusin", "input"];
  for (const type of watched) document.addEventListener(type, noticed, true);
  try {
    await show(found, { mine, path, params, args, main, controller, moved: () => acted });
  } finally {
    for (const type of watched) document.removeEventListener(type, noticed, true);
  }
}

async function show(found, { mine, path, params, args, main, controller, moved }) {
  const page = await found.load();
  if (mine !== latest) return;
  document.title = `${found.title} · Portrait`;
  main.replaceChildren();
  for (const link of document.querySelectorAll("#nav a[data-route]")) {
    // A page under a section ("/projects/01J…") marks the section's link too.
    if (link.dataset.route === path) link.setAttribute("aria-current", "page");
    else if (path.startsWith(`${link.dataset.route}/`)) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
  const teardown = await page.render(main, { params, args, signal: controller.signal });
  cleanup = () => { controller.abort(); teardown?.(); };
  // After a navigation, move focus to the new page's heading, so keyboard and screen-reader
  // users land on it. Not on the first load: focus starts at the top (the skip link) then.
  const heading = main.querySelector("h1");
  if (heading && rendered++ > 0 && !moved()) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

window.addEventListener("hashchange", render);
