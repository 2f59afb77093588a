// The pose gallery: radio buttons (one pose is chosen; arrow keys move between them)
// with skeleton previews that load only when scrolled into view, filtered by category
// and tag, a page at a time. The filters offer every category and tag, with how many
// poses each has, from GET /poses/facets (loaded once, alongside the first page).
import { api } from "../api.js";
import { busy, h, replace, showError } from "../ui.js";

const PAGE = 24;

export function posePicker({ signal, onChange }) {
  // name -> pose count (null: seen on a pose but not in the facets, e.g. added since).
  const state = { cursor: null, category: "", tag: "", categories: new Map(), tags: new Map(), count: 0 };
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

  async function loadFacets() {
    try {
      const facets = await api("/poses/facets", { auth: false, signal });
      for (const { name, count } of facets.categories) state.categories.set(name, count);
      for (const { name, count } of facets.tags) state.tags.set(name, count);
    } catch (err) {
      if (err.name === "AbortError") return;
      // Not worth an error of its own: the filters still offer what the poses shown carry.
    }
    fill(category, state.categories);
    fill(tag, state.tags);
  }

  // Poses newer than the facets (or all of them, if the facets failed to load) still
  // get their category and tags offered.
  function remember(items) {
    let categoriesChanged = false;
    let tagsChanged = false;
    for (const pose of items) {
      if (!state.categories.has(pose.category)) { state.categories.set(pose.category, null); categoriesChanged = true; }
      for (const t of pose.tags) {
        if (!state.tags.has(t)) { state.tags.set(t, null); tagsChanged = true; }
      }
    }
    if (categoriesChanged) fill(category, state.categories);
    if (tagsChanged) fill(tag, state.tags);
  }

  function fill(select, counts) {
    const chosen = select.value;
    const options = [...counts.keys()].sort().map((name) => {
      const count = counts.get(name);
      return h("option", { value: name, dataset: count === null ? {} : { count: String(count) } },
        count === null ? words(name) : `${words(name)} (${count})`);
    });
    replace(select, select.options[0], ...options);
    select.value = chosen;
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
  loadFacets();
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
