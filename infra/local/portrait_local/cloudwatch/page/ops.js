// The local operations page: the local CloudWatch's charts (SVG drawn by the stack) and
// alarms, and the admin routes' counts, called as the web client calls the API (its own
// modules: the signed-in admin's token, refreshed when needed). Refreshed every 10 s.
import "/js/auth.js"; // plugs the session (token, refresh) into api.js
import { api } from "/js/api.js";

const REFRESH_MS = 10_000;
const COUNTS = [
  ["storage", "Storage by prefix", "/admin/counts/storage"],
  ["avatars", "Avatars by state", "/admin/counts/avatars"],
  ["users", "Users", "/admin/counts/users"],
  ["generations", "Generations by state", "/admin/counts/generations"],
];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function svgNode(markup) {
  const doc = new DOMParser().parseFromString(markup, "image/svg+xml");
  return document.importNode(doc.documentElement, true);
}

const time = (epoch) => new Date(epoch * 1000).toISOString().slice(11, 16);

function showClock(clock) {
  const ahead = Math.round(clock.ahead_of_real_seconds / 60);
  document.getElementById("clock").textContent =
    `Alarm clock ${time(clock.now)} UTC, speed ${clock.speed}×` +
    (ahead > 0 ? ` (${ahead} min ahead of the wall clock)` : "");
}

function showAlarms(alarms, notReadable) {
  const body = document.querySelector("#alarms tbody");
  const rows = [...alarms].sort((a, b) =>
    (a.state === "ALARM" ? 0 : 1) - (b.state === "ALARM" ? 0 : 1) || a.name.localeCompare(b.name));
  body.replaceChildren(...rows.map((alarm) => el("tr", { class: alarm.state, "data-alarm": alarm.name, "data-state": alarm.state },
    el("td", {}, el("span", { class: `state ${alarm.state}` }, alarm.state)),
    el("td", { title: alarm.description }, alarm.name),
    el("td", { class: "reason" }, alarm.reason))));
  for (const [name, why] of Object.entries(notReadable)) {
    body.append(el("tr", { "data-alarm": name, "data-state": "NOT_READ" },
      el("td", {}, "not read"), el("td", {}, name), el("td", { class: "reason" }, why)));
  }
  const counts = {};
  for (const alarm of alarms) counts[alarm.state] = (counts[alarm.state] ?? 0) + 1;
  document.getElementById("alarm-summary").textContent =
    Object.entries(counts).map(([state, n]) => `${n} ${state}`).join(", ");
  const firing = alarms.filter((alarm) => alarm.state === "ALARM").map((alarm) => alarm.name);
  document.getElementById("alarms-firing").textContent = firing.length ? ` — in ALARM: ${firing.join(", ")}` : "";
}

function showCharts(charts) {
  document.getElementById("charts").replaceChildren(...charts.map((chart) => {
    const points = chart.series.reduce((n, s) => n + s.points.filter(([, v]) => v !== null).length, 0);
    return el("figure", { class: "chart", "data-chart": chart.id, "data-points": String(points) },
      el("figcaption", {}, chart.title),
      svgNode(chart.svg),
      ...(points ? [] : [el("p", { class: "empty" }, "No datapoints in the last hour.")]),
      ...(chart.note ? [el("p", { class: "empty" }, chart.note)] : []));
  }));
}

function countRows(document_) {
  // storage: {prefixes: {avatars: {objects, bytes}}}; generations: {by_state: {...}}; others flat.
  if (document_.prefixes) {
    return Object.entries(document_.prefixes).flatMap(([prefix, figures]) => [
      [`${prefix}/ objects`, figures.objects], [`${prefix}/ bytes`, figures.bytes]]);
  }
  const flat = document_.by_state ?? document_;
  return Object.entries(flat).filter(([, v]) => typeof v === "number");
}

function unavailable(err) {
  if (err.status === 404) return "unavailable: this API has no such route yet (404)";
  if (err.status === 403) return "unavailable: the signed-in user is not an admin (403)";
  if (err.status === 401) return "unavailable: sign in as an admin in the web client (401)";
  return `unavailable: ${err.message}${err.status ? ` (${err.status})` : ""}`;
}

async function showCounts() {
  const cards = await Promise.all(COUNTS.map(async ([id, title, path]) => {
    try {
      const reply = await api(path);
      // Storage totals come from a listing (hourly, or `portrait counts storage`): its age.
      const age = !("age_seconds" in reply) ? ""
        : reply.age_seconds === null ? " (not listed yet)" : ` (figures ${reply.age_seconds} s old)`;
      return el("div", { class: "count", "data-count": id, "data-available": "true" },
        el("h3", {}, title + age),
        el("dl", {}, ...countRows(reply).flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, String(value))])));
    } catch (err) {
      return el("div", { class: "count unavailable", "data-count": id, "data-available": "false" },
        el("h3", {}, title), el("p", {}, unavailable(err)));
    }
  }));
  document.getElementById("counts").replaceChildren(...cards);
}

async function refresh() {
  try {
    const reply = await fetch("/__local/cloudwatch/dashboard", { cache: "no-store" });
    if (!reply.ok) throw new Error(`the dashboard answered ${reply.status}`);
    const dashboard = await reply.json();
    showClock(dashboard.clock);
    showAlarms(dashboard.alarms, dashboard.not_readable);
    showCharts(dashboard.charts);
  } catch (err) {
    document.getElementById("clock").textContent = `The local CloudWatch could not be read: ${err.message}`;
  }
  await showCounts();
  document.body.dataset.loaded = String(Date.now());
}

refresh();
setInterval(refresh, REFRESH_MS);
