// The public front page, as an observer, a journalist or a party's public
// sees it without signing in: the status per party, the map with the border
// and the incidents, the chart; in English and right to left in Arabic;
// usable from the keyboard; and no console errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { demoAndBrowser, ARTEFACTS } from "./harness.mjs";

const context = demoAndBrowser();

test("the front page shows the status, the map and the chart, without errors", async () => {
  const page = await context.browser.newPage();
  await page.goto(`${context.demo.base}/?lang=en`);
  assert.equal(await page.locator("h1").textContent(), "The ceasefire today");
  assert.equal(await page.locator("html").getAttribute("dir"), "ltr");
  assert.equal(await page.locator(".status-card").count(), 2, "a card for each party");
  await page.locator("#map[data-ready]").waitFor();
  // The two countries drawn from Natural Earth, the agreement's polygon zone, and the incidents.
  assert.ok((await page.locator("#map path.leaflet-interactive").count()) >= 3, "countries and zones");
  const points = Number(await page.locator("#map").getAttribute("data-ready"));
  assert.ok(points >= 1, "the published findings are on the map");
  assert.ok((await page.locator(".chart svg rect").count()) >= 1, "the chart has bars");
  assert.match(await page.locator("footer .checkpoint").textContent(), /entry \d+/);
  await page.screenshot({ path: join(ARTEFACTS, "front.png"), fullPage: true });
  assert.deepEqual(context.browser.problems, []);
});

test("the page reads right to left in Arabic and the choice is a link away", async () => {
  const page = await context.browser.newPage();
  await page.goto(`${context.demo.base}/?lang=en`);
  await page.locator("nav.languages a[lang=ar]").click();
  await page.waitForURL(/lang=ar/);
  assert.equal(await page.locator("html").getAttribute("dir"), "rtl");
  assert.equal(await page.locator("html").getAttribute("lang"), "ar");
  assert.equal(await page.locator("h1").textContent(), "وقف إطلاق النار اليوم");
  await page.locator("#map[data-ready]").waitFor();
  await page.screenshot({ path: join(ARTEFACTS, "front-ar.png"), fullPage: true });
  assert.deepEqual(context.browser.problems, []);
});

test("the keyboard reaches the content first, and every field has a label", async () => {
  const page = await context.browser.newPage();
  await page.goto(`${context.demo.base}/sign-in?lang=en`);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "name", "after the skip link, the form");
  for (const id of ["name", "password"]) {
    assert.equal(await page.locator(`label[for=${id}]`).count(), 1, `${id} has a label`);
  }
  assert.deepEqual(context.browser.problems, []);
});

test("a mediator signs in with the form and out again", async () => {
  const page = await context.browser.newPage();
  const mediator = context.demo.users["qatar-mediator"];
  await page.goto(`${context.demo.base}/sign-in?lang=en`);
  await page.getByLabel("User name").fill(mediator.name);
  await page.getByLabel("Password").fill(mediator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".who").waitFor();
  assert.match(await page.locator(".who").textContent(), /qatar-mediator/);
  await page.screenshot({ path: join(ARTEFACTS, "signed-in.png"), fullPage: true });
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.locator("a[href^='/sign-in']").waitFor();
  assert.deepEqual(context.browser.problems, []);
});

test("a wrong password is refused on the page, not with an error page", async () => {
  const page = await context.browser.newPage();
  await page.goto(`${context.demo.base}/sign-in?lang=en`);
  await page.getByLabel("User name").fill("qatar-mediator");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#sign-in-error:not(:empty)").waitFor();
  assert.match(await page.locator("#sign-in-error").textContent(), /Sign-in failed/);
  // The refusal itself is a 401 the page expects; nothing else may have failed.
  const unexpected = context.browser.problems.filter((p) => !p.includes("/api/v1/session") && !p.includes("status of 401"));
  assert.deepEqual(unexpected, []);
});
