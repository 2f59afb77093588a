// What the projects pages share: the project form and its checks, a project's card (its
// cover, title, description and tags), an image's card, and lists read a page at a time.
import { api } from "./api.js";
import { busy, field, h, notice, replace, showError } from "./ui.js";

// The API's rules (openapi.json, ProjectCreate), checked here first to save a round trip.
export const LIMITS = { title: 200, description: 5000, tags: 20, tag: 40 };
export const MEDIA_MAX_BYTES = 10 * 1024 * 1024; // the API's cap (its form says the same: max_bytes)

/** "Design, print,  posters" -> ["design", "print", "posters"]: trimmed, no repeats. */
export function parseTags(text) {
  const seen = new Set();
  for (const raw of String(text).split(",")) {
    const tag = raw.trim().replace(/\s+/g, " ");
    if (tag && ![...seen].some((t) => t.toLowerCase() === tag.toLowerCase())) seen.add(tag);
  }
  return [...seen];
}

/** An http(s) URL the page may link to, or null. */
export function safeLink(value) {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch { return null; }
}

/** The fields of a project, filled from `project` when editing one. */
export function projectFields(project = null) {
  return [
    field({ id: "title", label: "Title", type: "text", required: true, maxlength: LIMITS.title, value: project?.title ?? "" }),
    field({ id: "description", label: "Description", type: "textarea", maxlength: LIMITS.description, value: project?.description ?? "", hint: "What it is, who it was for, what you did." }),
    field({ id: "tags", label: "Tags", type: "text", value: (project?.tags ?? []).join(", "), autocapitalize: "none", hint: `Separated by commas, up to ${LIMITS.tags}. For example: branding, print` }),
    field({ id: "link", label: "Link", type: "url", value: project?.link ?? "", placeholder: "https://…", autocapitalize: "none", spellcheck: "false", hint: "Where to see more of it, if anywhere." }),
  ];
}

/** The form's values as the API wants them, or the problems found ([{field, message}]). */
export function readProjectForm(form) {
  const value = (name) => form.elements.namedItem(name).value.trim();
  const body = {
    title: value("title"),
    description: value("description") || null,
    tags: parseTags(value("tags")),
    link: value("link") || null,
  };
  const problems = [];
  if (!body.title) problems.push({ field: "title", message: "Give the project a title." });
  if (body.title.length > LIMITS.title) problems.push({ field: "title", message: `Use at most ${LIMITS.title} characters.` });
  if ((body.description ?? "").length > LIMITS.description) problems.push({ field: "description", message: `Use at most ${LIMITS.description} characters.` });
  if (body.tags.length > LIMITS.tags) problems.push({ field: "tags", message: `Use at most ${LIMITS.tags} tags.` });
  const long = body.tags.find((tag) => tag.length > LIMITS.tag);
  if (long) problems.push({ field: "tags", message: `"${long.slice(0, 20)}…" is longer than ${LIMITS.tag} characters.` });
  if (body.link && !safeLink(body.link)) problems.push({ field: "link", message: "Enter a web address starting with https:// or http://." });
  return { body, problems };
}

export function tagList(tags) {
  if (!tags?.length) return null;
  return h("ul", { class: "tags", "aria-label": "Tags" }, tags.map((tag) => h("li", {}, tag)));
}

export function externalLink(url, label = null) {
  const href = safeLink(url);
  if (!href) return null;
  // Someone else's address: no referrer, no access to this page, not endorsed.
  return h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow ugc", class: "external" },
    label ?? new URL(href).host + new URL(href).pathname.replace(/\/$/, ""));
}

/** A project as a card: its cover (or a placeholder), its title linking to `href`. */
export function projectCard(project, { href }) {
  const cover = project.thumbnail_url
    ? h("img", { class: "cover", src: project.thumbnail_url, alt: `Cover of ${project.title}`, width: 300, height: 300, loading: "lazy" })
    : h("div", { class: "cover placeholder", "aria-hidden": "true" }, "No cover yet");
  return h("li", { class: "project-card", dataset: { projectId: project.project_id } },
    h("a", { class: "cover-link", href, tabindex: "-1", "aria-hidden": "true" }, cover),
    h("div", { class: "project-body" },
      h("h3", {}, h("a", { href }, project.title)),
      project.description ? h("p", { class: "small muted clamp" }, project.description) : null,
      tagList(project.tags)));
}

/** An image's name for people: its file name without the extension, or when it came. */
export function mediaName(media) {
  const stem = (media.original_filename ?? "").replace(/\.[a-z0-9]{2,5}$/i, "").trim();
  return stem || `the image added ${new Date(media.created_at).toLocaleString()}`;
}

/** The display copies as <img srcset> and `sizes` (how wide the layout shows the image),
 *  set before `src`, so a browser fetches the smallest copy that is sharp at that width
 *  (640, 1280 or 2048 px wide at most); `src` alone is the largest, for the rest. */
export function showDisplayCopies(image, media, sizes) {
  if (media.srcset) {
    image.sizes = sizes;
    image.srcset = media.srcset;
  } else {
    image.removeAttribute("srcset");
  }
  image.src = media.file_url;
}

/** "Download original", for the owner: the API hands out a short-lived link (a plain link
 *  could not carry the token), and the file answers as an attachment under its own name,
 *  so following the link downloads it and this page stays. */
export function downloadOriginalButton(mediaId, name, errors) {
  const button = h("button", { class: "button secondary small", type: "button", "aria-label": `Download the original of ${name}` }, "Download original");
  button.addEventListener("click", async () => {
    let link;
    try {
      link = await busy(button, "Preparing…", () => api(`/media/${encodeURIComponent(mediaId)}/original/link`));
    } catch (err) {
      showError(errors, err, { controls: [button] });
      return;
    }
    location.assign(link.url);
  });
  return button;
}

/**
 * A list read a page at a time from `path` ({items, next_cursor} a page): each item is
 * drawn by `draw(item)`, `empty` is shown when there is none, and a button reads the next
 * page. `parts` go into the page: the errors' slot, the list, the button.
 */
export function pagedList({ path, limit = 20, label, className, moreLabel, draw, empty, signal }) {
  const list = h("ul", { class: className, "aria-label": label });
  const errors = h("div");
  const more = h("button", { class: "button secondary", type: "button", hidden: true }, moreLabel);
  const state = { items: [], cursor: null };
  async function load({ append = false } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (append && state.cursor) query.set("cursor", state.cursor);
    try {
      const page = await api(`${path}?${query}`, { signal });
      state.items = append ? [...state.items, ...page.items] : page.items;
      state.cursor = page.next_cursor ?? null;
      more.hidden = !state.cursor;
      if (!state.items.length) replace(list, h("li", { class: "empty" }, empty));
      else replace(list, state.items.map(draw));
    } catch (err) {
      if (err.name !== "AbortError" && !signal?.aborted) showError(errors, err, { controls: [more] });
    }
    return state.items;
  }
  more.addEventListener("click", () => busy(more, "Loading…", () => load({ append: true })));
  return { load, parts: [errors, list, h("div", { class: "actions" }, more)] };
}

/**
 * Read what a page shows while `body` says it is loading. Resolves to what `read` gave, or
 * to null after putting in `body` why not: a heading (`missing` for a 404, else `title`)
 * and the 404's `gone` words or the error.
 */
export async function readFor(body, read, { title, missing, gone }) {
  let value = null;
  try {
    value = await read();
  } catch (err) {
    if (err.name === "AbortError") return null;
    const slot = h("div");
    if (err.status === 404) slot.append(notice("error", ...[gone].flat()));
    else showError(slot, err);
    replace(body, h("div", { class: "page-head" }, h("h1", {}, err.status === 404 ? missing : title)), slot);
  }
  body.classList.remove("loading");
  body.removeAttribute("role");
  return value;
}
