// One project as visitors see it: its owner, title, description, tags and link, and its
// images (the ready ones): thumbnails that open the large copy in a viewer.
import { api } from "../api.js";
import { currentUser } from "../auth.js";
import { downloadOriginalButton, externalLink, mediaName, pagedList, readFor, showDisplayCopies, tagList } from "../portfolio.js";
import { h, replace } from "../ui.js";

export async function render(main, { args, signal }) {
  const { user_id: userId, project_id: projectId } = args;
  const portfolio = `#/u/${encodeURIComponent(userId)}`;
  const back = h("a", { href: portfolio }, "← Back to the portfolio");
  const body = h("div", { class: "loading", role: "status" }, "Loading the project…");
  main.append(h("p", { class: "back-link" }, back), body);

  const project = await readFor(body, () => api(`/projects/${encodeURIComponent(projectId)}`, { signal }), {
    title: "Project", missing: "Project not found", gone: "This project does not exist, or it was deleted.",
  });
  if (!project) return;
  if (signal.aborted) return;
  // A project found under another person's address is shown under its owner's.
  if (project.user_id !== userId) {
    location.replace(`#/u/${encodeURIComponent(project.user_id)}/projects/${encodeURIComponent(projectId)}`);
    return;
  }
  document.title = `${project.title} · Portrait`;
  back.textContent = `← ${project.name}'s portfolio`;
  const mine = currentUser()?.user_id === project.user_id;

  const viewer = lightbox({ mine });
  const images = pagedList({
    path: `/projects/${encodeURIComponent(projectId)}/media`, limit: 30, signal,
    label: `Images of ${project.title}`, className: "media-grid gallery", moreLabel: "Show more images",
    draw: (media) => {
      const name = mediaName(media);
      const alt = `${project.title}: ${name}`;
      const link = h("a", { href: media.file_url ?? media.thumbnail_url, class: "gallery-link", "aria-label": `View ${name} larger` },
        h("img", { class: "media-thumb", src: media.thumbnail_url, alt, width: 300, height: 300, loading: "lazy" }));
      link.addEventListener("click", (event) => {
        if (!media.file_url) return;
        event.preventDefault();
        viewer.show(media, alt, link);
      });
      return h("li", { dataset: { mediaId: media.media_id, cover: media.media_id === project.thumbnail_media_id ? "true" : "false" } }, link);
    },
    empty: "No images in this project yet.",
  });

  const byline = h("p", { class: "byline" },
    project.avatar_url ? h("img", { class: "byline-avatar", src: project.avatar_url, alt: "", width: 32, height: 32 }) : null,
    h("span", {}, "By ", h("a", { href: portfolio }, project.name), ` · @${project.username}`));
  replace(body,
    h("div", { class: "page-head" },
      h("h1", {}, project.title),
      byline),
    h("section", { class: "card project-about", "aria-label": "About this project" },
      project.description ? h("p", { class: "description" }, project.description) : h("p", { class: "muted" }, "No description."),
      tagList(project.tags),
      project.link ? h("p", { class: "small" }, "More at ", externalLink(project.link)) : null,
      mine ? h("p", { class: "actions" }, h("a", { class: "button secondary small", href: `#/projects/${encodeURIComponent(projectId)}` }, "Edit this project")) : null),
    h("section", { class: "card", "aria-labelledby": "gallery-title" },
      h("h2", { id: "gallery-title" }, "Images"),
      images.parts),
    viewer.element);
  await images.load();
  return () => viewer.element.close?.();
}

/** A modal viewer for the large copy of an image: Escape or the button closes it, and
 *  focus goes back to the thumbnail that opened it. The owner also gets the original. */
function lightbox({ mine }) {
  const image = h("img", { class: "lightbox-image", alt: "" });
  const caption = h("p", { class: "small" });
  const errors = h("div", { class: "errors" });
  const download = h("span", {});
  const close = h("button", { class: "button secondary small", type: "button" }, "Close");
  const element = h("dialog", { class: "lightbox", "aria-label": "Image viewer" },
    h("figure", {}, image, h("figcaption", {}, caption, h("span", { class: "item-actions" }, download, close)), errors));
  let opener = null;
  close.addEventListener("click", () => element.close());
  element.addEventListener("click", (event) => { if (event.target === element) element.close(); });
  element.addEventListener("close", () => {
    image.removeAttribute("srcset");
    image.removeAttribute("src");
    opener?.focus();
  });
  return {
    element,
    show(media, alt, from) {
      opener = from;
      // As wide as the dialog may be (.lightbox: min(96vw, 1100px)).
      showDisplayCopies(image, media, "min(96vw, 1100px)");
      image.alt = alt;
      if (media.width && media.height) { image.width = media.width; image.height = media.height; }
      caption.textContent = alt;
      replace(errors);
      replace(download, mine ? downloadOriginalButton(media.media_id, alt, errors) : null);
      element.showModal();
      close.focus();
    },
  };
}
