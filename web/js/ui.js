// Small DOM helpers shared by the pages: an element builder (text is always set as
// text, never parsed as HTML, so API data cannot inject markup), notices and formats.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A notice box: role=alert for errors (read out at once), role=status for the rest. */
export function notice(kind, ...content) {
  return h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, h("div", {}, ...content));
}

let countdowns = new WeakMap();

/**
 * Show an error in `slot`: the API's message, a 422's field messages, and for a rate
 * limit the wait, counted down; `controls` are disabled until the wait is over.
 */
// What the API's error codes mean to a person, where its own message is terse.
const PEOPLE_MESSAGES = {
  invalid_credentials: "That username or email and password do not match an account. Check both and try again.",
  token_expired: "You were signed out after a while. Sign in again.",
  invalid_token: "You were signed out. Sign in again.",
};

/** An API message as a sentence: a capital letter and a full stop. */
export function sentence(text) {
  const trimmed = String(text ?? "").trim();
  if (!trimmed) return "";
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

export function showError(slot, err, { controls = [] } = {}) {
  clearInterval(countdowns.get(slot));
  const message = PEOPLE_MESSAGES[err?.code] ?? (sentence(err?.message) || "Something went wrong.");
  if (err?.rateLimited) {
    let left = err.retryAfter ?? 60;
    const wait = h("span", {}, waitText(left));
    replace(slot, notice("warning", h("strong", {}, "Too many requests."), " ", message, " ", wait));
    for (const control of controls) control.disabled = true;
    const timer = setInterval(() => {
      left -= 1;
      if (left > 0) { wait.textContent = waitText(left); return; }
      clearInterval(timer);
      for (const control of controls) control.disabled = false;
      replace(slot, notice("info", "You can try again now."));
    }, 1000);
    countdowns.set(slot, timer);
    return;
  }
  const details = (err?.details ?? []).filter((d) => d.message);
  replace(slot, notice("error", h("strong", {}, message),
    details.length ? h("ul", {}, details.map((d) => h("li", {}, `${fieldName(d.field)}: ${d.message}`))) : null));
}

function waitText(seconds) {
  return seconds >= 90 ? `Try again in ${Math.ceil(seconds / 60)} minutes.` : `Try again in ${seconds} s.`;
}

function fieldName(path) {
  // "body.social_links.github" -> "social links github": the person needs the field, not the path.
  return String(path ?? "").replace(/^body\.?/, "").replace(/[._]/g, " ").trim() || "request";
}

export function clear(slot) {
  clearInterval(countdowns.get(slot));
  slot.replaceChildren();
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function timeElement(iso) {
  return h("time", { datetime: iso }, formatDate(iso));
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });
}

/** Disable a submit button while `work` runs, so a double click sends one request. */
export async function busy(button, label, work) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try { return await work(); } finally {
    button.disabled = false;
    button.textContent = before;
  }
}

/** Put a 422's messages next to the inputs they concern; returns whether any matched. */
export function markInvalid(form, err) {
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const rest = (el.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && id !== `${el.id}-error`);
    if (rest.length) el.setAttribute("aria-describedby", rest.join(" "));
    else el.removeAttribute("aria-describedby");
  }
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll(".hint[hidden]")) el.hidden = false;
  let matched = false;
  for (const detail of err?.details ?? []) {
    const name = String(detail.field ?? "").replace(/^body\./, "");
    // "tags.3" (one item of a list) belongs to the input of the whole list, "tags".
    const input = form.elements.namedItem(name) ?? form.elements.namedItem(name.replace(/\.\d+$/, ""));
    if (!(input instanceof HTMLElement)) continue;
    matched = true;
    const id = `${input.id}-error`;
    const shown = input.closest(".field")?.querySelector(`#${CSS.escape(id)}`);
    if (shown) { shown.append(" ", detail.message); continue; } // a second problem with it
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
    // The error takes the hint's place: "At least 8 characters." above "Use at least 8
    // characters." said the same thing twice.
    const hint = input.closest(".field")?.querySelector(".hint");
    if (hint) hint.hidden = true;
    input.closest(".field")?.append(h("span", { class: "field-error", id }, detail.message));
  }
  return matched;
}

/** A labelled input with an optional hint, as the pages' forms use. */
export function field({ id, label, hint, ...attrs }) {
  const hintId = hint ? `${id}-hint` : null;
  const tag = attrs.type === "textarea" ? "textarea" : "input";
  if (tag === "textarea") delete attrs.type;
  const value = attrs.value;
  if (tag === "textarea") delete attrs.value;
  const control = h(tag, { id, name: id, "aria-describedby": hintId, ...attrs });
  if (tag === "textarea" && value) control.value = value;
  return h("div", { class: "field" }, h("label", { for: id }, label), control,
    hint ? h("span", { class: "hint", id: hintId }, hint) : null);
}
