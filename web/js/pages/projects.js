// Your projects: a new one (title, description, tags, link), and the ones you have, with
// their covers, newest first. Each opens its own page, where its images are added.
import { api } from "../api.js";
import { currentUser } from "../auth.js";
import { go } from "../router.js";
import { pagedList, projectCard, projectFields, readProjectForm } from "../portfolio.js";
import { busy, clear, h, markInvalid, notice, showError } from "../ui.js";

export function render(main, { params, signal }) {
  const me = currentUser();
  const flash = params.get("deleted")
    ? notice("success", `The project “${params.get("deleted")}” was deleted, with its images.`) : null;

  const errors = h("div");
  const submit = h("button", { class: "button", type: "submit" }, "Create project");
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "new-project-title" },
    h("h2", { id: "new-project-title" }, "New project"),
    errors,
    projectFields(),
    h("div", { class: "actions" }, submit));

  const projects = pagedList({
    path: `/users/${encodeURIComponent(me.user_id)}/projects`, signal,
    label: "Your projects", className: "project-grid", moreLabel: "Show more projects",
    draw: (project) => projectCard(project, { href: `#/projects/${encodeURIComponent(project.project_id)}` }),
    empty: "No projects yet. Create your first one above: its images come next.",
  });

  main.append(
    h("div", { class: "page-head" },
      h("h1", {}, "Your projects"),
      h("p", {}, "Group your work into projects, each with its images. Everyone can see them on ",
        h("a", { href: `#/u/${encodeURIComponent(me.user_id)}` }, "your public portfolio"), ".")),
    flash ?? "", // (the DOM's own append writes a null as the word "null")
    form,
    h("section", { class: "card", "aria-labelledby": "projects-title" },
      h("h2", { id: "projects-title" }, "On your portfolio"),
      projects.parts));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(errors);
    flash?.remove();
    const { body, problems } = readProjectForm(form);
    markInvalid(form, { details: problems });
    if (problems.length) {
      form.elements.namedItem(problems[0].field).focus();
      return;
    }
    // A new project has nothing to clear: leave out what is empty.
    for (const key of ["description", "link"]) if (body[key] === null) delete body[key];
    let project;
    try {
      project = await busy(submit, "Creating…", () => api("/projects", { method: "POST", body }));
    } catch (err) {
      markInvalid(form, err);
      showError(errors, err, { controls: [submit] });
      return;
    }
    go(`#/projects/${encodeURIComponent(project.project_id)}?created=1`);
  });

  projects.load();
}
