// The pose gallery: radio buttons (one pose is chosen; arrow keys move between them)
// with skeleton previews that load only when scrolled into view, filtered by category
// and tag, a page at a time.
import { api } from "../api.js";
import { busy, h, replace, showError } from "../ui.js";

const PAGE = 24;

export function posePicker({ signal, onChange }) {
  const state = { cursor: null, category: "", tag: "", seenCategories: new Set(), seenTags: new Set(), count: 0 };
  const errors = h("div");
  const category = h("select", { id: "pose-category", name: "category" }, h("option", { value: "" }, "All categories"));
  const tag = h("select", { id: "pose-tag", name: "tag" }, h("option", { value: "" }, "All tags"));
  const grid = h("ul", { class: "pose-grid", role: "radiogroup", "aria-labelledby": "pose-legend" });
  const status = h("p", { class: "muted small", role: "status" });
  const more = h("button", { class: "button secondary", type: "button", hidden: true }, "Show more poses");

  const element = h("fieldset", { class: "pose-picker" },
    h("legend", { id: "pose-legend" }, "1. Choose a pose"),
    h("div", { class: "filters" },
      h("div", { class: "field" }, h("label", { for: "pose-category" }, "Category"), category),
      h("div", { class: "field" }, h("label", { for: "pose-tag" }, "Tag"), tag)),
    errors,
    h("div", { class: "pose-scroller", tabindex: "-1" }, grid),
    status, h("div", { class: "actions" }, more));

  async function load({ append }) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (state.category) query.set("category", state.category);
    if (state.tag) query.set("tag", state.tag);
    if (append && state.cursor) query.set("cursor", state.cursor);
    if (!append) {
      replace(grid);
      state.count = 0;
      status.textContent = "Loading poses…";
    }
    try {
      // The catalogue is public: no token needed, so it shows even mid-refresh.
      const page = await api(`/poses?${query}`, { auth: false, signal });
      state.cursor = page.next_cursor;
      for (const pose of page.items) grid.append(option(pose));
      state.count += page.items.length;
      remember(page.items);
      more.hidden = !state.cursor;
      status.textContent = state.count ? `${state.count} poses shown${state.cursor ? "; more are available" : ""}.`
        : "No poses match these filters.";
      if (!append && state.count) ensureChecked();
    } catch (err) {
      if (err.name === "AbortError") return;
      status.textContent = "";
      showError(errors, err, { controls: [more] });
    }
  }

  // The API lists poses by category and tag but has no list of the categories themselves,
  // so the filters offer what the poses shown so far carry.
  function remember(items) {
    for (const pose of items) {
      if (!state.seenCategories.has(pose.category)) {
        state.seenCategories.add(pose.category);
        category.append(h("option", { value: pose.category }, words(pose.category)));
      }
      for (const t of pose.tags) {
        if (!state.seenTags.has(t)) {
          state.seenTags.add(t);
          tag.append(h("option", { value: t }, words(t)));
        }
      }
    }
  }

  function option(pose) {
    const id = `pose-${pose.pose_id}`;
    const input = h("input", { type: "radio", name: "pose_id", id, value: pose.pose_id });
    input.addEventListener("change", () => onChange?.(pose));
    return h("li", { class: "pose-option", dataset: { category: pose.category, tags: pose.tags.join(" ") } }, input,
      h("label", { for: id },
        h("img", { src: pose.preview_url, alt: `Skeleton of the pose: ${pose.name}`, loading: "lazy", width: 128, height: 128, decoding: "async" }),
        h("span", { class: "pose-name" }, pose.name),
        h("span", { class: "pose-tags" }, pose.tags.map(words).join(" · "))));
  }

  function ensureChecked() {
    if (!grid.querySelector("input:checked")) {
      const first = grid.querySelector("input");
      first.checked = true;
      first.dispatchEvent(new Event("change"));
    }
  }

  category.addEventListener("change", () => { state.category = category.value; load({ append: false }); });
  tag.addEventListener("change", () => { state.tag = tag.value; load({ append: false }); });
  more.addEventListener("click", () => busy(more, "Loading…", () => load({ append: true })));
  load({ append: false });

  return {
    element,
    selected: () => grid.querySelector("input:checked")?.value ?? null,
  };
}

export function words(slug) {
  const text = String(slug).replace(/[-_]+/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
