// Search results, for everyone: #/search?query=…&tags=a,b&page=N (&size=N). The tags of
// everything the words match, with their counts, filter the results (any of the chosen
// tags); each result shows its cover, its title and description with the matched words
// marked, its owner (to their portfolio) and its tags, which filter too. The header's box
// (search-box.js) starts a search; every change here is a new address, so Back undoes it.
import { api } from "../api.js";
import { go } from "../router.js";
import { highlighted, projectHash, readSearch, searchHash } from "../search.js";
import { formatDate, h, notice, replace, showError } from "../ui.js";

const DEFAULT_SIZE = 20;
const FACETS_SHOWN = 20;

export async function render(main, { params, signal }) {
  const search = readSearch(params);
  const size = search.size ?? DEFAULT_SIZE;
  const summary = h("p", { role: "status" }, "Searching…");
  const body = h("div", { class: "loading" });
  const heading = search.query ? `Search: ${search.query}` : "Search projects";
  document.title = `${search.query ? `“${search.query}”` : "Search"} · Portrait`;
  main.append(h("div", { class: "page-head" }, h("h1", { class: "search-title" }, heading), summary), body);

  const link = (changes) => searchHash({ ...search, page: 1, ...changes });
  const toggled = (tag) => (search.tags.includes(tag) ? search.tags.filter((t) => t !== tag) : [...search.tags, tag]);

  async function load() {
    const query = new URLSearchParams({ query: search.query, page: String(search.page), size: String(size) });
    if (search.tags.length) query.set("tags", search.tags.join(","));
    replace(summary, "Searching…");
    body.classList.add("loading");
    let found;
    try {
      found = await api(`/search?${query}`, { auth: false, signal });
    } catch (err) {
      if (err.name === "AbortError" || signal.aborted) return;
      body.classList.remove("loading");
      replace(summary, "The search could not be done.");
      replace(body, failure(err, load));
      return;
    }
    if (signal.aborted) return;
    body.classList.remove("loading");
    replace(summary, describe(search, found));
    replace(body,
      facets(search, found.facets?.tags ?? [], link, toggled),
      found.items.length ? results(search, found, size, link, toggled) : empty(search, found, link),
      pager(search, found, link));
  }

  await load();
}

function describe({ query, tags }, { total }) {
  if (!total) return "No results.";
  const count = total === 1 ? "1 project" : `${total.toLocaleString()} projects`;
  const words = query ? ` ${total === 1 ? "matches" : "match"} “${query}”`
    : total === 1 ? " is shown" : " are shown";
  const filter = tags.length ? `, tagged ${tags.join(" or ")}` : "";
  return `${count}${words}${filter}${query ? "" : ", newest first"}.`;
}

/** The tags of every match (before the tag filter), with counts: each toggles its filter. */
function facets(search, counts, link, toggled) {
  const shown = counts.slice(0, FACETS_SHOWN);
  // A chosen tag stays in reach to be removed, even when the counts do not list it.
  for (const tag of search.tags) if (!shown.some((f) => f.tag === tag)) shown.push({ tag, count: null });
  if (!shown.length) return null;
  return h("section", { class: "facets", "aria-labelledby": "facets-title" },
    h("h2", { id: "facets-title", class: "facets-title" }, "Filter by tag"),
    h("ul", { class: "chips" }, shown.map(({ tag, count }) => h("li", {},
      chip({ tag, search, link, toggled },
        h("span", { class: "chip-tag" }, tag),
        count === null ? null : h("span", { class: "count" }, h("span", { class: "visually-hidden" }, ", "), String(count),
          h("span", { class: "visually-hidden" }, count === 1 ? " project" : " projects")))))),
    search.tags.length ? h("p", { class: "small clear-filters" }, h("a", { href: link({ tags: [] }) }, "Clear the tag filters")) : null);
}

/** A tag as a toggle button: pressed while the results are filtered by it. */
function chip({ tag, search, link, toggled, small = false }, ...content) {
  return h("button", {
    type: "button", class: small ? "chip small" : "chip", "aria-pressed": search.tags.includes(tag) ? "true" : "false",
    dataset: { tag }, onclick: () => go(link({ tags: toggled(tag) })),
  }, ...content);
}

function results(search, found, size, link, toggled) {
  return h("ol", { class: "search-results", "aria-label": "Results", start: String((found.page - 1) * size + 1) },
    found.items.map((hit) => {
      const href = projectHash(hit.user_id, hit.project_id);
      const owner = hit.name || hit.username;
      const cover = hit.thumbnail_url
        ? h("img", { class: "hit-cover", src: hit.thumbnail_url, alt: `Cover of ${hit.title}`, width: 300, height: 300, loading: "lazy" })
        : h("div", { class: "hit-cover placeholder", "aria-hidden": "true" }, "No cover");
      return h("li", { class: "search-hit", dataset: { projectId: hit.project_id } },
        h("a", { class: "hit-cover-link", href, tabindex: "-1", "aria-hidden": "true" }, cover),
        h("div", { class: "hit-body" },
          h("h2", { class: "hit-title" }, h("a", { href }, highlighted(hit, "title"))),
          h("p", { class: "hit-owner small" }, "By ",
            h("a", { href: `#/u/${encodeURIComponent(hit.user_id)}` }, highlighted(hit, "name", owner)),
            hit.username ? h("span", { class: "muted" }, ` @${hit.username}`) : null,
            hit.updated_at ? h("span", { class: "muted" }, " · updated ", h("time", { datetime: hit.updated_at }, formatDate(hit.updated_at))) : null),
          hit.description ? h("p", { class: "hit-description small" }, highlighted(hit, "description")) : null,
          hit.tags?.length ? h("ul", { class: "chips hit-tags", "aria-label": "Tags" }, hit.tags.map((tag) => h("li", {},
            chip({ tag: tag.toLowerCase(), search, link, toggled, small: true }, tag)))) : null));
    }));
}

function empty({ query, tags, page }, { total, pages }, link) {
  if (total > 0 && page > pages) {
    return h("div", { class: "empty search-empty" },
      h("p", {}, `There is no page ${page}: these results have ${pages === 1 ? "one page" : `${pages} pages`}.`),
      h("p", {}, h("a", { href: link({ page: 1 }) }, "Go to the first page")));
  }
  return h("div", { class: "empty search-empty" },
    h("p", {}, query ? `No projects match “${query}”${tags.length ? " with these tags" : ""}.` : "No projects to show yet."),
    tags.length ? h("p", {}, h("a", { href: link({ tags: [] }) }, "Search without the tag filters")) : null,
    query ? h("p", { class: "small muted" }, "Check the spelling, try fewer words, or ",
      h("a", { href: searchHash() }, "browse every project"), ".") : null);
}

function pager({ page }, { pages, total }, link) {
  if (!total || pages <= 1 || page > pages) return null;
  const step = (to, label, rel) => (to >= 1 && to <= pages
    ? h("a", { class: "button secondary small", href: link({ page: to }), rel }, label)
    : h("span", { class: "button secondary small", "aria-disabled": "true" }, label));
  return h("nav", { class: "pager", "aria-label": "Pages of results" },
    step(page - 1, "← Previous", "prev"),
    h("span", { class: "pager-where", "aria-current": "page" }, `Page ${page} of ${pages}`),
    step(page + 1, "Next →", "next"));
}

/** Why there are no results: a search engine resting for a moment is said kindly, with a retry. */
function failure(err, retry) {
  const slot = h("div");
  const again = h("button", { class: "button secondary small", type: "button" }, "Try again");
  again.addEventListener("click", () => retry());
  if (err.status === 503) {
    const wait = err.retryAfter ? ` It should be back in about ${err.retryAfter} s.` : "";
    slot.append(notice("warning", h("strong", {}, "Search is unavailable for a moment."),
      `Your projects are safe; only the search is resting.${wait} `, again));
    return slot;
  }
  showError(slot, err, { controls: [again] });
  slot.append(h("p", { class: "actions" }, again));
  return slot;
}
