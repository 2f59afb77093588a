// The avatar page: the current avatar in every size the API lists, an upload straight to the
// bucket with progress, then processing, then the result; and the history with
// restore and delete.
import { api, apiUrl } from "../api.js";
import { loadMe } from "../me.js";
import { STATUS_LABELS, rejectReason } from "../messages.js";
import { checkImageFile, IMAGE_TYPES, postToBucket, wireDropZone } from "../upload.js";
import { busy, clear, formatBytes, h, notice, replace, showError, sleep, timeElement } from "../ui.js";

// On-screen widths of the sizes, smallest first: each one visibly larger than the last.
const SHOWN_WIDTHS = [64, 96, 144, 216, 324];

const DELETABLE = ["ready", "rejected", "expired"]; // deleted ones are restored; pending ones are busy
const POLL_LIMIT_MS = 120_000;

export function render(main, { params, signal }) {
  const state = { items: [], cursor: null };
  const currentSlot = h("div", { class: "loading", role: "status" }, "Loading your avatar…");
  const sizesSlot = h("div", {}, h("p", { class: "muted" }, "Your avatar's sizes appear here once it is ready."));
  const welcome = params.get("welcome") ? notice("success", "Your account is ready. Add a picture of yourself below.") : null;
  const currentErrors = h("div");
  const historyList = h("ul", { class: "history", "aria-label": "Avatar history" });
  const historyErrors = h("div");
  const more = h("button", { class: "button secondary", type: "button", hidden: true }, "Show older avatars");

  // ---------------------------------------------------------------- upload card
  const input = h("input", { type: "file", id: "avatar-file", accept: IMAGE_TYPES.join(","), "aria-describedby": "avatar-file-hint" });
  const zone = h("label", { class: "dropzone", for: "avatar-file" },
    h("span", { class: "dz-icon", "aria-hidden": "true" }, uploadIcon()),
    h("span", { class: "dz-title" }, "Drop an image here, or choose a file"),
    h("span", { class: "muted small", id: "avatar-file-hint" }, "JPEG, PNG, WebP or GIF · up to 5 MB · at least 100 × 100 pixels"),
    input);
  const uploadStatus = h("div", { "aria-live": "polite" });
  const uploadResult = h("div", { class: "upload-result" });
  const flash = h("div", { "aria-live": "polite" }); // outcomes of delete and restore
  const uploadErrors = h("div");

  main.append(
    h("div", { class: "page-head" },
      h("h1", {}, "Your avatar"),
      h("p", {}, "Upload a picture and it is made into every size an app needs, framed around your face.")),
    welcome ?? "", flash, // (the DOM's own append writes a null as the word "null")
    h("div", { class: "grid-2" },
      h("section", { class: "card", "aria-labelledby": "current-title" },
        h("h2", { id: "current-title" }, "Current avatar"), currentErrors, currentSlot),
      h("section", { class: "card", "aria-labelledby": "upload-title" },
        h("h2", { id: "upload-title" }, "Upload a new avatar"), uploadErrors, zone, uploadStatus, uploadResult)),
    h("section", { class: "card", "aria-labelledby": "sizes-title" },
      h("div", { class: "card-head" },
        h("h2", { id: "sizes-title" }, "Sizes"),
        h("p", { class: "muted small" }, "Every size is a square WebP image, made from your upload.")),
      sizesSlot),
    h("section", { class: "card", "aria-labelledby": "history-title" },
      h("div", { class: "card-head" },
        h("h2", { id: "history-title" }, "History"),
        h("p", { class: "muted small" }, "Deleted avatars can be restored for 7 days.")),
      historyErrors, historyList, h("div", { class: "actions" }, more)),
  );

  wireDropZone(zone, input, (file) => upload(file));
  more.addEventListener("click", () => busy(more, "Loading…", () => loadHistory({ append: true })));

  // ---------------------------------------------------------------- current avatar
  function showCurrent(item) {
    replace(sizesSlot, item ? variantList(item)
      : h("p", { class: "muted" }, "Your avatar's sizes appear here once it is ready."));
    if (!item) {
      return apiUrl("/avatars/default?size=medium").then((src) => replace(currentSlot,
        h("div", { class: "current-avatar" },
          h("img", { class: "hero", src, alt: "No avatar yet: a neutral silhouette", width: 128, height: 128 }),
          h("p", { class: "muted" }, "You have no avatar yet. Upload one, or use a generated pattern."),
          regenerateButton())));
    }
    currentSlot.classList.remove("loading");
    currentSlot.removeAttribute("role");
    replace(currentSlot,
      h("div", { class: "current-avatar" },
        h("img", { class: "hero", src: item.variants.medium?.url ?? item.variants.large?.url, alt: "Your current avatar", width: 128, height: 128 }),
        h("div", {},
          h("p", {}, h("span", { class: "badge current" }, "Current"), " ", sourceLabel(item)),
          h("p", { class: "muted small" }, "Since ", timeElement(item.ready_at ?? item.created_at)),
          item.framing ? h("p", { class: "muted small", id: "avatar-framing" }, framingLabel(item.framing)) : null,
          h("div", { class: "actions" }, deleteButton(), regenerateButton()))));
  }

  function variantList(item) {
    // The API lists the sizes smallest first (portrait.sizes): the page keeps no list of its own.
    // Each is drawn one step larger than the last (a ladder, not one common size: medium,
    // large and full all shown at 200 px looked like three copies of one image); the
    // caption says its real size, and how much smaller it is shown.
    return h("ul", { class: "variants", "aria-label": "Sizes of your current avatar" },
      Object.entries(item.variants).map(([size, variant], i) => {
        const width = variant.width ?? 0;
        const shownWidth = Math.min(width || SHOWN_WIDTHS[i], SHOWN_WIDTHS[Math.min(i, SHOWN_WIDTHS.length - 1)]);
        const scale = width ? shownWidth / width : 1;
        const shownHeight = Math.round((variant.height ?? width) * scale);
        const caption = h("span", { class: "px" }, pixels(variant.width, variant.height));
        const note = h("span", { class: "shown" }, scale < 1 ? `shown at ${Math.round(scale * 100)} %` : "actual size");
        const img = h("img", { src: variant.url, alt: `Your avatar, ${size} size`, loading: "lazy", width: shownWidth, height: shownHeight });
        // The caption states what the browser decoded, not only what the API claims.
        img.addEventListener("load", () => { caption.textContent = pixels(img.naturalWidth, img.naturalHeight); }, { once: true });
        return h("li", { dataset: { size } }, h("figure", {}, img, h("figcaption", {}, h("b", {}, size), caption, note)));
      }));
  }

  function deleteButton() {
    const button = h("button", { class: "button danger small", type: "button" }, "Delete");
    button.setAttribute("aria-label", "Delete your current avatar");
    button.addEventListener("click", async () => {
      if (!confirm("Delete your current avatar? You can restore it from the history for 7 days.")) return;
      clear(currentErrors);
      try {
        await busy(button, "Deleting…", () => api("/me/avatar", { method: "DELETE" }));
      } catch (err) {
        showError(currentErrors, err, { controls: [button] });
        return;
      }
      await reload();
      announce(notice("success", "Avatar deleted. You can restore it from the history below."));
    });
    return button;
  }

  function regenerateButton() {
    const button = h("button", { class: "button secondary small", type: "button" }, "Use a generated pattern");
    button.addEventListener("click", async () => {
      clear(currentErrors);
      try {
        await busy(button, "Generating…", () => api("/me/avatar/default", { method: "POST" }));
      } catch (err) {
        showError(currentErrors, err, { controls: [button] });
        return;
      }
      await reload();
    });
    return button;
  }

  // ---------------------------------------------------------------- history
  async function loadHistory({ append = false } = {}) {
    const query = new URLSearchParams({ limit: "10" });
    if (append && state.cursor) query.set("cursor", state.cursor);
    const page = await api(`/me/avatars?${query}`, { signal });
    state.items = append ? [...state.items, ...page.items] : page.items;
    state.cursor = page.next_cursor;
    more.hidden = !state.cursor;
    renderHistory();
    return state.items;
  }

  function renderHistory() {
    if (!state.items.length) {
      replace(historyList, h("li", { class: "empty" }, "Nothing here yet."));
    } else {
      replace(historyList, state.items.map(historyItem));
    }
  }

  function historyItem(item) {
    const thumb = item.variants?.small?.url ?? item.variants?.thumbnail?.url;
    const lines = [h("div", { class: "line" },
      h("span", { class: `badge ${item.current ? "current" : item.status}` },
        item.current ? "Current" : item.replaced_by ? "Replaced" : STATUS_LABELS[item.status] ?? item.status),
      h("span", { class: "small" }, sourceLabel(item)))];
    lines.push(h("span", { class: "small muted" }, "Added ", timeElement(item.created_at)));
    if (item.status === "rejected") {
      lines.push(h("span", { class: "small reject-text" }, rejectReason(item.reject_reason, item.reject_message)));
    }
    if (item.status === "deleted" && item.replaced_by) {
      // Set aside, not deleted by its owner: an upload took its place (the default pattern
      // is replaced this way by a person's first picture).
      lines.push(h("span", { class: "small muted replaced" }, "Replaced when a newer avatar became current."));
    }
    if (item.status === "deleted" && item.restorable_until) {
      lines.push(h("span", { class: "small" }, "Restorable until ", timeElement(item.restorable_until)));
    }
    const actions = h("div", { class: "item-actions" });
    if (item.status === "deleted" && item.restorable_until && new Date(item.restorable_until) > new Date()) {
      const restore = h("button", { class: "button secondary small", type: "button", "aria-label": `Restore the avatar added ${added(item)}` }, "Restore");
      restore.addEventListener("click", async () => {
        clear(historyErrors);
        try {
          await busy(restore, "Restoring…", () => api(`/me/avatars/${item.avatar_id}/restore`, { method: "POST" }));
        } catch (err) {
          showError(historyErrors, err, { controls: [restore] });
          return;
        }
        await reload();
        announce(notice("success", "Avatar restored: it is your current avatar again."));
      });
      actions.append(restore);
    }
    if (DELETABLE.includes(item.status)) actions.append(historyDeleteButton(item));
    return h("li", { class: item.current ? "is-current" : "", dataset: { avatarId: item.avatar_id, status: item.status } },
      thumb ? h("img", { class: "thumb", src: thumb, alt: `${sourceLabel(item)} avatar added ${added(item)}${item.current ? ", the current one" : ""}`, width: 64, height: 64, loading: "lazy" })
        : h("div", { class: "thumb placeholder", "aria-hidden": "true" }, item.status === "pending" ? "…" : "—"),
      h("div", { class: "meta" }, lines),
      actions);
  }

  // Any avatar of the history: a ready one is soft-deleted (restorable, shown as such),
  // a rejected or expired one has nothing to restore and its record is removed.
  function historyDeleteButton(item) {
    const restorable = item.status === "ready";
    const button = h("button", { class: "button danger small", type: "button", "aria-label": `Delete the avatar added ${added(item)}` }, "Delete");
    button.addEventListener("click", async () => {
      const question = restorable
        ? `Delete ${item.current ? "your current avatar" : "this avatar"}? You can restore it from the history for 7 days.`
        : "Remove this upload from the history? This cannot be undone.";
      if (!confirm(question)) return;
      clear(historyErrors);
      let result;
      try {
        result = await busy(button, "Deleting…", () => api(`/me/avatars/${item.avatar_id}`, { method: "DELETE" }));
      } catch (err) {
        showError(historyErrors, err, { controls: [button] });
        return;
      }
      if (item.current) {
        await reload(); // the current avatar and the header change too
      } else {
        state.items = result.status === "removed"
          ? state.items.filter((other) => other.avatar_id !== item.avatar_id)
          : state.items.map((other) => (other.avatar_id === item.avatar_id ? result : other));
        renderHistory();
      }
      announce(notice("success", result.status === "removed"
        ? "Removed from the history."
        : "Avatar deleted. You can restore it from the history below."));
    });
    return button;
  }

  async function reload() {
    try {
      const items = await loadHistory();
      await showCurrent(items.find((item) => item.current && item.status === "ready"));
      loadMe().catch(() => {}); // the header's little avatar; not worth an error of its own
    } catch (err) {
      if (err.name === "AbortError") return;
      showError(historyErrors, err);
      replace(currentSlot, "");
    }
  }

  function announce(node) {
    replace(flash, node);
  }

  // ---------------------------------------------------------------- upload
  async function upload(file) {
    clear(uploadErrors);
    clear(uploadResult);
    clear(flash);
    welcome?.remove();
    let contentType;
    try {
      contentType = await checkImageFile(file);
    } catch (err) {
      showError(uploadErrors, err);
      return;
    }
    const preview = URL.createObjectURL(file);
    const bar = h("progress", { max: 100, value: 0, "aria-labelledby": "upload-progress-label" });
    const percent = h("span", {}, "0%");
    const line = h("div", { class: "status-line" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", {}, "Uploading…"));
    replace(uploadStatus,
      h("div", { class: "file-chip" },
        h("img", { src: preview, alt: `Preview of ${file.name}` }),
        h("div", {}, h("div", {}, file.name), h("div", { class: "muted small" }, `${formatBytes(file.size)} · ${contentType.replace("image/", "").toUpperCase()}`))),
      h("div", { class: "progress-block" },
        h("div", { class: "progress-line" }, h("span", { id: "upload-progress-label" }, "Upload progress"), percent),
        bar),
      line);
    input.disabled = true;
    try {
      const form = await api("/me/avatar/uploads", { method: "POST", body: { content_type: contentType } });
      await postToBucket(form, file, {
        signal,
        onProgress(loaded, total) {
          const value = Math.round((loaded / total) * 100);
          bar.value = value;
          percent.textContent = `${value}% · ${formatBytes(loaded)} of ${formatBytes(total)}`;
        },
      });
      replace(line, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", {}, "Uploaded. Processing your image…"));
      await loadHistory();
      const settled = await waitForAvatar(form.avatar_id);
      line.remove();
      if (settled.status === "ready") {
        replace(uploadResult, notice("success", "Your new avatar is ready. It is shown in all its sizes below."));
      } else if (settled.status === "rejected") {
        replace(uploadResult, h("div", { class: "notice error", role: "alert", dataset: { reason: settled.reject_reason ?? "" } },
          h("div", {}, h("strong", {}, "This image was not accepted."), " ", rejectReason(settled.reject_reason, settled.reject_message))));
      } else {
        replace(uploadResult, notice("info", "Your image is still being processed. It will appear in the history when it is done."));
      }
      await reload();
    } catch (err) {
      if (err.name === "AbortError") return;
      replace(uploadStatus, "");
      showError(uploadErrors, err, { controls: [input] });
    } finally {
      // A rate limit keeps the input disabled until its countdown ends (showError re-enables it).
      if (!signal.aborted && !uploadErrors.querySelector(".notice.warning")) input.disabled = false;
      URL.revokeObjectURL(preview);
    }
  }

  async function waitForAvatar(avatarId) {
    // Processing takes about a second; back off gently so a slow queue costs few requests.
    const deadline = Date.now() + POLL_LIMIT_MS;
    let delay = 500;
    for (;;) {
      const item = await api(`/me/avatars/${avatarId}`, { signal });
      if (item.status !== "pending" || Date.now() > deadline) return item;
      await sleep(delay, signal);
      delay = Math.min(delay * 1.5, 3000);
    }
  }

  reload();
}

// When an avatar was added, as the accessible names of its history buttons say it.
function added(item) {
  return new Date(item.created_at).toLocaleString();
}

function pixels(width, height) {
  return width && height ? `${width} × ${height} px` : "";
}

// How the square was cut (the API's `framing`): around the one face found, or the centre.
function framingLabel(framing) {
  return { face: "Framed around your face", centre: "Cut from the centre (no single face found)" }[framing] ?? "";
}

function sourceLabel(item) {
  return { upload: "Uploaded", identicon: "Generated pattern", gravatar: "From Gravatar" }[item.source] ?? item.source;
}

function uploadIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", "32");
  svg.setAttribute("height", "32");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2");
  svg.append(path);
  return svg;
}
