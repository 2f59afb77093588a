// The profile editor: PATCH /me with what the form says. Empty optional fields are
// sent as null (the API clears them); social links replace the whole map.
import { api } from "../api.js";
import { loadMe } from "../me.js";
import { NETWORKS } from "../messages.js";
import { busy, clear, field, h, markInvalid, notice, replace, showError, timeElement } from "../ui.js";


export async function render(main, { signal }) {
  main.append(h("div", { class: "page-head" },
    h("h1", {}, "Your profile"),
    h("p", {}, "What other people see next to your avatar.")));
  const body = h("div", { class: "loading", role: "status" }, "Loading your profile…");
  main.append(body);

  let me;
  try {
    me = await loadMe();
  } catch (err) {
    if (err.name !== "AbortError") showError(replace(body), err);
    return;
  }
  if (signal.aborted) return;

  const errors = h("div");
  const saved = h("div", { "aria-live": "polite" });
  const submit = h("button", { class: "button", type: "submit" }, "Save changes");
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "edit-title" },
    h("h2", { id: "edit-title" }, "Edit profile"),
    errors, saved,
    h("div", { class: "form-grid" },
      field({ id: "name", label: "Name", type: "text", value: me.name, required: true, maxlength: 100, autocomplete: "name" }),
      field({ id: "title", label: "Title", type: "text", value: me.title ?? "", maxlength: 100, hint: "For example: Illustrator" })),
    field({ id: "bio", label: "Bio", type: "textarea", value: me.bio ?? "", maxlength: 500 }),
    field({ id: "contact", label: "Contact", type: "text", value: me.contact ?? "", maxlength: 200, hint: "How people can reach you: an email address, a phone number…" }),
    h("fieldset", {},
      h("legend", {}, "Links"),
      h("div", { class: "form-grid" },
        Object.entries(NETWORKS).map(([key, label]) => field({
          id: `social_links.${key}`, label, type: "text", value: me.social_links?.[key] ?? "", maxlength: 300,
          placeholder: key === "website" ? "https://…" : "handle or profile URL", autocapitalize: "none", spellcheck: "false",
        })))),
    h("div", { class: "actions" }, submit));

  const bio = form.elements.bio;
  const counter = h("span", { class: "hint", id: "bio-count" });
  bio.setAttribute("aria-describedby", "bio-count");
  const count = () => { counter.textContent = `${bio.value.length} of 500 characters`; };
  bio.closest(".field").append(counter);
  bio.addEventListener("input", count);
  count();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(errors);
    clear(saved);
    const value = (name) => form.elements.namedItem(name).value.trim();
    if (!value("name")) {
      markInvalid(form, { details: [{ field: "name", message: "Enter your name." }] });
      form.elements.name.focus();
      return;
    }
    const links = {};
    for (const key of Object.keys(NETWORKS)) {
      const link = value(`social_links.${key}`);
      if (link) links[key] = link;
    }
    const update = {
      name: value("name"),
      title: value("title") || null,
      bio: value("bio") || null,
      contact: value("contact") || null,
      social_links: links,
    };
    try {
      me = await busy(submit, "Saving…", () => api("/me", { method: "PATCH", body: update }));
    } catch (err) {
      markInvalid(form, err);
      showError(errors, err, { controls: [submit] });
      return;
    }
    markInvalid(form, null);
    loadMe().catch(() => {});
    replace(saved, notice("success", "Your profile is saved."));
    replace(account, ...accountCard(me));
  });

  const account = h("section", { class: "card", "aria-labelledby": "account-title" }, ...accountCard(me));
  replace(body, h("div", { class: "grid-2 top" }, account, form));
  body.classList.remove("loading");
  body.removeAttribute("role");
}

function accountCard(me) {
  return [
    h("h2", { id: "account-title" }, "Account"),
    h("div", { class: "current-avatar" },
      me.avatar ? h("img", { class: "hero", src: me.avatar.url, alt: "Your current avatar", width: 128, height: 128 }) : null,
      h("div", {},
        h("p", {}, h("strong", {}, me.name), h("br"), h("span", { class: "muted" }, `@${me.username}`)),
        me.title ? h("p", { class: "small" }, me.title) : null,
        h("p", { class: "small" }, h("a", { href: "#/avatar" }, me.avatar ? "Change your avatar" : "Add an avatar")),
        h("p", { class: "small" }, h("a", { href: `#/u/${encodeURIComponent(me.user_id)}` }, "See your public portfolio")))),
    h("dl", { class: "details" },
      h("div", {}, h("dt", {}, "Email"), h("dd", {}, me.email)),
      h("div", {}, h("dt", {}, "Credits"), h("dd", {}, String(me.credits ?? 0), " · ", h("a", { href: "#/generations" }, "spend them"))),
      h("div", {}, h("dt", {}, "Member since"), h("dd", {}, timeElement(me.created_at)))),
  ];
}
