// Anyone's portfolio, signed in or not: who they are (name, avatar, title, bio, links),
// then their projects with their covers, newest first.
import { api, apiUrl } from "../api.js";
import { currentUser, signedIn } from "../auth.js";
import { NETWORKS } from "../messages.js";
import { externalLink, pagedList, projectCard, readFor, safeLink } from "../portfolio.js";
import { h, replace } from "../ui.js";

export async function render(main, { args, signal }) {
  const userId = args.user_id;
  const body = h("div", { class: "loading", role: "status" }, "Loading the portfolio…");
  main.append(body);

  const user = await readFor(body, () => api(`/users/${encodeURIComponent(userId)}`, { signal }), {
    title: "Portfolio", missing: "Portfolio not found",
    gone: "There is no one here: the address may be mistyped, or the account was closed.",
  });
  if (!user) return;
  if (signal.aborted) return;
  const mine = currentUser()?.user_id === user.user_id;
  document.title = `${user.name} · Portrait`;

  const avatar = user.avatar?.url ?? (await apiUrl(`/users/${encodeURIComponent(userId)}/avatar?size=medium`));
  const links = Object.entries(user.social_links ?? {}).filter(([key]) => NETWORKS[key]);
  const projects = pagedList({
    path: `/users/${encodeURIComponent(userId)}/projects`, signal,
    label: `Projects by ${user.name}`, className: "project-grid", moreLabel: "Show more projects",
    draw: (project) => projectCard(project, { href: `#/u/${encodeURIComponent(userId)}/projects/${encodeURIComponent(project.project_id)}` }),
    empty: mine ? h("span", {}, "You have no projects yet. ", h("a", { href: "#/projects" }, "Create one"), ".")
      : `${user.name} has no projects to show yet.`,
  });

  replace(body,
    h("section", { class: "card profile-head", "aria-labelledby": "portfolio-name" },
      h("img", { class: "hero", src: avatar, alt: `Avatar of ${user.name}`, width: 128, height: 128 }),
      h("div", { class: "who" },
        h("h1", { id: "portfolio-name" }, user.name),
        h("p", { class: "muted" }, `@${user.username}`, user.title ? ` · ${user.title}` : ""),
        user.bio ? h("p", { class: "bio" }, user.bio) : null,
        links.length ? h("ul", { class: "links", "aria-label": "Links" }, links.map(([key, value]) => h("li", {},
          h("span", { class: "muted" }, `${NETWORKS[key]}: `),
          safeLink(value) ? externalLink(value) : value))) : null,
        mine ? h("p", { class: "small" }, "This is your portfolio as everyone sees it. ", h("a", { href: "#/projects" }, "Manage your projects")) : null)),
    h("section", { class: "card", "aria-labelledby": "portfolio-projects" },
      h("h2", { id: "portfolio-projects" }, "Projects"),
      projects.parts),
    signedIn() ? null : h("p", { class: "muted small join" }, "Want a portfolio like this? ", h("a", { href: "#/signup" }, "Create an account"), "."));
  await projects.load();
}
