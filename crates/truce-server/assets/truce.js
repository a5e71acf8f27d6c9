// truce's pages: the map, sign-in and sign-out, the forms that post to the
// JSON API, and the reply deadlines' countdowns. No framework, no build:
// plain DOM over the JSON API. Everything the pages say is in their HTML
// (from the message catalogue); this script only reads data attributes.
"use strict";

const STATUS_COLOURS = {
  final: "#111111", reported: "#9e9e9e", under_review: "#f9a825", investigating: "#f9a825",
  awaiting_reply: "#ef6c00", determined: "#6a1b9a", redetermined: "#6a1b9a", appealed: "#c62828",
};
const PARTY_COLOURS = ["#1b7837", "#2166ac", "#b2182b", "#762a83", "#e08214", "#4d4d4d"];

// A session's pages carry its CSRF token; the sign-in answer's copy serves until the next page.
function csrfToken() {
  const meta = document.querySelector("meta[name=csrf-token]");
  return (meta && meta.content) || sessionStorage.getItem("truce.csrf") || "";
}

// Sets body[a][b][c] = value for the path ["a", "b", "c"].
function setPath(body, path, value) {
  let node = body;
  for (const key of path.slice(0, -1)) node = node[key] = node[key] || {};
  node[path[path.length - 1]] = value;
}

// A form's fields as the API's JSON body: each field's name is its path in
// the body ("deaths.best"); data-kind says how to read it: number, boolean
// (a checkbox), list (comma separated) or text; an empty optional field is left out.
function formBody(form) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.disabled) continue;
    let value = field.value;
    const kind = field.dataset.kind;
    if (kind === "boolean") value = field.checked;
    else if (value === "" && (kind === "number" || field.dataset.optional !== undefined)) continue;
    else if (kind === "number") value = Number(value);
    else if (kind === "list") value = value.split(",").map((item) => item.trim()).filter(Boolean);
    else if (kind === "datetime") value = new Date(value).toISOString();
    setPath(body, field.name.split("."), value);
  }
  return body;
}

// Marks the field a problem document names, and says the problem in the form.
function showProblem(form, answer, status) {
  for (const field of form.querySelectorAll("[aria-invalid=true]")) field.removeAttribute("aria-invalid");
  const named = answer.field && [...form.elements].find((f) => f.name === answer.field || f.name.startsWith(`${answer.field}.`));
  if (named) {
    named.setAttribute("aria-invalid", "true");
    named.focus();
  }
  const error = form.querySelector(".form-error");
  const reason = `${answer.field ? `${answer.field}: ` : ""}${answer.detail || status}`;
  error.textContent = form.dataset.failed.replace("{reason}", reason);
}

// POSTs the form's body as JSON with the session's CSRF token; on success
// the page is read again with a word of what was recorded (its log index).
async function postForm(form, event) {
  event.preventDefault();
  form.querySelector(".form-error").textContent = "";
  let response;
  try {
    response = await fetch(form.dataset.endpoint, {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
      body: JSON.stringify(formBody(form)),
    });
  } catch {
    form.querySelector(".form-error").textContent = form.dataset.offline;
    return;
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    showProblem(form, answer, response.status);
    return;
  }
  const index = answer.receipt ? answer.receipt.log_index : null;
  const done = index === null ? form.dataset.unchanged : form.dataset.done.replace("{index}", index);
  sessionStorage.setItem("truce.flash", done);
  window.location.reload();
}

// What the last form recorded, said once on the page that follows it.
function showFlash() {
  const text = sessionStorage.getItem("truce.flash");
  const flash = document.getElementById("flash");
  if (!text || !flash) return;
  sessionStorage.removeItem("truce.flash");
  flash.textContent = text;
  flash.hidden = false;
}

// Each <time data-countdown> says how long is left until its datetime, every second.
function startCountdowns() {
  const clocks = document.querySelectorAll("time[data-countdown]");
  if (clocks.length === 0) return;
  const tick = () => {
    for (const clock of clocks) {
      const left = Math.floor((Date.parse(clock.dateTime) - Date.now()) / 1000);
      if (left <= 0) {
        clock.textContent = clock.dataset.closed;
        clock.classList.add("closed");
        continue;
      }
      const [d, h, m, s] = [Math.floor(left / 86400), Math.floor(left / 3600) % 24, Math.floor(left / 60) % 60, left % 60];
      clock.textContent = clock.dataset.countdown
        .replace("{d}", d).replace("{h}", h).replace("{m}", String(m).padStart(2, "0")).replace("{s}", String(s).padStart(2, "0"));
    }
  };
  tick();
  setInterval(tick, 1000);
}

async function drawMap(element) {
  const map = L.map(element, { zoomSnap: 0.5, minZoom: 4, maxZoom: 14, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth");
  const countries = await (await fetch(element.dataset.countries)).json();
  const outline = L.geoJSON(countries, {
    style: { color: "#444", weight: 1.5, fillColor: "#f4f1ea", fillOpacity: 1 },
  }).addTo(map);
  map.fitBounds(outline.getBounds());
  const data = await (await fetch(element.dataset.points, { credentials: "same-origin" })).json();
  L.geoJSON(data.zones, {
    style: { color: "#b8860b", weight: 1, dashArray: "4 3", fillOpacity: 0.08 },
    onEachFeature: (feature, layer) => layer.bindTooltip(feature.properties.name),
  }).addTo(map);
  const cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
  const markers = data.points.map(([id, lat, lon, status, party, partyIndex]) => {
    const marker = L.circleMarker([lat, lon], {
      radius: 7, weight: 3,
      color: STATUS_COLOURS[status] || "#9e9e9e",
      fillColor: partyIndex === null ? "#ffffff" : PARTY_COLOURS[partyIndex % PARTY_COLOURS.length],
      fillOpacity: 0.9,
    });
    const who = party ? element.dataset.labelResponsible.replace("{party}", party) : element.dataset.labelNoParty;
    const title = element.dataset.labelIncident.replace("{id}", id);
    const popup = document.createElement("div");
    const heading = document.createElement("strong");
    heading.textContent = title;
    popup.append(heading, document.createElement("br"), who);
    marker.bindPopup(popup);
    return marker;
  });
  cluster.addLayers(markers);
  map.addLayer(cluster);
  element.dataset.ready = String(markers.length);
}

async function signIn(form, event) {
  event.preventDefault();
  const error = document.getElementById("sign-in-error");
  error.textContent = "";
  const body = JSON.stringify({ name: form.elements.name.value, password: form.elements.password.value });
  const response = await fetch(form.action, {
    method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" }, body,
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    error.textContent = form.dataset.failed.replace("{reason}", answer.detail || response.status);
    return;
  }
  sessionStorage.setItem("truce.csrf", answer.csrf_token || "");
  window.location.assign(form.dataset.next);
}

async function signOut() {
  await fetch("/api/v1/session", {
    method: "DELETE", credentials: "same-origin", headers: { "x-csrf-token": csrfToken() },
  });
  sessionStorage.removeItem("truce.csrf");
  // A shared phone keeps no one's unsent report after its user signs out.
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith("truce.report-")) localStorage.removeItem(key);
  }
  window.location.assign("/");
}

document.addEventListener("DOMContentLoaded", () => {
  const map = document.getElementById("map");
  if (map) {
    drawMap(map).catch((error) => { map.dataset.error = String(error); console.error(error); });
  }
  const form = document.getElementById("sign-in");
  if (form) form.addEventListener("submit", (event) => signIn(form, event));
  for (const button of document.querySelectorAll("[data-action=sign-out]")) {
    button.addEventListener("click", signOut);
  }
  for (const apiForm of document.querySelectorAll("form[data-endpoint]")) {
    apiForm.addEventListener("submit", (event) => postForm(apiForm, event));
  }
  showFlash();
  startCountdowns();
});
