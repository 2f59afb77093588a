// What the search box and the search page share: the page's address (#/search?query=…
// &tags=a,b&page=N&size=N, so a search can be linked and Back goes to the one before),
// highlighted fragments turned into DOM nodes, and opening a project found by its id.
import { api } from "./api.js";
import { go } from "./router.js";

export const MAX_QUERY = 200; // the API's limits (openapi.json, GET /search)
export const MAX_SIZE = 50;
export const MAX_PAGE = 1000;

/** "Python, web,python" -> ["python", "web"]: the API compares tags in lower case. */
export function splitTags(text) {
  return [...new Set(String(text ?? "").split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

function whole(value, { min, max }) {
  const number = Number(value);
  return Number.isInteger(number) && number >= min && number <= max ? number : null;
}

/** The search a #/search address asks for; anything out of the API's range is left out. */
export function readSearch(params) {
  return {
    query: (params.get("query") ?? "").trim().slice(0, MAX_QUERY),
    tags: splitTags(params.get("tags")),
    page: whole(params.get("page"), { min: 1, max: MAX_PAGE }) ?? 1,
    size: whole(params.get("size"), { min: 1, max: MAX_SIZE }),
  };
}

/** The address of a search: only what differs from the defaults is written. */
export function searchHash({ query = "", tags = [], page = 1, size = null } = {}) {
  const params = new URLSearchParams();
  if (query) params.set("query", query);
  if (tags.length) params.set("tags", tags.join(","));
  if (page > 1) params.set("page", String(page));
  if (size) params.set("size", String(size));
  const text = params.toString();
  return text ? `#/search?${text}` : "#/search";
}

const NAMED = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" };

function unescapeHtml(text) {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/gi, (all, code) => {
    if (code[0] !== "#") return NAMED[code.toLowerCase()] ?? all;
    const point = code[1] === "x" || code[1] === "X" ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
    return point > 0 && point <= 0x10ffff && !(point >= 0xd800 && point <= 0xdfff) ? String.fromCodePoint(point) : all;
  });
}

/**
 * A highlighted fragment from the API ("&lt;b&gt; <mark>word</mark>") as DOM nodes: text
 * nodes, and <mark> elements for the matched words. Nothing is parsed as HTML: the fragment
 * is cut at exactly "<mark>" and "</mark>", every other piece is un-escaped and set as text,
 * so a stray tag in it (which the API never sends) shows as the characters it is made of.
 */
export function marked(fragment) {
  const out = document.createDocumentFragment();
  let target = out;
  for (const piece of String(fragment ?? "").split(/(<mark>|<\/mark>)/)) {
    if (piece === "<mark>") {
      if (target === out) { target = document.createElement("mark"); out.append(target); }
    } else if (piece === "</mark>") {
      target = out;
    } else if (piece) {
      target.append(document.createTextNode(unescapeHtml(piece)));
    }
  }
  return out;
}

/** A field of a hit: its highlighted fragments when the search matched in it, else its text. */
export function highlighted(hit, name, plain = hit[name]) {
  const fragments = hit.highlights?.[name];
  if (!fragments?.length) return document.createTextNode(plain ?? "");
  const out = document.createDocumentFragment();
  fragments.forEach((fragment, i) => {
    if (i) out.append(" … ");
    out.append(marked(fragment));
  });
  return out;
}

export function projectHash(userId, projectId) {
  return `#/u/${encodeURIComponent(userId)}/projects/${encodeURIComponent(projectId)}`;
}

/** Open a project known by its id alone (a suggestion): its public page is under its owner. */
export async function openProject(projectId, { fallback }) {
  try {
    const project = await api(`/projects/${encodeURIComponent(projectId)}`, { auth: false });
    go(projectHash(project.user_id, project.project_id));
  } catch {
    go(fallback); // deleted since it was indexed, or unreachable: search for its title instead
  }
}
