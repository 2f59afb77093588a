// The results gallery: finished portraits with download and delete, and the ones still
// on their way with their status.
import { api } from "../api.js";
import { generationFailure, STATUS_LABELS } from "../messages.js";
import { knownPoseName, loadPoseNames } from "../poses.js";
import { busy, clear, formatDate, h, replace, showError, timeElement } from "../ui.js";
import { words } from "./pose-picker.js";

const STYLE_TITLES = { realistic: "Realistic", illustration: "Illustration", anime: "Anime" };

export function resultsGallery({ signal, onChange }) {
  // links: a share link just made, by generation id (shown until the page is left: the
  // API keeps only a hash of its token, so it cannot be shown again).
  const state = { items: [], cursor: null, total: 0, links: {} };
  const errors = h("div");
  const list = h("ul", { class: "results", "aria-label": "Your portraits" });
  const count = h("p", { class: "muted small" });
  const more = h("button", { class: "button secondary", type: "button", hidden: true }, "Show older portraits");
  const element = h("section", { class: "card", "aria-labelledby": "results-title" },
    h("div", { class: "card-head" }, h("h2", { id: "results-title" }, "Your portraits"), count),
    errors, list, h("div", { class: "actions" }, more));

  async function load({ append = false } = {}) {
    const query = new URLSearchParams({ limit: "12" });
    if (append && state.cursor) query.set("cursor", state.cursor);
    try {
      const page = await api(`/generations?${query}`, { signal });
      state.items = append ? [...state.items, ...page.items] : page.items;
      state.cursor = page.next_cursor;
      state.total = page.total;
      await loadPoseNames(state.items.map((g) => g.pose_id), { signal });
      draw();
    } catch (err) {
      if (err.name !== "AbortError") showError(errors, err);
    }
  }

  function draw() {
    more.hidden = !state.cursor;
    count.textContent = `${state.total} in all`;
    if (!state.items.length) replace(list, h("li", { class: "empty" }, "Your portraits will appear here."));
    else replace(list, state.items.map(card));
  }

  function card(g) {
    // Titled by the pose's name, as the gallery showed it; its id only if the name is unknown.
    const title = knownPoseName(g.pose_id) ?? words(g.pose_id);
    const image = g.status === "completed" && g.output_url
      ? h("img", { class: "result-image", src: g.output_url, alt: `Your portrait in the pose ${title}, made ${formatDate(g.created_at)}`, loading: "lazy", width: 300, height: 300 })
      : h("div", { class: "result-image", "aria-hidden": "true" }, placeholderText(g));
    const lines = [
      h("div", {}, h("span", { class: `badge ${g.status}` }, STATUS_LABELS[g.status] ?? g.status), " ",
        h("span", { class: "badge" }, g.quality.toUpperCase()), " ",
        h("span", { class: "badge" }, STYLE_TITLES[g.style] ?? g.style),
        g.shared_at ? [" ", h("span", { class: "badge shared" }, "Shared")] : null,
        g.batch_id ? [" ", h("span", { class: "badge", title: "Started with other poses from the same photo" }, "Batch")] : null, g.priority ? [" ", h("span", { class: "badge" }, "Priority")] : null),
      h("span", { class: "small result-title" }, title),
      h("span", { class: "small muted" }, timeElement(g.created_at),
        g.status === "completed" && g.processing_seconds != null ? ` · rendered in ${g.processing_seconds.toFixed(1)} s` : "",
        g.width ? ` · ${g.width} × ${g.height} px` : ""),
    ];
    if (g.status === "completed" && g.likeness) lines.push(likenessLine(g.likeness));
    if (g.status === "failed" || g.status === "expired") {
      lines.push(h("span", { class: "small reject-text" }, generationFailure(g.error)));
      if (g.refunded) lines.push(h("span", { class: "small muted" }, `${g.credits_charged} credits refunded.`));
    }
    const actions = h("div", { class: "result-actions" });
    if (g.status === "completed" && g.output_url) actions.append(downloadButton(g, title), ...shareControls(g, title));
    if (!["pending", "processing"].includes(g.status)) actions.append(deleteButton(g, title));
    return h("li", { dataset: { generationId: g.generation_id, status: g.status } }, image,
      h("div", { class: "result-body" }, lines, actions, shareBox(g, title)));
  }

  // The likeness check's figure: how much the portrait's face matches the photo's.
  function likenessLine(likeness) {
    const text = likeness.score == null
      ? "Likeness: face too small to measure"
      : `Likeness ${Math.round(likeness.score * 100)} % (${Math.round(likeness.threshold * 100)} % needed)`
        + (likeness.attempts > 1 ? `, on render ${likeness.attempts}` : "");
    return h("span", { class: "small muted likeness", title: "Similarity of the portrait's face to your photo's (face embeddings)" }, text);
  }

  function downloadButton(g, title) {
    const button = h("button", { class: "button small", type: "button", "aria-label": `Download the portrait ${title}` }, "Download");
    button.addEventListener("click", () => busy(button, "Downloading…", async () => {
      // <a download> is ignored for another origin (the bucket), so fetch the bytes
      // (the bucket's CORS rules allow GET) and save them under a sensible name.
      try {
        const reply = await fetch(g.output_url);
        if (!reply.ok) throw new Error(`HTTP ${reply.status}`);
        const url = URL.createObjectURL(await reply.blob());
        const link = h("a", { href: url, download: `portrait-${g.generation_id}.png`, hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch {
        window.open(g.output_url, "_blank", "noopener");
      }
    }));
    return button;
  }

  // A public link: made (or made anew: the old one stops working) and revoked here. The
  // link is shown once, when it is made: the API keeps only a hash of its token.
  function shareControls(g, title) {
    const controls = [];
    const share = h("button", { class: "button secondary small", type: "button", "aria-label": `${g.shared_at ? "Make a new link for" : "Share"} the portrait ${title}` },
      g.shared_at ? "New link" : "Share");
    share.addEventListener("click", async () => {
      if (g.shared_at && !confirm("Make a new link? The current one will stop working.")) return;
      clear(errors);
      let made;
      try {
        made = await busy(share, "Sharing…", () => api(`/generations/${g.generation_id}/share`, { method: "POST" }));
      } catch (err) {
        showError(errors, err, { controls: [share] });
        return;
      }
      state.links[g.generation_id] = made.share_url;
      upsert({ ...g, shared_at: made.shared_at });
      list.querySelector(`li[data-generation-id="${g.generation_id}"] .share-link`)?.select();
    });
    controls.push(share);
    if (g.shared_at) {
      const revoke = h("button", { class: "button danger small", type: "button", "aria-label": `Stop sharing the portrait ${title}` }, "Stop sharing");
      revoke.addEventListener("click", async () => {
        clear(errors);
        try {
          await busy(revoke, "Revoking…", () => api(`/generations/${g.generation_id}/share`, { method: "DELETE" }));
        } catch (err) {
          showError(errors, err, { controls: [revoke] });
          return;
        }
        delete state.links[g.generation_id];
        upsert({ ...g, shared_at: null });
      });
      controls.push(revoke);
    }
    return controls;
  }

  function shareBox(g, title) {
    const url = g.shared_at && state.links[g.generation_id];
    if (!url) return null;
    const field = h("input", { class: "share-link", type: "url", readonly: true, value: url, "aria-label": `Public link to the portrait ${title}` });
    const copy = h("button", { class: "button small", type: "button" }, "Copy link");
    const said = h("span", { class: "small muted", "aria-live": "polite" });
    copy.addEventListener("click", async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(url);
        said.textContent = "Copied.";
      } catch {
        said.textContent = "Select the link and copy it.";
      }
    });
    return h("div", { class: "share-box" },
      h("span", { class: "small" }, "Anyone with this link can see the portrait. Copy it now: it is shown only once."),
      field, copy, said);
  }

  function deleteButton(g, title) {
    const button = h("button", { class: "button danger small", type: "button", "aria-label": `Delete the portrait ${title}` }, "Delete");
    button.addEventListener("click", async () => {
      if (!confirm("Delete this portrait and its images? This cannot be undone.")) return;
      clear(errors);
      try {
        await busy(button, "Deleting…", () => api(`/generations/${g.generation_id}`, { method: "DELETE" }));
      } catch (err) {
        showError(errors, err, { controls: [button] });
        return;
      }
      state.items = state.items.filter((item) => item.generation_id !== g.generation_id);
      state.total = Math.max(0, state.total - 1);
      draw();
      list.closest("section").querySelector("h2").focus?.();
      onChange?.();
    });
    return button;
  }

  /** Show one generation as it changes, at the top of the list. */
  function upsert(g) {
    const known = state.items.findIndex((item) => item.generation_id === g.generation_id);
    if (known >= 0) state.items[known] = g;
    else { state.items.unshift(g); state.total += 1; }
    draw();
    if (!knownPoseName(g.pose_id)) loadPoseNames([g.pose_id], { signal }).then(draw, () => {});
  }

  more.addEventListener("click", () => busy(more, "Loading…", () => load({ append: true })));
  load();
  return { element, reload: load, upsert };
}

function placeholderText(g) {
  if (g.status === "pending") return "Waiting for your photo…";
  if (g.status === "processing") return "Rendering…";
  return "No image";
}
