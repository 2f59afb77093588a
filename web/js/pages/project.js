// One of your projects: its details (edit, delete), and its images: uploaded straight to
// the bucket with progress, each shown as soon as its form is issued, its thumbnail
// appearing when the processor has made it; choose the cover, delete an image.
import { api } from "../api.js";
import { currentUser } from "../auth.js";
import { rejectReason, STATUS_LABELS } from "../messages.js";
import { downloadOriginalButton, MEDIA_MAX_BYTES, mediaName, projectFields, readFor, readProjectForm } from "../portfolio.js";
import { go } from "../router.js";
import { busy, clear, h, markInvalid, notice, replace, showError, sleep, timeElement } from "../ui.js";
import { checkImageFile, IMAGE_TYPES, postToBucket, progressBlock, wireDropZone } from "../upload.js";

const POLL_LIMIT_MS = 180_000; // thumbnails take seconds; a stuck one stops the polling after this
const PAGE = 50;

export async function render(main, { args, params, signal }) {
  const projectId = args.project_id;
  const me = currentUser();
  const back = h("p", { class: "back-link" }, h("a", { href: "#/projects" }, "← Your projects"));
  const body = h("div", { class: "loading", role: "status" }, "Loading the project…");
  main.append(back, body);

  const project = await readFor(body, () => api(`/projects/${encodeURIComponent(projectId)}`, { signal }), {
    title: "Project", missing: "Project not found",
    gone: ["This project does not exist, or it was deleted. ", h("a", { href: "#/projects" }, "See your projects")],
  });
  if (!project || signal.aborted) return;
  const heading = h("h1", {}, project.title);
  if (project.user_id !== me?.user_id) {
    replace(body, h("div", { class: "page-head" }, heading),
      notice("info", "This project is someone else's: you can look, not change. ",
        h("a", { href: publicHref(project) }, "See it on their portfolio")));
    return;
  }
  body.replaceWith(h("div", { class: "page-head" }, heading));

  const state = {
    project,
    items: [],            // Media, newest first
    cursor: null,
    uploads: new Map(),   // media_id -> {preview, progress, sent}: what this page is uploading
    tiles: new Map(),     // media_id -> {key, element}: drawn once, redrawn when it changes
    watching: false,
  };

  // ---------------------------------------------------------------- details
  const flash = h("div", { "aria-live": "polite" });
  if (params.get("created")) replace(flash, notice("success", "Project created. Add its images below."));
  const detailsErrors = h("div");
  const save = h("button", { class: "button", type: "submit" }, "Save changes");
  const remove = h("button", { class: "button danger", type: "button" }, "Delete project");
  const viewLink = h("a", { href: publicHref(project) }, "See it as visitors do");
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "details-title" },
    h("div", { class: "card-head" }, h("h2", { id: "details-title" }, "Details"), h("p", { class: "small" }, viewLink)),
    detailsErrors,
    projectFields(project),
    h("div", { class: "actions spread" }, save, remove));

  // ---------------------------------------------------------------- images
  const input = h("input", { type: "file", id: "media-files", accept: IMAGE_TYPES.join(","), "aria-describedby": "media-files-hint" });
  const zone = h("label", { class: "dropzone", for: "media-files" },
    h("span", { class: "dz-title" }, "Drop images here, or choose files"),
    h("span", { class: "muted small", id: "media-files-hint" }, "JPEG, PNG, WebP or GIF · up to 10 MB each · several at once"),
    input);
  const uploadErrors = h("div");
  const uploadStatus = h("p", { class: "status-line", "aria-live": "polite" });
  uploadStatus.hidden = true;
  const grid = h("ul", { class: "media-grid", "aria-label": "Images of this project" });
  const mediaErrors = h("div");
  const count = h("p", { class: "muted small", "aria-live": "polite" });
  const more = h("button", { class: "button secondary", type: "button", hidden: true }, "Show more images");

  main.append(
    flash,
    h("div", { class: "grid-2 top" },
      form,
      h("section", { class: "card", "aria-labelledby": "add-title" },
        h("h2", { id: "add-title" }, "Add images"),
        h("p", { class: "muted small" }, "Each image is checked, then shown as a 300 × 300 thumbnail and a large copy for visitors."),
        uploadErrors, zone, uploadStatus)),
    h("section", { class: "card", "aria-labelledby": "images-title" },
      h("div", { class: "card-head" }, h("h2", { id: "images-title" }, "Images"), count),
      mediaErrors, grid, h("div", { class: "actions" }, more)));
  showTitle();

  function showTitle() {
    heading.textContent = state.project.title;
    document.title = `${state.project.title} · Portrait`;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(detailsErrors);
    clear(flash);
    const { body: update, problems } = readProjectForm(form);
    markInvalid(form, { details: problems });
    if (problems.length) {
      form.elements.namedItem(problems[0].field).focus();
      return;
    }
    try {
      state.project = await busy(save, "Saving…", () => api(`/projects/${encodeURIComponent(projectId)}`, { method: "PATCH", body: update }));
    } catch (err) {
      markInvalid(form, err);
      showError(detailsErrors, err, { controls: [save] });
      return;
    }
    showTitle();
    replace(flash, notice("success", "Your changes are saved."));
  });

  remove.addEventListener("click", async () => {
    if (!confirm(`Delete the project “${state.project.title}” and all its images? This cannot be undone.`)) return;
    clear(detailsErrors);
    try {
      await busy(remove, "Deleting…", () => api(`/projects/${encodeURIComponent(projectId)}`, { method: "DELETE" }));
    } catch (err) {
      showError(detailsErrors, err, { controls: [remove] });
      return;
    }
    go(`#/projects?deleted=${encodeURIComponent(state.project.title)}`);
  });

  // ---------------------------------------------------------------- the images' list
  async function loadMedia({ append = false } = {}) {
    const query = new URLSearchParams({ project_id: projectId, limit: String(PAGE) });
    if (append && state.cursor) query.set("cursor", state.cursor);
    try {
      const page = await api(`/me/media?${query}`, { signal });
      if (append) state.items.push(...page.items.filter((m) => !state.items.some((o) => o.media_id === m.media_id)));
      else merge(page.items, { all: true });
      state.cursor = page.next_cursor;
      draw();
      watch();
    } catch (err) {
      if (err.name !== "AbortError") showError(mediaErrors, err, { controls: [more] });
    }
  }

  /** Take the API's newer word on these images. `all`: they are the whole first page, so
   *  an image it no longer lists (deleted elsewhere) goes, unless this page is uploading it. */
  function merge(fresh, { all = false } = {}) {
    const byId = new Map(fresh.map((m) => [m.media_id, m]));
    const kept = state.items.filter((m) => !all || byId.has(m.media_id) || state.uploads.has(m.media_id));
    const known = new Set(kept.map((m) => m.media_id));
    state.items = [
      ...fresh.filter((m) => !known.has(m.media_id)),
      ...kept.map((m) => byId.get(m.media_id) ?? m),
    ].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  }

  function draw() {
    more.hidden = !state.cursor;
    const ready = state.items.filter((m) => m.status === "ready").length;
    count.textContent = state.items.length
      ? `${state.items.length} ${state.items.length === 1 ? "image" : "images"}${ready < state.items.length ? `, ${ready} ready` : ""}`
      : "";
    if (!state.items.length) {
      state.tiles.clear();
      replace(grid, h("li", { class: "empty" }, "No images yet. Add some above: the first one ready can be the cover."));
      return;
    }
    const tiles = state.items.map((m) => {
      const key = tileKey(m);
      const held = state.tiles.get(m.media_id);
      if (held?.key === key) return held.element;
      const element = tile(m);
      state.tiles.set(m.media_id, { key, element });
      return element;
    });
    const present = new Set(state.items.map((m) => m.media_id));
    for (const id of state.tiles.keys()) if (!present.has(id)) state.tiles.delete(id);
    // Move only what moved: a tile taken out and put back loses the keyboard focus, and
    // this runs at every poll.
    tiles.forEach((element, i) => {
      if (grid.children[i] !== element) grid.insertBefore(element, grid.children[i] ?? null);
    });
    while (grid.children.length > tiles.length) grid.lastElementChild.remove();
  }

  function tileKey(m) {
    const upload = state.uploads.get(m.media_id);
    return [m.status, Boolean(m.thumbnail_url), m.media_id === state.project.thumbnail_media_id, upload ? upload.sent : "-"].join("|");
  }

  function tile(m) {
    const name = mediaName(m);
    const cover = m.media_id === state.project.thumbnail_media_id;
    const upload = state.uploads.get(m.media_id);
    const picture = m.status === "ready" && m.thumbnail_url
      ? h("img", { class: "media-thumb", src: m.thumbnail_url, alt: cover ? `${name}, the cover` : name, width: 300, height: 300, loading: "lazy" })
      : upload?.preview && m.status === "pending"
        ? h("img", { class: "media-thumb pending", src: upload.preview, alt: `${name}, being processed`, width: 300, height: 300 })
        : h("div", { class: "media-thumb placeholder", "aria-hidden": "true" }, m.status === "pending" ? "Processing…" : "No picture");
    const lines = [
      h("div", { class: "line" },
        h("span", { class: `badge ${m.status}` }, upload && !upload.sent ? "Uploading" : STATUS_LABELS[m.status] ?? m.status),
        cover ? h("span", { class: "badge current" }, "Cover") : null),
      h("span", { class: "small name" }, m.original_filename ?? name),
    ];
    if (upload && !upload.sent) lines.push(upload.progress.element);
    else if (m.status === "pending") {
      lines.push(h("span", { class: "small muted status-line" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Making the thumbnail…"));
    }
    if (m.status === "ready") lines.push(h("span", { class: "small muted" }, m.width && m.height ? `${m.width} × ${m.height} px · ` : "", timeElement(m.ready_at ?? m.created_at)));
    if (m.status === "rejected") lines.push(h("span", { class: "small reject-text" }, rejectReason(m.reject_reason, m.reject_message)));
    const actions = h("div", { class: "item-actions" });
    if (m.status === "ready" && !cover) actions.append(coverButton(m, name));
    if (m.download_url) actions.append(downloadOriginalButton(m.media_id, name, mediaErrors));
    if (!upload || upload.sent) actions.append(deleteButton(m, name));
    return h("li", { class: `media-item${cover ? " is-cover" : ""}`, dataset: { mediaId: m.media_id, status: m.status, cover: cover ? "true" : "false" } },
      picture, h("div", { class: "media-body" }, lines, actions));
  }

  function coverButton(m, name) {
    const button = h("button", { class: "button secondary small", type: "button", "aria-label": `Make ${name} the cover` }, "Make cover");
    button.addEventListener("click", async () => {
      clear(mediaErrors);
      try {
        state.project = await busy(button, "Saving…", () => api(`/projects/${encodeURIComponent(projectId)}/thumbnail`, { method: "PUT", body: { media_id: m.media_id } }));
      } catch (err) {
        showError(mediaErrors, err, { controls: [button] });
        return;
      }
      draw();
      replace(flash, notice("success", `${name} is the cover now.`));
      state.tiles.get(m.media_id)?.element.querySelector("button")?.focus(); // its tile was redrawn
    });
    return button;
  }

  function deleteButton(m, name) {
    const button = h("button", { class: "button danger small", type: "button", "aria-label": `Delete ${name}` }, "Delete");
    button.addEventListener("click", async () => {
      if (!confirm(`Delete ${name}? This cannot be undone.`)) return;
      clear(mediaErrors);
      try {
        await busy(button, "Deleting…", () => api(`/media/${encodeURIComponent(m.media_id)}`, { method: "DELETE" }));
      } catch (err) {
        showError(mediaErrors, err, { controls: [button] });
        return;
      }
      forget(m.media_id);
      // Deleting the cover clears it: read the project again for what it is now.
      if (m.media_id === state.project.thumbnail_media_id) await refreshProject();
      draw();
      replace(flash, notice("success", `${name} was deleted.`));
      grid.closest("section").querySelector("h2").focus?.();
    });
    return button;
  }

  function forget(mediaId) {
    state.items = state.items.filter((other) => other.media_id !== mediaId);
    const upload = state.uploads.get(mediaId);
    if (upload?.preview) URL.revokeObjectURL(upload.preview);
    state.uploads.delete(mediaId);
  }

  async function refreshProject() {
    try {
      state.project = await api(`/projects/${encodeURIComponent(projectId)}`, { signal });
    } catch { /* the list still stands; the cover badge may be stale until the next load */ }
  }

  /** Poll while any image is being processed, gently, until none is or the limit is hit. */
  async function watch() {
    if (state.watching) return;
    state.watching = true;
    const deadline = Date.now() + POLL_LIMIT_MS;
    let delay = 750;
    try {
      while (state.items.some(awaited) && Date.now() < deadline) {
        await sleep(delay, signal);
        delay = Math.min(delay * 1.4, 3000);
        const query = new URLSearchParams({ project_id: projectId, limit: String(PAGE) });
        const page = await api(`/me/media?${query}`, { signal });
        const before = new Map(state.items.map((m) => [m.media_id, m.status]));
        merge(page.items.filter((m) => before.has(m.media_id)));
        // The first image ready may have become the cover on its own.
        const readied = state.items.some((m) => m.status === "ready" && before.get(m.media_id) !== "ready");
        if (readied && !state.project.thumbnail_media_id) await refreshProject();
        draw();
      }
    } catch (err) {
      if (err?.name !== "AbortError" && !signal.aborted) showError(mediaErrors, err);
    } finally {
      state.watching = false;
    }
  }

  function awaited(m) {
    const upload = state.uploads.get(m.media_id);
    return m.status === "pending" && (!upload || upload.sent);
  }

  // ---------------------------------------------------------------- uploads
  wireDropZone(zone, input, (files) => uploadAll(files), { multiple: true });
  more.addEventListener("click", () => busy(more, "Loading…", () => loadMedia({ append: true })));

  async function uploadAll(files) {
    clear(uploadErrors);
    clear(flash);
    input.disabled = true;
    const refused = [];
    let done = 0;
    uploadStatus.hidden = false;
    try {
      for (const [index, file] of files.entries()) {
        replace(uploadStatus, h("span", { class: "spinner", "aria-hidden": "true" }),
          files.length > 1 ? `Uploading ${index + 1} of ${files.length}: ${file.name}` : `Uploading ${file.name}`);
        try {
          await uploadOne(file);
          done += 1;
        } catch (err) {
          if (err.name === "AbortError") return;
          if (err.rateLimited || err.status >= 500 || err.code === "network_error") {
            // Waiting is the cure for these: say so, and leave the rest for later.
            showError(uploadErrors, err, { controls: [input] });
            const left = files.slice(index + 1).map((f) => f.name);
            if (left.length) uploadErrors.append(notice("info", `Not sent yet: ${left.join(", ")}.`));
            break;
          }
          refused.push(`${file.name}: ${err.message}`);
        }
      }
    } finally {
      if (!signal.aborted) {
        uploadStatus.hidden = true;
        if (refused.length) {
          uploadErrors.prepend(notice("error", h("strong", {}, refused.length === 1 ? "One file was not uploaded." : `${refused.length} files were not uploaded.`),
            h("ul", {}, refused.map((line) => h("li", {}, line)))));
        }
        if (done) replace(flash, notice("success", done === 1 ? "Uploaded. Its thumbnail appears below when it is ready."
          : `${done} images uploaded. Their thumbnails appear below as they are ready.`));
        if (!uploadErrors.querySelector(".notice.warning")) input.disabled = false;
      }
    }
  }

  async function uploadOne(file) {
    const contentType = await checkImageFile(file, { maxBytes: MEDIA_MAX_BYTES });
    const form = await api("/media/uploads", {
      method: "POST", body: { content_type: contentType, project_id: projectId, filename: file.name.slice(0, 255) },
    });
    const now = new Date().toISOString();
    const upload = { preview: URL.createObjectURL(file), progress: progressBlock(`Uploading ${file.name}`), sent: false };
    state.uploads.set(form.media_id, upload);
    merge([{
      media_id: form.media_id, project_id: projectId, status: "pending", original_filename: file.name,
      mime_type: contentType, bytes: file.size, created_at: now, updated_at: now,
    }]);
    draw();
    try {
      await postToBucket(form, file, { signal, onProgress: upload.progress.update });
    } catch (err) {
      if (err.name !== "AbortError") {
        forget(form.media_id); // its record was never filled: the API lets it expire
        draw();
      }
      throw err;
    }
    upload.sent = true;
    draw();
    watch();
  }

  await loadMedia();
  return () => {
    for (const upload of state.uploads.values()) if (upload.preview) URL.revokeObjectURL(upload.preview);
  };
}

function publicHref(project) {
  return `#/u/${encodeURIComponent(project.user_id)}/projects/${encodeURIComponent(project.project_id)}`;
}
