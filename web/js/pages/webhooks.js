// Your webhook endpoints: register one (its secret is shown once), see each one's status
// and its deliveries (attempts, answers, the next try), send a test, redeliver, rotate the
// secret, disable, enable or delete. README "Webhooks" says what a receiver gets.
import { api } from "../api.js";
import { busy, clear, field, h, markInvalid, notice, replace, showError, timeElement } from "../ui.js";

const path = (id, rest = "") => `/me/webhooks/${encodeURIComponent(id)}${rest}`;

export function render(main, { signal }) {
  const errors = h("div");
  const secretSlot = h("div", { "aria-live": "polite" });
  const submit = h("button", { class: "button", type: "submit" }, "Add endpoint");
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "new-hook-title" },
    h("h2", { id: "new-hook-title" }, "New endpoint"),
    errors,
    field({ id: "url", label: "URL", type: "url", required: true, placeholder: "https://api.example.com/hooks",
      hint: "Where events are POSTed (https)." }),
    field({ id: "event_types", label: "Events", type: "text", placeholder: "*",
      hint: "Comma-separated names such as avatar.ready, generation.completed; empty or * for every event." }),
    field({ id: "description", label: "Description", type: "text", maxlength: 500 }),
    h("div", { class: "actions" }, submit));
  const list = h("div", { class: "webhook-list" });

  main.append(
    h("div", { class: "page-head" }, h("h1", {}, "Webhooks"),
      h("p", {}, "Your server hears of your avatars, images and portraits as they happen: each event is POSTed, signed (Standard Webhooks), and retried for a day when it fails.")),
    secretSlot, form,
    h("section", { class: "card", "aria-labelledby": "hooks-title" }, h("h2", { id: "hooks-title" }, "Endpoints"), list));

  async function load() {
    try {
      const page = await api("/me/webhooks?limit=100", { signal });
      replace(list, page.items.length ? page.items.map(endpointCard) : h("p", {}, "No endpoints yet."));
    } catch (err) {
      if (err.name !== "AbortError") showError(list, err);
    }
  }

  function showSecret(endpoint, heading) {
    replace(secretSlot, notice("success", h("strong", {}, heading), " Copy the signing secret now: it is not shown again. ",
      h("code", { class: "secret" }, endpoint.secret)));
  }

  function endpointCard(endpoint) {
    const slot = h("div");
    const deliveries = h("div", { class: "deliveries" });
    const act = (label, work) => {
      const button = h("button", { type: "button", class: "button subtle" }, label);
      button.addEventListener("click", async () => {
        clear(slot);
        try { await busy(button, "…", work); } catch (err) { showError(slot, err); }
      });
      return button;
    };
    return h("article", { class: "webhook", "data-endpoint": endpoint.endpoint_id },
      h("h3", {}, endpoint.url, " ", h("span", { class: `badge ${endpoint.status}` }, endpoint.status)),
      endpoint.description ? h("p", {}, endpoint.description) : null,
      h("p", { class: "hint" }, `Events: ${endpoint.event_types.join(", ")}`),
      endpoint.disabled_reason ? notice("warning", `Disabled: ${endpoint.disabled_reason}`) : null,
      endpoint.previous_secret_expires_at
        ? h("p", { class: "hint" }, "The previous secret signs too until ", timeElement(endpoint.previous_secret_expires_at), ".") : null,
      slot,
      h("div", { class: "actions" },
        act("Deliveries", () => showDeliveries(endpoint, deliveries)),
        act("Send test", async () => { await api(path(endpoint.endpoint_id, "/test"), { method: "POST" }); await showDeliveries(endpoint, deliveries); }),
        act("Rotate secret", async () => { showSecret(await api(path(endpoint.endpoint_id, "/rotate-secret"), { method: "POST" }), "New secret."); await load(); }),
        act(endpoint.enabled ? "Disable" : "Enable", async () => { await api(path(endpoint.endpoint_id), { method: "PATCH", body: { enabled: !endpoint.enabled } }); await load(); }),
        act("Delete", async () => {
          if (!confirm(`Delete the endpoint ${endpoint.url}? Its deliveries go with it.`)) return;
          await api(path(endpoint.endpoint_id), { method: "DELETE" });
          await load();
        })),
      deliveries);
  }

  async function showDeliveries(endpoint, slot) {
    const page = await api(path(endpoint.endpoint_id, "/deliveries?limit=20"), { signal });
    if (!page.items.length) { replace(slot, h("p", {}, "No deliveries yet.")); return; }
    // The table scrolls inside its box on a phone; the page itself never scrolls sideways.
    replace(slot, h("div", { class: "table-scroll" }, h("table", { class: "deliveries-table" },
      h("caption", {}, "Deliveries, newest first (kept 30 days)"),
      h("thead", {}, h("tr", {}, ["Event", "Status", "Attempts", "Last answer", "Next try", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, page.items.map((d) => {
        const last = d.attempts[d.attempts.length - 1];
        const again = h("button", { type: "button", class: "button subtle" }, "Redeliver");
        again.disabled = d.status === "pending";
        again.addEventListener("click", async () => {
          try { await busy(again, "…", () => api(path(endpoint.endpoint_id, `/deliveries/${encodeURIComponent(d.delivery_id)}/redeliver`), { method: "POST" })); }
          catch (err) { showError(slot, err); return; }
          await showDeliveries(endpoint, slot);
        });
        return h("tr", {},
          h("td", {}, d.event_type, h("br"), h("code", {}, d.event_id)),
          h("td", {}, h("span", { class: `badge ${d.status}` }, d.status)),
          h("td", {}, String(d.attempt_count)),
          h("td", {}, last ? `${last.status_code ?? "no answer"}${last.error ? ` (${last.error})` : ""}, ${last.latency_ms ?? "-"} ms` : "-"),
          h("td", {}, d.next_attempt_at ? timeElement(d.next_attempt_at) : "-"),
          h("td", {}, again));
      })))));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(errors);
    clear(secretSlot);
    markInvalid(form, null);
    const typed = form.elements.namedItem("event_types").value.split(",").map((t) => t.trim()).filter(Boolean);
    const body = { url: form.elements.namedItem("url").value.trim(), event_types: typed.length ? typed : ["*"] };
    const description = form.elements.namedItem("description").value.trim();
    if (description) body.description = description;
    try {
      const created = await busy(submit, "Adding…", () => api("/me/webhooks", { method: "POST", body }));
      showSecret(created, "Endpoint added.");
      form.reset();
      await load();
    } catch (err) {
      markInvalid(form, err);
      showError(errors, err, { controls: [submit] });
    }
  });

  load();
}
