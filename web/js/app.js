// Boot: wire the header to the session, declare the pages, render the current one.
import { apiUrl } from "./api.js";
import { getConfig } from "./config.js";
import { currentUser, logOut, onSessionChange, signedIn } from "./auth.js";
import { loadMe } from "./me.js";
import { go, render, route } from "./router.js";
import { mountSearchBox } from "./search-box.js";
import { h, replace } from "./ui.js";

route("/", { title: "Welcome", open: true, load: () => import("./pages/home.js") });
route("/login", { title: "Log in", open: true, load: () => import("./pages/login.js") });
route("/signup", { title: "Sign up", open: true, load: () => import("./pages/signup.js") });
route("/avatar", { title: "Avatar", load: () => import("./pages/avatar.js") });
route("/generations", { title: "Generations", load: () => import("./pages/generations.js") });
route("/profile", { title: "Profile", load: () => import("./pages/profile.js") });
route("/webhooks", { title: "Webhooks", load: () => import("./pages/webhooks.js") });
route("/projects", { title: "Projects", load: () => import("./pages/projects.js") });
route("/projects/:project_id", { title: "Project", load: () => import("./pages/project.js") });
// Anyone's portfolio, signed in or not: the projects, then one project's images.
route("/u/:user_id", { title: "Portfolio", open: true, load: () => import("./pages/portfolio.js") });
route("/u/:user_id/projects/:project_id", { title: "Project", open: true, load: () => import("./pages/public-project.js") });
// Everyone's projects, searched: the header's box leads here (#/search?query=…&tags=…&page=…).
route("/search", { title: "Search", open: true, load: () => import("./pages/search.js") });

async function showHeader() {
  const user = currentUser();
  const on = signedIn() && user;
  document.getElementById("nav").hidden = !on;
  document.getElementById("account").hidden = !on;
  if (!on) return;
  document.getElementById("account-name").textContent = user.name || user.username;
  const img = document.getElementById("account-avatar");
  const src = user.avatar?.variants?.thumbnail?.url ?? (await apiUrl(`/users/${encodeURIComponent(user.user_id)}/avatar?size=thumbnail`));
  if (img.getAttribute("src") !== src) img.src = src;
  img.alt = `${user.name || user.username}'s avatar`;
}

// The skip link must not change the hash (the router would take "#main" for a page).
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main").focus();
});

document.getElementById("logout").addEventListener("click", async () => {
  const revoking = logOut(); // the local session is gone at once; revoking it server-side follows
  go("#/login?loggedout=1");
  await revoking;
});

onSessionChange((session, { remote }) => {
  showHeader();
  // Logged out in another tab: leave the private page now. (In this tab, whoever
  // ended the session has already chosen where to go.)
  if (remote && !session) go("#/login?loggedout=1");
});

mountSearchBox(document.getElementById("site-search"));

async function start() {
  try {
    document.getElementById("api-docs").href = await apiUrl("/docs");
    // `make dev` serves an operations page (charts, alarms, counts); a deployed config names none.
    const { opsPageUrl } = await getConfig();
    if (opsPageUrl) {
      const link = document.getElementById("ops-page");
      link.href = opsPageUrl;
      link.hidden = false;
    }
  } catch (err) {
    replace(document.getElementById("main"), h("div", { class: "notice error", role: "alert" },
      h("div", {}, h("strong", {}, "The page could not load its configuration."),
        ` ${err.message}. Serve the web client with its config.json (make dev does).`)));
    return;
  }
  await showHeader();
  await render();
  // The cached user's image URLs are presigned and expire: fetch fresh ones once per load.
  if (signedIn()) loadMe().catch(() => {});
}

start();
