// The whole mechanism through its pages, as its users would work it: a
// party files an allegation from a phone (the draft survives a reload and
// a lost connection, and is sent by itself once back online); monitors add
// their own report and a media report of the same event; the accused
// party finds the request in its inbox, its deadline counting down, and
// replies without learning who reported it; a monitor files findings; the
// first mediator's determination is refused at the form, then issued and
// approved; the second mediator approves it from its queue; it becomes
// final, the ladder's penalty appears, both mediators approve it and it
// takes effect; the day's bulletin then shows it. No console error and no failed request but the deliberate
// ones (the offline send, the refused determination).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { demoAndBrowser, signInAs, ARTEFACTS } from "./harness.mjs";

const context = demoAndBrowser();
const signIn = (page, name) => signInAs(context, page, name);
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, timezoneId: "UTC" };
// Kurram, on the Pakistani side of the border, an hour ago (whole minutes, UTC).
const PLACE = { latitude: 33.85, longitude: 70.05 };
const WHEN = new Date(Math.floor((Date.now() - 3600_000) / 60_000) * 60_000);

/** The problems of the pages so far, less those the test caused on purpose. */
function problemsBesides(...expected) {
  return context.browser.problems.filter((p) => !expected.some((e) => p.includes(e)));
}

async function submitStep(page, formId) {
  // The word of the last step is put away first, so the wait below is for this step's.
  await page.evaluate(() => { document.getElementById("flash").hidden = true; });
  await page.locator(`#${formId} button[type=submit]`).click();
  await page.locator("#flash:not([hidden])").waitFor();
  return page.locator("#flash").textContent();
}

/** Files a report as `user` through the API with its token. */
async function fileByApi(user, body) {
  const response = await fetch(`${context.demo.base}/api/v1/reports`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${context.demo.users[user].token}` },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return response.json();
}

let incident;

test("a party files an allegation from a phone, through a reload and a lost connection", async () => {
  const page = await context.browser.newPage(PHONE);
  await signIn(page, "pakistan-liaison");
  await page.getByRole("link", { name: "File a report" }).click();
  await page.getByLabel("Act", { exact: true }).selectOption("ACT-SHELLING");
  await page.getByLabel("Party responsible, as you allege it").selectOption("AFG");
  await page.getByLabel("Who acted").fill("Afghan artillery");
  await page.getByLabel("Account").fill("Shells fired from across the border fell on the village market at Kurram.");
  await page.getByLabel("Date and time").fill(WHEN.toISOString().slice(0, 16));
  await page.getByLabel("Latitude").fill(String(PLACE.latitude));
  await page.getByLabel("Longitude").fill(String(PLACE.longitude));
  await page.getByLabel("Name of the place").fill("Kurram");
  await page.getByLabel("Who died").selectOption("civilians");
  await page.getByLabel("Best estimate").fill("4");
  // The draft is on the device: a reload brings it back.
  await page.reload();
  await page.locator("#draft-note:not([hidden])").waitFor();
  assert.equal(await page.getByLabel("Account").inputValue(), "Shells fired from across the border fell on the village market at Kurram.");
  assert.equal(await page.getByLabel("Best estimate").inputValue(), "4");
  // Without a connection the report is kept, not lost.
  await page.context().setOffline(true);
  await page.getByRole("button", { name: "Send the report" }).click();
  await page.locator("#report-status", { hasText: "No connection" }).waitFor();
  await page.screenshot({ path: join(ARTEFACTS, "report-offline.png"), fullPage: true });
  const draft = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("truce.report")));
  assert.ok(draft.length >= 1, "the draft is kept on the device");
  // Back online, it is sent by itself.
  await page.context().setOffline(false);
  await page.locator("#report-status", { hasText: "Filed: incident" }).waitFor();
  incident = Number((await page.locator("#report-status").textContent()).match(/incident (\d+)/)[1]);
  assert.ok(incident > 0);
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("truce.report")));
  assert.deepEqual(left, [], "nothing is left on the device once acknowledged");
  await page.screenshot({ path: join(ARTEFACTS, "report-sent.png"), fullPage: true });
  assert.deepEqual(problemsBesides("ERR_INTERNET_DISCONNECTED"), []);
});

test("monitors add independent reports and ask the accused party to reply", async () => {
  const time = { start: WHEN.toISOString(), precision: "hour" };
  const location = { ...PLACE, precision: "exact" };
  for (const [external_id, source] of [
    ["MVM-E2E-1", { type: "monitor", name: "MVM field team 3", grading: "A1" }],
    ["dawn-e2e-kurram", { type: "media", name: "Dawn", grading: "B2" }],
  ]) {
    const answer = await fileByApi("mvm-monitor", {
      external_id, source, time, location, act: "ACT-SHELLING",
      actor1: { name: "Afghan artillery", party: "AFG" },
      narrative: "Shelling of Kurram market from across the border.",
      claims: [{ claimant: source.name, stance: "assert", category: "civilians", low: 3, best: 3, high: 3 }],
    });
    assert.equal(Object.values(answer.placement)[0], incident, `${external_id} joins the allegation's incident`);
  }
  const page = await context.browser.newPage();
  await signIn(page, "mvm-monitor");
  await page.goto(`${context.demo.base}/incidents/${incident}?lang=en`);
  assert.match(await submitStep(page, "step-review"), /Recorded in the log as entry \d+/);
  await page.locator("#reply-request-party").selectOption("AFG");
  assert.match(await submitStep(page, "step-reply-request"), /entry \d+/);
  assert.match(await page.locator("main > p strong").first().textContent(), /Awaiting reply/);
  assert.deepEqual(problemsBesides(), []);
});

test("the accused party finds it in its inbox, its deadline counting down, and replies", async () => {
  const page = await context.browser.newPage(PHONE);
  await signIn(page, "afghanistan-liaison");
  await page.getByRole("link", { name: "Inbox" }).click();
  const row = page.locator("table.inbox tr", { hasText: `Incident ${incident}` });
  await row.waitFor();
  const first = await row.locator("time.countdown").textContent();
  assert.match(first, /1 d 2\d h \d\d min \d\d s left|1 d 23 h/);
  await page.waitForTimeout(1100);
  assert.notEqual(await row.locator("time.countdown").textContent(), first, "the countdown runs");
  await page.screenshot({ path: join(ARTEFACTS, "inbox.png"), fullPage: true });
  await row.getByRole("link").click();
  const text = await page.locator("main").textContent();
  for (const name of ["Dawn", "MVM field team 3"]) assert.ok(!text.includes(name), `${name} is named to the accused`);
  await page.getByLabel("Your reply").fill("No Afghan unit fired on that day; the shells came from elsewhere.");
  assert.match(await submitStep(page, "step-reply"), /entry \d+/);
  assert.match(await page.locator("#replies + ul").textContent(), /AFG/);
  assert.deepEqual(problemsBesides(), []);
});

test("a monitor files findings", async () => {
  const page = await context.browser.newPage();
  await signIn(page, "mvm-monitor");
  await page.goto(`${context.demo.base}/incidents/${incident}?lang=en`);
  await page.getByLabel("What was found").fill("Craters and fragments of 122 mm shells; trajectory from the north-west.");
  await page.getByLabel("A monitor saw the act or its immediate aftermath").check();
  assert.match(await submitStep(page, "step-findings"), /entry \d+/);
  await page.screenshot({ path: join(ARTEFACTS, "incident-findings.png"), fullPage: true });
  assert.deepEqual(problemsBesides(), []);
});

test("both mediators approve a determination, and the ladder's penalty takes effect", async () => {
  const qatar = await context.browser.newPage();
  await signIn(qatar, "qatar-mediator");
  await qatar.goto(`${context.demo.base}/incidents/${incident}?lang=en`);
  await qatar.locator("#determination-verdict").selectOption("violation_confirmed");
  await qatar.locator("#determination-provisions").fill("ACT-SHELLING");
  await qatar.locator("#determination-severity").selectOption("grave");
  await qatar.locator("#determination-rationale").fill("Two independent sources and the monitors' own observation.");
  await qatar.locator("#deaths-low").fill("3");
  await qatar.locator("#deaths-best").fill("3");
  await qatar.locator("#deaths-high").fill("4");
  await qatar.locator("#deaths-civilians").fill("3");
  // A confirmed violation names the party responsible: the form says which field is wanting.
  await qatar.locator("#step-determination button[type=submit]").click();
  await qatar.locator("#step-determination .form-error", { hasText: "responsible_party" }).waitFor();
  assert.equal(await qatar.locator("#determination-party").getAttribute("aria-invalid"), "true");
  await qatar.locator("#determination-party").selectOption("AFG");
  assert.match(await submitStep(qatar, "step-determination"), /entry \d+/);
  assert.match(await submitStep(qatar, "step-approval"), /entry \d+/);
  assert.deepEqual(problemsBesides("HTTP 422", "status of 422"), []);

  const turkiye = await context.browser.newPage();
  await signIn(turkiye, "turkiye-mediator");
  await turkiye.getByRole("link", { name: "Approval queue" }).click();
  await submitStep(turkiye, `approve-${incident}`);
  await turkiye.goto(`${context.demo.base}/incidents/${incident}?lang=en`);
  if (await turkiye.locator("#step-finalization").count()) await submitStep(turkiye, "step-finalization");
  assert.match(await turkiye.locator("main > p strong").first().textContent(), /Final/);
  assert.match(await turkiye.locator("#determinations + ul").textContent(), /Violation confirmed AFG/);
  await turkiye.screenshot({ path: join(ARTEFACTS, "incident-final.png"), fullPage: true });

  // The penalty the ladder gives appears; both mediators approve it, and it is in effect.
  await turkiye.goto(`${context.demo.base}/penalties?lang=en`);
  const proposed = turkiye.locator("table.penalties tbody tr", { hasText: `Incident ${incident}` }).first();
  await proposed.waitFor();
  assert.match(await proposed.locator("td.state").textContent(), /Proposed/);
  const penaltyId = (await proposed.getAttribute("id")).replace("penalty-", "");
  await submitStep(turkiye, `approve-penalty-${penaltyId}`);
  await qatar.goto(`${context.demo.base}/queue?lang=en`);
  await submitStep(qatar, `approve-penalty-${penaltyId}`);
  await qatar.goto(`${context.demo.base}/penalties?lang=en`);
  assert.match(await qatar.locator(`#penalty-${penaltyId} td.state`).textContent(), /In effect/);
  await qatar.screenshot({ path: join(ARTEFACTS, "penalties.png"), fullPage: true });
  assert.deepEqual(problemsBesides(), []);
});

test("the day's bulletin shows the confirmed violation, the claim beside the verified deaths, and the penalty", async () => {
  const page = await context.browser.newPage();
  await signIn(page, "mvm-monitor");
  await page.goto(`${context.demo.base}/bulletins?lang=en`);
  await page.getByLabel("Day (or the week's last day), UTC").fill(new Date().toISOString().slice(0, 10));
  await page.getByRole("button", { name: "Publish" }).click();
  await page.waitForURL(/\/bulletins\/\d+\?lang=en$/);
  const violation = page.locator(`table.determinations tr[data-incident='${incident}']`);
  assert.match(await violation.textContent(), /Violation confirmed/);
  assert.match(await violation.textContent(), /Afghanistan/);
  const deaths = page.locator(`table.casualties tr[data-incident='${incident}']`);
  assert.match(await deaths.locator("td.estimate").textContent(), /3 \(3–4\)\s*verified/);
  assert.match(await deaths.locator(".claim[data-party='PAK']").textContent(), /PAK: 4/);
  assert.match(await page.locator("table.penalties").textContent(), /AFG/);
  assert.equal(await page.locator(`svg#bulletin-map circle.finding[data-incident='${incident}']`).count(), 1);
  assert.ok((await page.locator("figure.chart svg rect[data-party='AFG']").count()) >= 1, "the chart");
  const text = await page.locator("main").textContent();
  for (const name of ["Dawn", "MVM field team 3"]) assert.ok(!text.includes(name), `${name} is named in a public bulletin`);
  await page.screenshot({ path: join(ARTEFACTS, "bulletin-today.png"), fullPage: true });
  assert.deepEqual(problemsBesides(), []);
});

test("a captive portal's page is no acknowledgement: the report stays on the device until the mechanism has it", async () => {
  const page = await context.browser.newPage(PHONE);
  await signIn(page, "mvm-monitor");
  await page.goto(`${context.demo.base}/report?lang=en`);
  await page.getByLabel("Name of the source").fill("MVM field team 4");
  await page.getByLabel("Date and time").fill(WHEN.toISOString().slice(0, 16));
  await page.getByLabel("Latitude").fill("34.1");
  await page.getByLabel("Longitude").fill("71.1");
  await page.getByLabel("Account").fill("Small-arms fire heard near Torkham.");
  // A hotel's Wi-Fi answers every request with its own sign-in page.
  await page.route("**/api/v1/reports", (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<html><body>Welcome to the hotel Wi-Fi</body></html>" }));
  await page.getByRole("button", { name: "Send the report" }).click();
  await page.locator("#report-status", { hasText: "No connection" }).waitFor();
  const kept = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("truce.report-draft")));
  assert.equal(kept.length, 1, "the draft is still on the device");
  // With a real connection again, the page opened anew sends what waited.
  await page.unroute("**/api/v1/reports");
  await page.reload();
  await page.locator("#report-status", { hasText: "Filed: incident" }).waitFor();
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("truce.report")));
  assert.deepEqual(left, []);
  assert.deepEqual(problemsBesides(), []);
});
