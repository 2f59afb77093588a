// The header's search box, on every page: suggestions as you type (titles and tags, from
// GET /search/suggest), in the ARIA 1.2 combobox pattern — the input keeps focus, the
// arrow keys move through the listbox, Enter picks, Escape closes. A title opens its
// project, a tag filters the search by it, and Enter on the text searches for it.
import { api } from "./api.js";
import { go, parseHash } from "./router.js";
import { MAX_QUERY, openProject, readSearch, searchHash } from "./search.js";
import { h, replace } from "./ui.js";

const DEBOUNCE_MS = 150;

export function mountSearchBox(form) {
  const input = form.querySelector("[role='combobox']");
  const listbox = document.getElementById(input.getAttribute("aria-controls"));
  const status = form.querySelector("[role='status']");
  input.maxLength = MAX_QUERY;

  let suggestions = [];
  let active = -1;
  let timer = null;
  let inflight = null; // the AbortController of the request under way: a newer one cancels it

  function options() { return [...listbox.querySelectorAll("[role='option']")]; }

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
    for (const option of options()) option.setAttribute("aria-selected", "false");
  }

  function cancel() {
    clearTimeout(timer);
    inflight?.abort();
    inflight = null;
  }

  function open() {
    if (!suggestions.length) return;
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlight(index) {
    const all = options();
    active = index;
    all.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
    input.setAttribute("aria-activedescendant", all[index].id);
    all[index].scrollIntoView({ block: "nearest" });
  }

  function show(found) {
    suggestions = found;
    active = -1;
    input.removeAttribute("aria-activedescendant");
    replace(listbox, found.map((suggestion, i) => h("li", {
      id: `search-suggestion-${i}`, role: "option", "aria-selected": "false", class: `suggestion ${suggestion.kind}`,
      dataset: { kind: suggestion.kind },
    },
    h("span", { class: "suggestion-text" }, suggestion.text),
    h("span", { class: "suggestion-kind" }, suggestion.kind === "tag" ? "tag" : "project"))));
    if (!found.length) { close(); status.textContent = ""; return; }
    open();
    status.textContent = `${found.length} suggestion${found.length === 1 ? "" : "s"}: use the up and down arrows to choose one.`;
  }

  async function fetchSuggestions(text) {
    inflight?.abort();
    const controller = new AbortController();
    inflight = controller;
    try {
      const found = await api(`/search/suggest?${new URLSearchParams({ query: text })}`, { auth: false, signal: controller.signal });
      if (controller.signal.aborted || input.value.trim() !== text) return;
      show(Array.isArray(found) ? found : []);
    } catch {
      // Suggestions only help: when they cannot come, the box still searches on Enter.
      if (!controller.signal.aborted) show([]);
    } finally {
      if (inflight === controller) inflight = null;
    }
  }

  function choose(index) {
    const suggestion = suggestions[index];
    if (!suggestion) return;
    cancel();
    close();
    if (suggestion.kind === "tag") {
      input.value = "";
      go(searchHash({ tags: [suggestion.text.toLowerCase()] }));
    } else if (suggestion.project_id) {
      input.value = suggestion.text;
      openProject(suggestion.project_id, { fallback: searchHash({ query: suggestion.text }) });
    } else {
      input.value = suggestion.text;
      go(searchHash({ query: suggestion.text }));
    }
  }

  input.addEventListener("input", () => {
    cancel();
    const text = input.value.trim();
    if (!text) { show([]); return; }
    timer = setTimeout(() => fetchSuggestions(text), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const count = options().length;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp": {
        if (!count) return;
        event.preventDefault();
        if (listbox.hidden) { open(); highlight(event.key === "ArrowDown" ? 0 : count - 1); return; }
        const step = event.key === "ArrowDown" ? 1 : -1;
        highlight(active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
        return;
      }
      case "Enter":
        if (!listbox.hidden && active >= 0) { event.preventDefault(); choose(active); }
        return; // else the form is submitted: a search for the text
      case "Escape":
        if (!listbox.hidden) { event.preventDefault(); close(); }
        return; // else the search input clears itself, as it always does
      case "Tab":
        close();
        return;
      default:
    }
  });

  // A click picks an option; pressing on the list must not take the focus from the input.
  listbox.addEventListener("mousedown", (event) => event.preventDefault());
  listbox.addEventListener("click", (event) => {
    const option = event.target.closest("[role='option']");
    if (option) choose(options().indexOf(option));
  });
  input.addEventListener("blur", close);
  input.addEventListener("focus", () => { if (suggestions.length && input.value.trim()) open(); });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    cancel();
    close();
    go(searchHash({ query: input.value.trim().slice(0, MAX_QUERY), size: currentSize() }));
  });

  // The box says what the search page shows, also after Back and Forward.
  const sync = () => {
    const { path, params } = parseHash();
    if (path !== "/search") return;
    cancel();
    close();
    input.value = readSearch(params).query;
  };
  window.addEventListener("hashchange", sync);
  sync();
}

/** A page size chosen in the address is kept by a new search from the box. */
function currentSize() {
  const { path, params } = parseHash();
  return path === "/search" ? readSearch(params).size : null;
}
