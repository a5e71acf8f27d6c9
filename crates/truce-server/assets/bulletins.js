// The bulletins page's form: publish the bulletin of a day (or the week
// ending on it) through the JSON API, with the session's CSRF token as the
// other pages send it, then open the published bulletin. Every word it
// shows comes from the page (the message catalogue), by data attributes.
"use strict";

async function publishBulletin(form, event) {
  event.preventDefault();
  const error = document.getElementById("publish-error");
  error.textContent = "";
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const body = JSON.stringify({ date: form.elements.date.value, weekly: form.elements.weekly.checked });
    const response = await fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
      body,
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      error.textContent = form.dataset.failed.replace("{reason}", answer.detail || response.status);
      return;
    }
    window.location.assign(`/bulletins/${answer.index}?lang=${encodeURIComponent(form.dataset.lang)}`);
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("publish-bulletin");
  if (form) form.addEventListener("submit", (event) => publishBulletin(form, event));
});
