/*
 * The IOP review console: a SMART App Launch (standalone) client of this server when security is on,
 * an anonymous FHIR client on the open embedded default. Everything shown comes from the FHIR API as
 * the caller is allowed to see it: the server's consent-aware search decides which episodes a payer
 * may review, and the review operations ($medical-necessity, $attendance, $level-of-care) decide
 * every verdict, threshold and date; this file only lays their answers out. Data goes into the page
 * as text nodes, never as HTML.
 */
"use strict";

const FHIR_BASE = new URL("../fhir", document.baseURI).href;
const CLIENT_ID = "iop-console";
const SCOPE = "openid fhirUser user/*.rs";
const NOTICE_EXTENSION = "http://iop-fhir.org/fhir/StructureDefinition/redisclosure-notice";
const LEVEL_EXTENSION = "http://iop-fhir.org/fhir/StructureDefinition/iop-level-of-care";
const ASAM_DIMENSIONS = "http://iop-fhir.org/fhir/CodeSystem/asam-dimension";
const ASAM_RATINGS = "http://iop-fhir.org/fhir/CodeSystem/asam-risk-rating";

let client = null;
let charts = [];
let dimensionNames = null;
/** Page timings for whoever measures the console (the browser tests print them). */
window.consoleTimings = [];

/* ---------- DOM and FHIR helpers ---------- */

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.substring(2), value);
    else element.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function table(caption, headers, rows) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("caption", { class: caption.hidden ? "visually-hidden" : null }, caption.text || caption),
      h("thead", {}, h("tr", {}, headers.map(text => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows.map(cells => h("tr", {}, cells.map(cell => h("td", {}, cell)))))));
}

function value(component) {
  if (!component) return undefined;
  const key = Object.keys(component).find(k => k.startsWith("value"));
  return key ? component[key] : component.resource;
}

function param(parameters, name) {
  return (parameters.parameter || []).find(p => p.name === name);
}

function params(parameters, name) {
  return (parameters.parameter || []).filter(p => p.name === name);
}

function part(component, name) {
  return value((component.part || []).find(p => p.name === name));
}

function parts(component, name) {
  return (component.part || []).filter(p => p.name === name).map(value);
}

function coding(c) {
  if (!c) return "";
  return c.display ? `${c.display} (${c.code})` : c.code;
}

function hours(quantity) {
  return quantity && quantity.value !== undefined ? `${quantity.value} h` : "";
}

function patientName(patient) {
  if (!patient || !patient.name || !patient.name.length) return "(name not disclosed)";
  const name = patient.name.find(n => n.use === "official") || patient.name[0];
  return [name.family, (name.given || []).join(" ")].filter(Boolean).join(", ");
}

/** Minimum necessary identity: name and birth date, and the record it comes from. */
function identity(patient, reference) {
  return h("p", { class: "identity", id: "identity" },
    "Patient: ", h("b", {}, patientName(patient)),
    patient && patient.birthDate ? `, born ${patient.birthDate}` : "",
    " (", resourceLink(reference), ")");
}

function resourceLink(reference) {
  return h("a", { href: `#/resource/${reference}` }, reference);
}

/** Shows the redisclosure notice the server attached to a disclosure, word for word. */
function noticeFrom(resource) {
  const extension = ((resource && resource.meta && resource.meta.extension) || []).find(e => e.url === NOTICE_EXTENSION);
  if (extension) {
    const aside = document.getElementById("notice");
    aside.textContent = "";
    aside.append(h("b", {}, "Redisclosure notice. "), extension.valueString);
    aside.hidden = false;
  }
  return resource;
}

async function api(url, options) {
  const resource = await client.request({ url, ...(options || {}), headers: { Accept: "application/fhir+json",
    ...((options && options.headers) || {}) } });
  return noticeFrom(resource);
}

function post(url, parameters) {
  return api(url, { method: "POST", body: JSON.stringify(parameters),
    headers: { "Content-Type": "application/fhir+json" } });
}

/** The server's own words for a refusal: the OperationOutcome's diagnostics, else the HTTP status. */
async function problem(error) {
  if (error && error.response && !error.response.bodyUsed) {
    try {
      const body = await error.response.json();
      if (body.resourceType === "OperationOutcome") {
        return `${error.status}: ${(body.issue || []).map(i => i.diagnostics || i.details?.text || i.code).join("; ")}`;
      }
    } catch (ignored) { /* not JSON */ }
  }
  return error && error.status ? `${error.status} ${error.statusText || ""}` : String(error && error.message || error);
}

/** The dimensions' names from the server's asam-dimension CodeSystem (code only if it cannot be read). */
function dimensionName(code) {
  return dimensionNames && dimensionNames.get(code.code) ? `${dimensionNames.get(code.code)} (${code.code})` : code.code;
}

async function loadDimensionNames() {
  if (!dimensionNames) {
    const found = await api(`CodeSystem?url=${encodeURIComponent(ASAM_DIMENSIONS)}`).catch(() => ({}));
    dimensionNames = new Map((((found.entry || [])[0] || {}).resource?.concept || []).map(c => [c.code, c.display]));
  }
  return dimensionNames;
}

/* ---------- connecting: open server or SMART standalone launch ---------- */

async function connect() {
  const response = await fetch(`${FHIR_BASE}/.well-known/smart-configuration`, { headers: { Accept: "application/json" } });
  const discovery = response.ok ? await response.json() : {};
  const session = document.getElementById("session");
  if (!discovery.authorization_endpoint) {
    session.textContent = "Open server: no sign-in needed.";
    return FHIR.client(FHIR_BASE);
  }
  const query = new URLSearchParams(location.search);
  if (query.has("code") || query.has("error") || sessionStorage.getItem("SMART_KEY")) {
    try {
      const authorized = await FHIR.oauth2.ready();
      session.textContent = "Signed in with SMART on FHIR.";
      session.append(h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"));
      return authorized;
    } catch (error) {
      sessionStorage.removeItem("SMART_KEY");
      if (query.has("code") || query.has("error")) throw error;
    }
  }
  session.textContent = "Not signed in.";
  return null;
}

function signIn() {
  return FHIR.oauth2.authorize({ iss: FHIR_BASE, clientId: CLIENT_ID, scope: SCOPE,
    redirectUri: new URL("./", document.baseURI).href, pkceMode: "required" });
}

function signOut() {
  sessionStorage.clear();
  location.assign(new URL("./", document.baseURI).href);
}

function signInView() {
  return [h("h2", {}, "Sign in"),
    h("p", {}, "This server needs a SMART on FHIR sign-in. You will be sent to its authorization server and back."),
    h("button", { type: "button", id: "sign-in", onclick: signIn }, "Sign in with SMART on FHIR")];
}

/* ---------- routing ---------- */

function route() {
  const hash = location.hash.replace(/^#\/?/, "") || "review";
  const [path, queryString] = hash.split("?");
  return { segments: path.split("/").filter(Boolean), query: new URLSearchParams(queryString || "") };
}

/* Each render is numbered; only the latest one may fill the view, so a slow view cannot overwrite a later one. */
let renders = 0;

async function render() {
  const started = performance.now();
  const ticket = ++renders;
  const hash = location.hash;
  const { segments, query } = route();
  const main = document.getElementById("main");
  const view = document.getElementById("view");
  const status = document.getElementById("status");
  charts.forEach(c => c.destroy());
  charts = [];
  main.dataset.state = "loading";
  status.textContent = "Loading…";
  document.querySelectorAll("nav a").forEach(a => {
    if (a.dataset.view === (segments[0] || "review")) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  let content;
  let state = "ready";
  try {
    if (!client) content = signInView();
    else if (segments[0] === "review" && segments[1]) content = await reviewView(segments[1], query);
    else if (segments[0] === "census") content = await censusView(query);
    else if (segments[0] === "placement") content = await placementView(query);
    else if (segments[0] === "resource" && segments.length === 3) content = await resourceView(segments[1], segments[2]);
    else content = await episodesView();
  } catch (error) {
    content = [h("h2", {}, "Could not load this view"), h("p", { class: "error", id: "error" }, await problem(error))];
    state = "error";
  }
  if (ticket !== renders) return;
  view.replaceChildren(...[content].flat());
  drawCharts(view);
  status.textContent = "";
  // the route this view shows, then its state: a test waiting for a view compares the route with location.hash
  main.dataset.route = hash;
  main.dataset.state = state;
  window.consoleTimings.push({ view: segments[0] || "review", ms: Math.round(performance.now() - started) });
}

/* ---------- payer reviewer: the episodes it may review ---------- */

async function episodesView() {
  const bundle = await api("EpisodeOfCare?_include=EpisodeOfCare:patient&_count=100&_sort=-date");
  const entries = (bundle.entry || []).map(e => e.resource);
  const patients = new Map(entries.filter(r => r.resourceType === "Patient").map(p => [`Patient/${p.id}`, p]));
  const episodes = entries.filter(r => r.resourceType === "EpisodeOfCare");
  document.title = "Episodes to review - IOP review console";
  if (!episodes.length) {
    return [h("h2", {}, "Episodes to review"),
      h("p", { id: "no-episodes" }, "There are no episodes you may review. The server shows a payer only the episodes "
        + "whose patients consented to disclosure to it.")];
  }
  return [h("h2", {}, "Episodes to review"),
    table({ text: "Episodes you may review" }, ["Patient", "Born", "Episode", "Period", "Status", "Level of care"],
      episodes.map(e => [patientName(patients.get(e.patient && e.patient.reference)),
        (patients.get(e.patient && e.patient.reference) || {}).birthDate || "",
        h("a", { href: `#/review/${e.id}`, class: "episode-link" }, `Review ${e.id}`),
        `${e.period?.start || ""} to ${e.period?.end || "ongoing"}`, e.status,
        coding(((e.extension || []).find(x => x.url === LEVEL_EXTENSION) || {}).valueCoding)]))];
}

/* ---------- payer reviewer: one episode ---------- */

async function reviewView(id, query) {
  const episode = await api(`EpisodeOfCare/${encodeURIComponent(id)}`);
  const patientReference = episode.patient.reference;
  const necessityQuery = new URLSearchParams();
  if (query.get("asOf")) necessityQuery.set("asOf", query.get("asOf"));
  if (query.get("policy")) necessityQuery.set("policy", query.get("policy"));
  const attendanceQuery = new URLSearchParams();
  if (query.get("asOf")) attendanceQuery.set("end", query.get("asOf"));
  const [patient, , necessity, attendance, level] = await Promise.all([
    api(patientReference).catch(() => null), loadDimensionNames(),
    api(`EpisodeOfCare/${id}/$medical-necessity?${necessityQuery}`),
    api(`EpisodeOfCare/${id}/$attendance?${attendanceQuery}`),
    post(`${patientReference}/$level-of-care`, { resourceType: "Parameters" }).catch(async e => ({ error: await problem(e) }))]);
  const asOf = value(param(necessity, "asOf"));
  const policy = value(param(necessity, "policy"));
  document.title = `Review of ${id} - IOP review console`;
  const form = h("form", { class: "controls", id: "review-controls", onsubmit: event => {
      event.preventDefault();
      const data = new FormData(event.target);
      const next = new URLSearchParams();
      ["asOf", "policy"].forEach(k => { if (data.get(k)) next.set(k, data.get(k)); });
      location.hash = `#/review/${id}?${next}`;
    } },
    h("div", {}, h("label", { for: "asOf" }, "Review as of"), h("input", { type: "date", id: "asOf", name: "asOf", value: asOf })),
    h("div", {}, h("label", { for: "policy" }, "Payer policy"),
      h("input", { type: "text", id: "policy", name: "policy", value: policy, autocomplete: "off",
        "aria-describedby": "policy-help" }),
      h("small", { id: "policy-help", class: "visually-hidden" }, "A policy id configured on the server, e.g. medicare-2024")),
    h("button", { type: "submit" }, "Apply"),
    h("button", { type: "button", class: "secondary", id: "print", onclick: () => window.print() }, "Print packet"));
  return [h("h2", {}, `Episode ${id}: review packet`), identity(patient, patientReference),
    h("p", {}, `Episode ${episode.period?.start || ""} to ${episode.period?.end || "ongoing"} (${episode.status}).`),
    form,
    verdictSection(necessity),
    levelSection(level, ((episode.extension || []).find(x => x.url === LEVEL_EXTENSION) || {}).valueCoding),
    attendanceSection(attendance),
    checklistSection(necessity),
    paymentSection(necessity)];
}

function verdictSection(necessity) {
  const status = name => { const v = value(param(necessity, name)); return h("span", { class: `status-${v}` }, v); };
  const payer = value(param(necessity, "payer"));
  return h("section", { id: "verdict", "aria-labelledby": "verdict-title" },
    h("h3", { id: "verdict-title" }, "Medical necessity"),
    h("p", {}, "Clinical necessity: ", status("outcome"), "; documentation: ", status("documentation"),
      "; program quality: ", status("quality"), "."),
    h("p", {}, `Policy ${value(param(necessity, "policy"))}, reviewed as of ${value(param(necessity, "asOf"))}`,
      payer ? [", payer ", resourceLink(payer.reference)] : "", "."));
}

function levelSection(level, placed) {
  const section = h("section", { id: "level", "aria-labelledby": "level-title" },
    h("h3", { id: "level-title" }, "Level-of-care determination"));
  if (level.error) {
    section.append(h("p", { class: "error" }, level.error));
    return section;
  }
  section.append(...levelDetails(level, placed));
  return section;
}

function levelDetails(level, placed) {
  const recommended = value(param(level, "level"));
  const actual = value(param(level, "actualLevel")) || placed;
  const details = [h("p", { class: "recommended" }, "Recommended: ", h("b", {}, coding(recommended)),
    value(param(level, "conditional")) ? " (conditional)" : "",
    `; instrument ${value(param(level, "instrument")) || ""}`,
    value(param(level, "edition")) ? `, edition ${value(param(level, "edition"))}` : "",
    `; ${value(param(level, "ageGroup")) || ""}`,
    param(level, "weeklyHours") ? `; ${hours(value(param(level, "weeklyHours")).low)} to under ${hours(value(param(level, "weeklyHours")).high) || "no limit"} a week` : "",
    value(param(level, "imminentDanger")) ? "; imminent danger found" : "; no imminent danger", ".")];
  if (actual) {
    const differs = recommended && actual.code !== recommended.code;
    const reason = value(param(level, "varianceReason"));
    details.push(h("p", { class: "variance" }, "Placed at: ", h("b", {}, coding(actual)), ". Variance: ",
      h("span", { class: differs ? "warn" : "good" }, differs ? "the placement differs from the recommendation" : "none"),
      reason ? ` (${coding(reason.coding && reason.coding[0]) || reason.text})` : "", "."));
  }
  details.push(table({ text: "Per-dimension ratings and rationale" }, ["Dimension", "Rating", "Minimum level", "Rationale"],
    params(level, "dimension").map(d => [dimensionName(part(d, "code")), part(d, "rating"), coding(part(d, "minimumLevel")),
      part(d, "rationale") || ""])));
  const composite = param(level, "composite");
  if (composite) details.push(h("p", {}, `Composite score ${part(composite, "score")}: ${part(composite, "rationale") || ""}`));
  const issues = value(param(level, "issue"));
  if (issues && issues.issue) {
    details.push(h("ul", { class: "issues" }, issues.issue.map(i => h("li", {}, `${i.severity}: ${i.diagnostics || ""}`))));
  }
  details.push(h("p", {}, `Rule set ${value(param(level, "ruleSet")) || ""}.`));
  return details;
}

function attendanceSection(attendance) {
  const int = name => value(param(attendance, name));
  const noShows = int("noShows") || 0;
  const withoutOutreach = params(attendance, "noShowWithoutOutreach").map(value);
  const rate = int("attendanceRate");
  const weeks = params(attendance, "week");
  const threshold = value(param(attendance, "threshold"));
  return h("section", { id: "attendance", "aria-labelledby": "attendance-title" },
    h("h3", { id: "attendance-title" }, "Attendance"),
    h("p", {}, `${int("start")} to ${int("end")}, ${int("ageGroup")} threshold ${hours(threshold)} a week.`),
    h("ul", { class: "facts" },
      h("li", {}, h("b", { id: "sessions-attended" }, `${int("sessionsAttended")} of ${int("sessionsDue")}`), "sessions attended"),
      h("li", {}, h("b", {}, rate === undefined ? "n/a" : `${Math.round(rate * 1000) / 10}%`), "attendance rate"),
      h("li", {}, h("b", {}, int("sessionsCancelled")), "cancelled in advance"),
      h("li", {}, h("b", { id: "no-shows" }, noShows), "no-shows"),
      h("li", {}, h("b", {}, noShows - withoutOutreach.length), "no-shows followed by outreach"),
      h("li", {}, h("b", { id: "weeks-below" }, int("weeksBelowThreshold")), "weeks below the threshold"),
      h("li", {}, h("b", {}, hours(int("totalHours"))), "attended in total")),
    h("div", { class: "chart" }, h("canvas", { id: "attendance-chart", "data-chart": JSON.stringify({
      labels: weeks.map(w => `Week ${weeks.indexOf(w) + 1} (${part(w, "start")})`),
      hours: weeks.map(w => part(w, "hours").value),
      threshold: weeks.map(w => part(w, "threshold").value),
      status: weeks.map(w => part(w, "status")) }),
      role: "img", "aria-label": `Bar chart of hours attended in each of ${weeks.length} 7-day windows against the `
        + `${hours(threshold)} threshold; the table below lists the same numbers.` })),
    table({ text: "Hours per 7-day window" }, ["Window", "From", "To", "Hours", "Scheduled", "Threshold", "Status"],
      weeks.map((w, i) => [i + 1, part(w, "start"), part(w, "end"), hours(part(w, "hours")), hours(part(w, "scheduledHours")),
        hours(part(w, "threshold")), h("span", { class: part(w, "status") === "below" ? "bad" : null }, part(w, "status"))])),
    withoutOutreach.length
      ? h("div", {}, h("p", {}, "No-shows without documented outreach:"),
        h("ul", { id: "no-outreach" }, withoutOutreach.map(r => h("li", {}, resourceLink(r.reference)))))
      : h("p", {}, "Every no-show was followed by outreach."));
}

const STATUS_COLOURS = { meets: "#1b5e20", below: "#b71c1c", "partial-hospital": "#6a1b9a", incomplete: "#616161" };

function drawCharts(view) {
  view.querySelectorAll("[data-chart]").forEach(canvas => {
    const data = JSON.parse(canvas.dataset.chart);
    charts.push(new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "Hours attended", data: data.hours,
            backgroundColor: data.status.map(s => STATUS_COLOURS[s] || "#616161"), order: 2 },
          { type: "line", label: "Weekly threshold", data: data.threshold, borderColor: "#0d2c4f",
            borderDash: [6, 4], pointRadius: 0, stepped: "middle", order: 1 }]
      },
      options: {
        animation: false, maintainAspectRatio: false, responsive: true,
        scales: {
          y: { beginAtZero: true, title: { display: true, text: "Hours per 7-day window", color: "#1a1a1a" },
               ticks: { color: "#1a1a1a" } },
          x: { title: { display: true, text: "7-day window from admission", color: "#1a1a1a" },
               ticks: { color: "#1a1a1a", autoSkip: true, maxRotation: 45 } }
        },
        plugins: { legend: { labels: { color: "#1a1a1a" } } }
      }
    }));
  });
}

function checklistSection(necessity) {
  return h("section", { id: "checklist", "aria-labelledby": "checklist-title" },
    h("h3", { id: "checklist-title" }, "Checklist"),
    table({ text: "Each criterion with its evidence" }, ["Criterion", "Kind", "Status", "Finding", "Evidence", "Source"],
      params(necessity, "criterion").map(c => {
        const evidence = parts(c, "evidence");
        return [h("span", { class: "criterion-id" }, part(c, "id")), part(c, "kind"),
          h("span", { class: `status-${part(c, "status")}` }, part(c, "status")), part(c, "detail"),
          evidence.length ? h("ul", { class: "evidence" }, evidence.map(r => h("li", {}, resourceLink(r.reference)))) : "none",
          part(c, "source") || ""];
      })));
}

function paymentSection(necessity) {
  const payment = param(necessity, "payment");
  if (!payment) return null;
  return h("section", { id: "payment", "aria-labelledby": "payment-title" },
    h("h3", { id: "payment-title" }, "Payment facts (not part of the verdict)"),
    h("p", {}, `Model ${part(payment, "model")}; `,
      (payment.part || []).filter(p => p.name === "line").map(l => `${part(l, "code")} for ${part(l, "days")} days`).join(", "),
      "."));
}

/* ---------- evidence: one resource ---------- */

async function resourceView(type, id) {
  const resource = await api(`${encodeURIComponent(type)}/${encodeURIComponent(id)}`);
  document.title = `${type}/${id} - IOP review console`;
  return [h("h2", {}, `${type}/${id}`),
    h("p", { class: "no-print" }, h("button", { type: "button", class: "secondary", onclick: () => history.back() }, "Back")),
    resource.text && resource.text.div ? h("p", { class: "summary" }, new DOMParser()
      .parseFromString(resource.text.div, "text/html").body.textContent) : "",
    h("pre", { class: "resource", tabindex: "0" }, JSON.stringify(resource, null, 2))];
}

/* ---------- program staff: census ---------- */

async function censusView(query) {
  const scope = query.get("episodes") === "all" ? "all" : "active";
  const bundle = await api(`EpisodeOfCare?${scope === "active" ? "status=active&" : ""}_include=EpisodeOfCare:patient&_count=100&_sort=-date`);
  const entries = (bundle.entry || []).map(e => e.resource);
  const patients = new Map(entries.filter(r => r.resourceType === "Patient").map(p => [`Patient/${p.id}`, p]));
  const episodes = entries.filter(r => r.resourceType === "EpisodeOfCare");
  const rows = await Promise.all(episodes.map(async e => {
    const [attendance, necessity] = await Promise.all([
      api(`EpisodeOfCare/${e.id}/$attendance`).catch(async err => ({ error: await problem(err) })),
      api(`EpisodeOfCare/${e.id}/$medical-necessity`).catch(async err => ({ error: await problem(err) }))]);
    return [e, attention(attendance, necessity)];
  }));
  document.title = "Program census - IOP review console";
  const form = h("form", { class: "controls", onsubmit: event => {
      event.preventDefault();
      location.hash = `#/census?episodes=${new FormData(event.target).get("episodes")}`;
    } },
    h("div", {}, h("label", { for: "episodes" }, "Episodes"),
      h("select", { id: "episodes", name: "episodes" },
        h("option", { value: "active", selected: scope === "active" }, "Active episodes"),
        h("option", { value: "all", selected: scope === "all" }, "All episodes, including ended"))),
    h("button", { type: "submit" }, "Show"));
  return [h("h2", {}, "Program census"), form,
    episodes.length
      ? table({ text: "Episodes and what needs attention" }, ["Patient", "Episode", "Period", "Status", "Needs attention"],
        rows.map(([e, items]) => [patientName(patients.get(e.patient && e.patient.reference)),
          h("a", { href: `#/review/${e.id}` }, e.id), `${e.period?.start || ""} to ${e.period?.end || "ongoing"}`, e.status,
          items.length ? h("ul", { class: "attention", "data-episode": e.id }, items.map(i => h("li", {}, i)))
            : h("span", { class: "good", "data-episode": e.id }, "nothing")]))
      : h("p", { id: "no-episodes" }, scope === "active" ? "No active episodes." : "No episodes.")];
}

/** What needs attention, read off the operations' answers (the rules stay on the server). */
function attention(attendance, necessity) {
  const items = [];
  if (attendance.error) items.push(`Attendance: ${attendance.error}`);
  else {
    const below = value(param(attendance, "weeksBelowThreshold"));
    if (below) items.push(`${below} week(s) below the attendance threshold`);
    const missed = params(attendance, "noShowWithoutOutreach").map(value);
    if (missed.length) items.push(h("span", {}, `${missed.length} no-show(s) without outreach: `,
      missed.map((r, i) => [i ? ", " : "", resourceLink(r.reference)])));
  }
  if (necessity.error) items.push(`Medical necessity: ${necessity.error}`);
  else {
    params(necessity, "criterion").filter(c => ["not-met", "insufficient-data"].includes(part(c, "status")))
      .forEach(c => items.push(h("span", {}, h("b", { class: `status-${part(c, "status")}` }, part(c, "id")),
        ` (${part(c, "status")}): ${part(c, "detail")}`)));
  }
  return items;
}

/* ---------- program staff: placement calculator ---------- */

async function placementView(query) {
  const [intakes, dimensions, ratings] = await Promise.all([
    api("QuestionnaireResponse?status=completed&_count=100&_sort=-authored&_elements=subject,authored"),
    loadDimensionNames(),
    api(`CodeSystem?url=${encodeURIComponent(ASAM_RATINGS)}`)]);
  const edition = query.get("edition") === "4" ? "4" : "3";
  const dimensionConcepts = [...dimensions].map(([code, display]) => ({ code, display }))
    .filter(c => c.code.startsWith(`e${edition}-`));
  const ratingConcepts = (ratings.entry || [])[0]?.resource.concept || [];
  const result = h("div", { id: "placement-result", "aria-live": "polite" });
  const show = async (call) => {
    result.replaceChildren(h("p", {}, "Calculating…"));
    try {
      const level = await call();
      result.replaceChildren(h("h3", {}, "Result"), ...levelDetails(level, null));
    } catch (error) {
      result.replaceChildren(h("p", { class: "error" }, await problem(error)));
    }
  };
  document.title = "Placement calculator - IOP review console";
  const pick = h("form", { class: "controls", id: "pick-intake", onsubmit: event => {
      event.preventDefault();
      const id = new FormData(event.target).get("intake");
      show(() => post(`QuestionnaireResponse/${id}/$level-of-care`, { resourceType: "Parameters" }));
    } },
    h("div", {}, h("label", { for: "intake" }, "Stored intake"),
      h("select", { id: "intake", name: "intake", required: true },
        (intakes.entry || []).map(e => h("option", { value: e.resource.id },
          `${e.resource.id} (${e.resource.subject?.reference || ""}, ${(e.resource.authored || "").substring(0, 10)})`)))),
    h("button", { type: "submit" }, "Place from this intake"));
  const inline = h("form", { id: "inline-ratings", onsubmit: event => {
      event.preventDefault();
      const data = new FormData(event.target);
      const body = { resourceType: "Parameters", parameter: [
        { name: "edition", valueCode: edition }, { name: "ageGroup", valueCode: data.get("ageGroup") },
        ...dimensionConcepts.map(c => ({ name: "rating", part: [
          { name: "dimension", valueCoding: { system: ASAM_DIMENSIONS, code: c.code } },
          { name: "value", valueInteger: Number(data.get(c.code)) }] }))] };
      show(() => post("$level-of-care", body));
    } },
    h("fieldset", {}, h("legend", {}, `Ratings entered here (ASAM Criteria, edition ${edition})`),
      h("p", {}, "Edition: ", h("a", { href: "#/placement?edition=3", "aria-current": edition === "3" ? "true" : null }, "3rd"),
        " | ", h("a", { href: "#/placement?edition=4", "aria-current": edition === "4" ? "true" : null }, "4th")),
      h("div", { class: "ratings" },
        h("div", {}, h("label", { for: "ageGroup" }, "Age group"),
          h("select", { id: "ageGroup", name: "ageGroup" }, h("option", { value: "adult" }, "Adult"),
            h("option", { value: "adolescent" }, "Adolescent"))),
        dimensionConcepts.map(c => h("div", {}, h("label", { for: c.code }, c.display || c.code),
          h("select", { id: c.code, name: c.code }, ratingConcepts.map(r => h("option", { value: r.code }, `${r.code} ${r.display}`)))))),
      h("button", { type: "submit" }, "Calculate level")));
  return [h("h2", {}, "Placement calculator"),
    h("p", {}, "Pick a stored intake, or enter the six dimension ratings; the server's $level-of-care rules decide the level."),
    pick, inline, result];
}

/* ---------- start ---------- */

window.addEventListener("hashchange", render);
/* The skip link moves focus to the view; followed as a link it would set the hash the console routes by. */
document.querySelector("a.skip").addEventListener("click", event => {
  event.preventDefault();
  document.getElementById("main").focus();
});
connect().then(connected => { client = connected; return render(); }).catch(async error => {
  document.getElementById("view").replaceChildren(h("p", { class: "error", id: "error" }, await problem(error)));
  document.getElementById("status").textContent = "";
  document.getElementById("main").dataset.route = location.hash;
  document.getElementById("main").dataset.state = "error";
});
