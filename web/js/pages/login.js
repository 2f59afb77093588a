// Log in with a username or email. Says why the person is here when a session ended.
import { logIn } from "../auth.js";
import { go } from "../router.js";
import { busy, clear, field, h, notice, showError } from "../ui.js";

export function render(main, { params }) {
  main.append(loginCard(params, { heading: "h1" }));
}

/** The log-in form; the home page shows it beside what Portrait is (an h2 there). */
export function loginCard(params, { heading = "h1" } = {}) {
  const errors = h("div", { id: "login-errors" });
  const submit = h("button", { class: "button", type: "submit" }, "Log in");
  const form = h("form", { class: "card auth-card", novalidate: true, "aria-labelledby": "login-title" },
    h(heading, { id: "login-title" }, "Log in"),
    h("p", { class: "muted" }, "Welcome back. Your avatar and portraits are waiting."),
    params.get("expired") ? notice("warning", "Your session has ended. Please log in again.") : null,
    params.get("loggedout") ? notice("success", "You are logged out.") : null,
    errors,
    field({ id: "login", label: "Username or email", type: "text", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" }),
    field({ id: "password", label: "Password", type: "password", autocomplete: "current-password", required: true }),
    h("div", { class: "actions" }, submit, h("span", { class: "muted" }, "New here? ", h("a", { href: "#/signup" }, "Create an account"))),
    h("p", { class: "small muted browse" }, "Just looking? ", h("a", { href: "#/search" }, "Browse everyone's projects"), "."),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(errors);
    const login = form.elements.login.value.trim();
    const password = form.elements.password.value;
    if (!login || !password) {
      showError(errors, { message: "Enter your username or email and your password." });
      (login ? form.elements.password : form.elements.login).focus();
      return;
    }
    try {
      await busy(submit, "Logging in…", () => logIn(login, password));
    } catch (err) {
      showError(errors, err, { controls: [submit] });
      form.elements.password.select();
      return;
    }
    go(`#${params.get("next") || "/avatar"}`);
  });
  return form;
}
