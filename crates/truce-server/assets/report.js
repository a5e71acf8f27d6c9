// The report form (/report): the draft lives on the device until the
// server acknowledges it. Every change is saved in localStorage (per user;
// sealed fields never); a report that cannot be sent (no connection) stays
// there and is sent by itself when the device is back online. The
// report's external id is made here once, so a repeat files it once.
// Uses formBody and showProblem from truce.js.
"use strict";

function draftKey(form) {
  return `truce.report-draft.${form.dataset.user}`;
}

// Set while a report the user sent waits for a connection.
function queuedKey(form) {
  return `truce.report-queued.${form.dataset.user}`;
}

// Set while a queued report had a sealed field filled in: the draft never
// keeps its value, so after a reload it must be given again before sending.
function sealedKey(form) {
  return `truce.report-sealed.${form.dataset.user}`;
}

function queue(form) {
  localStorage.setItem(queuedKey(form), "1");
  say(form, form.dataset.queued);
}

function saveDraft(form) {
  const draft = {};
  for (const field of form.elements) {
    if (!field.name || field.dataset.sealed !== undefined) continue;
    draft[field.name] = field.type === "checkbox" ? field.checked : field.value;
  }
  localStorage.setItem(draftKey(form), JSON.stringify(draft));
}

function restoreDraft(form) {
  const text = localStorage.getItem(draftKey(form));
  if (!text) return false;
  let draft;
  try {
    draft = JSON.parse(text);
  } catch {
    return false;
  }
  for (const field of form.elements) {
    if (!field.name || !(field.name in draft) || field.type === "hidden" && field.name !== "external_id") continue;
    if (field.type === "checkbox") field.checked = Boolean(draft[field.name]);
    else field.value = draft[field.name];
  }
  return true;
}

function newExternalId(form) {
  form.elements.external_id.value = `web-${crypto.randomUUID()}`;
}

// The API's body: the form's fields, with the one claim made a list (or left out when no figure is given).
function reportBody(form) {
  const body = formBody(form);
  const claim = body.claim || {};
  delete body.claim;
  if (claim.best !== undefined) {
    const claimant = claim.claimant || body.source.name;
    body.claims = [{
      claimant, stance: "assert", category: claim.category,
      low: claim.low ?? claim.best, best: claim.best, high: claim.high ?? claim.best,
      ...(claim.claimant_party ? { claimant_party: claim.claimant_party } : {}),
    }];
  }
  if (body.actor1 && !body.actor1.party) delete body.actor1.party;
  if (body.actor1 && !body.actor1.name) {
    if (body.actor1.party) body.actor1.name = body.actor1.party;
    else delete body.actor1;
  }
  return body;
}

function say(form, text) {
  document.getElementById("report-status").textContent = text;
}

let sending = false;

// Statuses after which the same report is tried again later: the server
// (or something on the way) could not take it now; nothing was refused.
const TRY_AGAIN = new Set([408, 425, 429, 500, 502, 503, 504]);

async function sendReport(form) {
  if (sending) return;
  const error = form.querySelector(".form-error");
  error.textContent = "";
  saveDraft(form);
  let body;
  try {
    body = reportBody(form);
  } catch (problem) {
    error.textContent = form.dataset.failed.replace("{reason}", problem.message);
    return;
  }
  if (body.protected_source) localStorage.setItem(sealedKey(form), "1");
  if (!navigator.onLine) {
    queue(form);
    return;
  }
  sending = true;
  say(form, form.dataset.sending);
  let response;
  try {
    // No redirect is followed: a captive portal's page is not an acknowledgement.
    response = await fetch("/api/v1/reports", {
      method: "POST", credentials: "same-origin", redirect: "error",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
      body: JSON.stringify(body),
    });
  } catch {
    sending = false;
    queue(form);
    return;
  }
  sending = false;
  if (TRY_AGAIN.has(response.status)) {
    queue(form);
    return;
  }
  const answer = await response.json().catch(() => null);
  // Only the API's own answer about this very report acknowledges it; anything else keeps the draft.
  const acknowledged = response.ok && answer && typeof answer.recorded === "boolean" && answer.external_id === body.external_id;
  if (response.ok && !acknowledged) {
    queue(form);
    return;
  }
  localStorage.removeItem(queuedKey(form));
  if (!response.ok) {
    say(form, "");
    showProblem(form, answer || {}, response.status);
    return;
  }
  localStorage.removeItem(draftKey(form));
  localStorage.removeItem(sealedKey(form));
  const incident = answer.placement ? Object.values(answer.placement)[0] : "";
  const index = answer.receipt ? answer.receipt.log_index : "";
  const text = answer.recorded ? form.dataset.sent : form.dataset.repeat;
  form.reset();
  newExternalId(form);
  say(form, text.replace("{incident}", incident).replace("{index}", index));
  if (incident !== "") {
    const link = document.createElement("a");
    link.href = `/incidents/${incident}`;
    link.textContent = ` #${incident}`;
    document.getElementById("report-status").append(link);
  }
}

function locate(button) {
  const form = button.form;
  if (!navigator.geolocation) {
    say(form, button.dataset.failed);
    return;
  }
  say(form, button.dataset.locating);
  navigator.geolocation.getCurrentPosition((position) => {
    form.elements["location.latitude"].value = position.coords.latitude.toFixed(5);
    form.elements["location.longitude"].value = position.coords.longitude.toFixed(5);
    form.elements["location.precision"].value = position.coords.accuracy <= 1000 ? "exact" : "within25_km";
    saveDraft(form);
    say(form, "");
  }, () => say(form, button.dataset.failed), { enableHighAccuracy: true, timeout: 15000 });
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("report-form");
  if (!form) return;
  if (restoreDraft(form)) {
    const note = document.getElementById("draft-note");
    note.textContent = note.dataset.restored;
    note.hidden = false;
  }
  if (!form.elements.external_id.value) newExternalId(form);
  form.addEventListener("input", () => saveDraft(form));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendReport(form);
  });
  document.getElementById("report-locate").addEventListener("click", (event) => locate(event.currentTarget));
  // A report sent without a connection goes as soon as the device is back online.
  const sendQueued = () => {
    if (!localStorage.getItem(queuedKey(form)) || !navigator.onLine) return;
    const sealed = form.elements.protected_source;
    if (localStorage.getItem(sealedKey(form)) && sealed && !sealed.value) {
      say(form, form.dataset.sealedAgain);
      return;
    }
    sendReport(form);
  };
  window.addEventListener("online", sendQueued);
  if (localStorage.getItem(queuedKey(form))) say(form, form.dataset.queued);
  sendQueued();
});
