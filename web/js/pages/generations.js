// AI portraits: pick a pose, a style (each shown by its sample), quality and priority (the cost is shown before
// anything is charged), upload a photo straight to the bucket, watch it render.
import { api } from "../api.js";
import { generationFailure } from "../messages.js";
import { checkImageFile, IMAGE_TYPES, postToBucket, wireDropZone } from "../upload.js";
import { clear, formatBytes, h, notice, replace, showError, sleep } from "../ui.js";
import { resultsGallery } from "./generation-results.js";
import { posePicker } from "./pose-picker.js";

const RENDER_LIMIT_MS = 10 * 60_000;

export function render(main, { signal }) {
  const state = { balance: null, prices: null, file: null, contentType: null, running: false };

  // ---------------------------------------------------------------- credits and stats
  const balance = h("p", { class: "balance", id: "credit-balance" }, "…");
  const prices = h("p", { class: "muted small" });
  const stats = h("dl", { class: "stats", "aria-label": "Your generation stats" });
  const summaryErrors = h("div");

  // ---------------------------------------------------------------- the form
  const picker = posePicker({ signal, onChange: () => showCost() });
  const quality = h("div", { class: "options", role: "radiogroup", "aria-labelledby": "quality-label" },
    choice("radio", "quality", "sd", "Standard — 512 × 512 px", true),
    choice("radio", "quality", "hd", "HD — 1024 × 1024 px"));
  const priority = choice("checkbox", "priority", "yes", "Priority — rendered ahead of the queue");
  // The presets come from GET /styles, each with a sample portrait; until they load (or if
  // they cannot), the request goes without one and the API's default applies.
  const styles = h("div", { class: "style-options", role: "radiogroup", "aria-labelledby": "style-label" },
    h("span", { class: "muted small" }, "Loading styles…"));

  const input = h("input", { type: "file", id: "photo-file", accept: IMAGE_TYPES.join(","), "aria-describedby": "photo-file-hint" });
  const zone = h("label", { class: "dropzone", for: "photo-file" },
    h("span", { class: "dz-title" }, "Drop a photo of yourself here, or choose a file"),
    h("span", { class: "muted small", id: "photo-file-hint" }, "JPEG, PNG, WebP or GIF · up to 5 MB · one person, face visible"),
    input);
  const chosen = h("div", { "aria-live": "polite" });
  const cost = h("div", { class: "cost", "aria-live": "polite" });
  const submit = h("button", { class: "button", type: "submit" }, "Generate portrait");
  const formErrors = h("div");
  const progress = h("div", { "aria-live": "polite" });

  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "new-title" },
    h("h2", { id: "new-title" }, "New portrait"),
    picker.element,
    h("fieldset", {},
      h("legend", {}, "2. Choose the options"),
      h("p", { class: "label", id: "style-label" }, "Style"), styles,
      h("p", { class: "label", id: "quality-label" }, "Quality"), quality,
      h("p", { class: "label" }, "Speed"), priority),
    h("fieldset", {},
      h("legend", {}, "3. Add your photo"),
      zone, chosen),
    cost, formErrors,
    h("div", { class: "actions" }, submit),
    progress);

  const results = resultsGallery({ signal, onChange: () => refreshSummary() });

  main.append(
    h("div", { class: "page-head" },
      h("h1", {}, "Generations"),
      h("p", {}, "Turn a photo of yourself into a portrait in the pose you choose.")),
    summaryErrors,
    h("div", { class: "grid-2" },
      h("section", { class: "card", "aria-labelledby": "credits-title" },
        h("h2", { id: "credits-title" }, "Credits"), balance, prices),
      h("section", { class: "card", "aria-labelledby": "stats-title" },
        h("h2", { id: "stats-title" }, "Stats"), stats)),
    form,
    results.element);

  form.addEventListener("change", (event) => {
    if (event.target.name === "quality" || event.target.name === "priority") showCost();
  });
  wireDropZone(zone, input, (file) => choose(file));

  // ---------------------------------------------------------------- helpers
  function options() {
    const style = form.querySelector("input[name=style]:checked")?.value;
    return {
      quality: form.querySelector("input[name=quality]:checked")?.value ?? "sd",
      priority: form.querySelector("input[name=priority]").checked,
      ...(style ? { style } : {}),
    };
  }

  async function loadStyles() {
    try {
      const { items } = await api("/styles", { signal });
      replace(styles, items.map((style, index) => {
        const id = `style-${style.name}`;
        return h("label", { class: "style-choice", for: id },
          h("input", { type: "radio", name: "style", id, value: style.name, checked: index === 0 }),
          h("img", { src: style.sample_url, alt: "", width: 96, height: 96, loading: "lazy" }),
          h("span", { class: "style-title" }, style.title),
          h("span", { class: "muted small" }, style.description));
      }));
    } catch (err) {
      if (err.name !== "AbortError") replace(styles, h("span", { class: "muted small" }, "Styles could not be loaded; the realistic style will be used."));
    }
  }

  function price() {
    if (!state.prices) return null;
    const { quality: q, priority: p } = options();
    return state.prices.base + (q === "hd" ? state.prices.hd : 0) + (p ? state.prices.priority : 0);
  }

  function showCost() {
    const amount = price();
    if (amount === null) { replace(cost, h("span", { class: "muted" }, "Loading prices…")); return; }
    const short = state.balance !== null && state.balance < amount;
    replace(cost,
      h("div", {}, h("span", { class: "muted small" }, "This portrait costs"), h("br"),
        h("span", { class: "amount", id: "generation-cost" }, `${amount} credits`)),
      h("div", { class: short ? "reject-text small" : "muted small" },
        state.balance === null ? "" : short
          ? `You have ${state.balance} credits: ${amount - state.balance} short.`
          : `You have ${state.balance}; ${state.balance - amount} left after this one.`));
    submit.textContent = `Generate portrait · ${amount} credits`;
    submit.disabled = state.running || short;
  }

  async function choose(file) {
    clear(formErrors);
    try {
      state.contentType = await checkImageFile(file);
      state.file = file;
    } catch (err) {
      state.file = null;
      replace(chosen);
      showError(formErrors, err);
      return;
    }
    const preview = URL.createObjectURL(file);
    const img = h("img", { src: preview, alt: `Your photo: ${file.name}` });
    img.addEventListener("load", () => URL.revokeObjectURL(preview), { once: true });
    replace(chosen, h("div", { class: "file-chip" }, img,
      h("div", {}, h("div", {}, file.name), h("div", { class: "muted small" }, formatBytes(file.size)))));
  }

  async function refreshSummary() {
    try {
      const [credits, figures] = await Promise.all([
        api("/me/credits", { signal }), api("/generations/stats", { signal })]);
      state.balance = credits.balance;
      state.prices = credits.prices;
      balance.textContent = `${credits.balance} credits`;
      prices.textContent = `A portrait costs ${credits.prices.base} credits; HD adds ${credits.prices.hd}, priority adds ${credits.prices.priority}.`;
      replace(stats,
        stat("Portraits", figures.total), stat("Completed", figures.completed), stat("Failed", figures.failed),
        stat("Average render", averageRender(figures)), stat("Credits used", figures.credits_used));
      showCost();
    } catch (err) {
      if (err.name !== "AbortError") showError(summaryErrors, err);
    }
  }

  // ---------------------------------------------------------------- submit
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(formErrors);
    const poseId = picker.selected();
    if (!poseId) { showError(formErrors, { message: "Choose a pose first." }); return; }
    if (!state.file) { showError(formErrors, { message: "Add a photo of yourself first." }); input.focus(); return; }
    state.running = true;
    submit.disabled = true;
    const bar = h("progress", { max: 100, value: 0, "aria-label": "Photo upload progress" });
    const percent = h("span", {}, "0%");
    const line = h("div", { class: "status-line" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", {}, "Starting…"));
    replace(progress, h("div", { class: "progress-block" },
      h("div", { class: "progress-line" }, h("span", {}, "Uploading your photo"), percent), bar), line);
    try {
      const started = await api("/generations", { method: "POST", body: { pose_id: poseId, ...options(), content_type: state.contentType } });
      results.upsert(started);
      refreshSummary(); // the credits were charged when it started
      replace(line, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", {}, "Uploading your photo…"));
      await postToBucket(started.upload, state.file, {
        signal,
        onProgress(loaded, total) {
          bar.value = Math.round((loaded / total) * 100);
          percent.textContent = `${bar.value}% · ${formatBytes(loaded)} of ${formatBytes(total)}`;
        },
      });
      const done = await follow(started.generation_id, line);
      results.upsert(done);
      if (done.status === "completed") {
        replace(progress, notice("success", "Your portrait is ready. It is the first one in the gallery below."));
      } else if (done.status === "failed" || done.status === "expired") {
        replace(progress, h("div", { class: "notice error", role: "alert", dataset: { reason: done.error?.reason ?? "" } },
          h("div", {}, h("strong", {}, "This portrait could not be made."), " ", generationFailure(done.error),
            done.refunded ? ` Your ${done.credits_charged} credits were refunded.` : "")));
      } else {
        replace(progress, notice("info", "Still rendering. It will appear in the gallery when it is done."));
      }
      refreshSummary();
    } catch (err) {
      if (err.name === "AbortError") return;
      replace(progress);
      showError(formErrors, err, { controls: [submit] });
      refreshSummary();
      results.reload();
    } finally {
      state.running = false;
      if (!signal.aborted && !formErrors.querySelector(".notice.warning")) showCost();
    }
  });

  async function follow(generationId, line) {
    // Status changes: pending (photo on its way) -> processing (rendering) -> completed/failed.
    const since = Date.now();
    let delay = 750;
    for (;;) {
      const g = await api(`/generations/${generationId}`, { signal });
      results.upsert(g);
      if (!["pending", "processing"].includes(g.status) || Date.now() - since > RENDER_LIMIT_MS) return g;
      const seconds = Math.round((Date.now() - since) / 1000);
      replace(line, h("span", { class: "spinner", "aria-hidden": "true" }),
        h("span", { id: "generation-status" }, g.status === "pending" ? `Photo uploaded. Checking it… (${seconds} s)` : g.render_submitted_at ? `Rendering your portrait… (${seconds} s)` : `Checking your photo for a face… (${seconds} s)`));
      await sleep(delay, signal);
      delay = Math.min(delay * 1.4, 3000);
    }
  }

  showCost();
  refreshSummary();
  loadStyles();
}

function choice(type, name, value, label, checked = false) {
  const id = `${name}-${value}`;
  return h("label", { class: "choice", for: id }, h("input", { type, name, id, value, checked }), h("span", {}, label));
}

function stat(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value instanceof Node ? value : String(value)));
}

// An average over no renders is no figure at all: a dash (read out as words), not "0.0 s".
function averageRender({ completed, average_processing_seconds: seconds }) {
  if (!completed || seconds == null) {
    return h("span", { class: "no-figure" }, h("span", { "aria-hidden": "true" }, "—"),
      h("span", { class: "visually-hidden" }, "No renders yet"));
  }
  return `${seconds.toFixed(1)} s`;
}
