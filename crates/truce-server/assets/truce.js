// truce's pages: the map, sign-in and sign-out. No framework, no build:
// plain DOM over the JSON API. Everything the pages say is in their HTML
// (from the message catalogue); this script only reads data attributes.
"use strict";

const STATUS_COLOURS = {
  final: "#111111", reported: "#9e9e9e", under_review: "#f9a825", investigating: "#f9a825",
  awaiting_reply: "#ef6c00", determined: "#6a1b9a", redetermined: "#6a1b9a", appealed: "#c62828",
};
const PARTY_COLOURS = ["#1b7837", "#2166ac", "#b2182b", "#762a83", "#e08214", "#4d4d4d"];

function csrfToken() {
  return sessionStorage.getItem("truce.csrf") || "";
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
});
