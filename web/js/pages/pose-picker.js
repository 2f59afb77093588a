// The pose gallery: radio buttons (one pose is chosen; arrow keys move between them)
// with skeleton previews that load only when scrolled into view, filtered by category
// and tag, a page at a time. The filters offer every category and tag, with how many
// poses each has, from GET /poses/facets (loaded once, alongside the first page).
//
// Unfiltered, the catalogue lists in pose id order: its first page would be two dozen
// camera angles of one pose. So the first page shows the variety instead (GET
// /poses/featured: one of each base pose, in turns across the categories). "Show more"
// then goes through the whole catalogue, leaving out the poses already shown.
import { api } from "../api.js";
import { rememberPoses } from "../poses.js";
import { poseFigure } from "../pose-figure.js";
import { busy, h, replace, showError } from "../ui.js";

const PAGE = 24;

export function posePicker({ signal, onChange }) {
  // name -> pose count (null: seen on a pose but not in the facets, e.g. added since).
  const state = {
    cursor: null, category: "", tag: "", categories: new Map(), tags: new Map(), count: 0,
    showcase: false, // the first page is the variety page: "more" starts the full listing
    shown: new Set(), // pose ids in the grid
    run: 0,           // the newest load; an older one's answer is dropped
  };
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
    const run = ++state.run;
    if (!append) {
      replace(grid);
      state.count = 0;
      state.shown.clear();
      state.cursor = null;
      status.textContent = "Loading poses…";
    }
    try {
      let items;
      let hasMore;
      if (!append && !state.category && !state.tag && (items = await varietyPage()) !== null) {
        state.showcase = true;
        const total = [...state.categories.values()].reduce((sum, count) => sum + (count ?? 0), 0);
        hasMore = total > items.length;
      } else {
        const query = new URLSearchParams({ limit: String(PAGE) });
        if (state.category) query.set("category", state.category);
        if (state.tag) query.set("tag", state.tag);
        // After the variety page, the full listing starts from its beginning.
        if (append && state.cursor && !state.showcase) query.set("cursor", state.cursor);
        // The catalogue is public: no token needed, so it shows even mid-refresh.
        const page = await api(`/poses?${query}`, { auth: false, signal });
        state.showcase = false;
        state.cursor = page.next_cursor;
        items = page.items;
        hasMore = Boolean(state.cursor);
      }
      if (run !== state.run) return;
      const fresh = items.filter((pose) => !state.shown.has(pose.pose_id));
      for (const pose of fresh) {
        state.shown.add(pose.pose_id);
        grid.append(option(pose));
      }
      state.count += fresh.length;
      remember(items);
      more.hidden = !hasMore;
      status.textContent = state.count ? `${state.count} poses shown${hasMore ? "; more are available" : ""}.`
        : "No poses match these filters.";
      if (!append && state.count) ensureChecked();
    } catch (err) {
      if (err.name === "AbortError" || run !== state.run) return;
      status.textContent = "";
      showError(errors, err, { controls: [more] });
    }
  }

  /** A page of distinct base poses, in turns across the categories (GET /poses/featured:
   *  one request); null when there is none, for the plain listing instead. */
  async function varietyPage() {
    await facetsLoaded;
    const page = await api(`/poses/featured?limit=${PAGE}`, { auth: false, signal });
    return page.items.length ? page.items : null;
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
  const facetsLoaded = loadFacets();

  // Poses newer than the facets (or all of them, if the facets failed to load) still
  // get their category and tags offered.
  function remember(items) {
    rememberPoses(items);
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
    // "Waving, hand up: front view, full body" reads as a title and the camera's part:
    // repeated on every card, the second half drowned the first.
    const [base, ...view] = String(pose.name).split(":");
    const viewText = view.join(":").trim();
    const said = viewText.toLowerCase();
    const tags = pose.tags.map(words).filter((t) => !said.includes(t.toLowerCase()));
    return h("li", { class: "pose-option", dataset: { category: pose.category, tags: pose.tags.join(" ") } }, input,
      h("label", { for: id },
        poseFigure(pose.keypoints, `The pose: ${pose.name}`),
        h("span", { class: "pose-name" }, base),
        viewText ? h("span", { class: "pose-view" }, viewText) : null,
        tags.length ? h("span", { class: "pose-tags" }, tags.join(" · ")) : null));
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
