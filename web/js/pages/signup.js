// Create an account, then log straight in.
import { signUp } from "../auth.js";
import { go } from "../router.js";
import { busy, clear, field, h, markInvalid, showError } from "../ui.js";

// The API's own rules (openapi.json, Registration), checked here first to save a round trip.
const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

function problems(values) {
  const found = [];
  if (!values.name) found.push(["name", "Enter your name."]);
  if (!USERNAME.test(values.username)) found.push(["username", "Use 3 to 32 letters, digits, dots, dashes or underscores."]);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.email)) found.push(["email", "Enter an email address like ada@example.com."]);
  if (values.password.length < 8) found.push(["password", "Use at least 8 characters."]);
  else if ([values.username, values.email].includes(values.password)) found.push(["password", "Choose a password that is not your username or email."]);
  return found;
}

export function render(main) {
  const errors = h("div");
  const submit = h("button", { class: "button", type: "submit" }, "Create account");
  const form = h("form", { class: "card auth-card", novalidate: true, "aria-labelledby": "signup-title" },
    h("h1", { id: "signup-title" }, "Create your account"),
    h("p", { class: "muted" }, "Upload an avatar, then turn a photo into a portrait."),
    errors,
    field({ id: "name", label: "Name", type: "text", autocomplete: "name", required: true, maxlength: 100 }),
    field({ id: "username", label: "Username", type: "text", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false", hint: "3–32 letters, digits, dots, dashes or underscores." }),
    field({ id: "email", label: "Email", type: "email", autocomplete: "email", required: true }),
    field({ id: "password", label: "Password", type: "password", autocomplete: "new-password", required: true, minlength: 8, maxlength: 128, hint: "At least 8 characters." }),
    h("div", { class: "actions" }, submit, h("span", { class: "muted" }, "Already registered? ", h("a", { href: "#/login" }, "Log in"))),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(errors);
    const values = Object.fromEntries(["name", "username", "email", "password"].map((k) => [k, form.elements[k].value.trim()]));
    values.password = form.elements.password.value; // spaces in a password are the person's choice
    const found = problems(values);
    if (found.length) {
      const err = { message: "Please check the highlighted fields.", details: found.map(([f, message]) => ({ field: f, message })) };
      markInvalid(form, err);
      showError(errors, { message: err.message });
      form.elements[found[0][0]].focus();
      return;
    }
    markInvalid(form, null);
    try {
      await busy(submit, "Creating your account…", () => signUp(values));
    } catch (err) {
      markInvalid(form, err);
      showError(errors, err, { controls: [submit] });
      return;
    }
    go("#/avatar?welcome=1");
  });

  main.append(form);
}
