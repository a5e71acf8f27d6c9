// Bulletins: a mediator publishes the weekly bulletin of the scenario's
// week (ending 24 October 2025, when the Paktika airstrikes' determination
// became final and its penalties took effect) from /bulletins; the page
// shows the confirmed violation, Afghanistan's claim beside the verified
// deaths, the penalty, the map as SVG and the chart; the front page links
// the latest bulletin; its JSON is the document the log names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { demoAndBrowser, signInAs, ARTEFACTS } from "./harness.mjs";

const context = demoAndBrowser();
const signIn = (page, name) => signInAs(context, page, name);

test("a mediator publishes the week's bulletin and it shows what was found", async () => {
  const page = await context.browser.newPage();
  await signIn(page, "qatar-mediator");
  await page.getByRole("link", { name: "Bulletins" }).click();
  await page.locator("h1", { hasText: "Bulletins" }).waitFor();
  await page.getByLabel("Day (or the week's last day), UTC").fill("2025-10-24");
  await page.getByLabel("The week ending on that day").check();
  await page.getByRole("button", { name: "Publish" }).click();
  await page.waitForURL(/\/bulletins\/\d+\?lang=en$/);
  await page.locator("h1", { hasText: "weekly bulletin, 2025-10-18 – 2025-10-24" }).waitFor();

  const violation = page.locator("table.determinations tr[data-incident='3']");
  assert.match(await violation.textContent(), /Violation confirmed/);
  assert.match(await violation.textContent(), /Pakistan/);
  assert.match(await page.locator("ul.violations li[data-party='PAK']").textContent(), /1/);
  const deaths = page.locator("table.casualties tr[data-incident='3']");
  assert.match(await deaths.locator("td.estimate").textContent(), /10 \(10–10\)\s*verified/);
  assert.match(await deaths.locator(".claim[data-party='AFG']").textContent(), /AFG: 10 \(10–17\)/);
  assert.ok((await page.locator("table.penalties tbody tr").count()) >= 1, "the penalties");
  assert.match(await page.locator("table.penalties").textContent(), /PEN-ATTRIBUTION/);
  assert.equal(await page.locator("svg#bulletin-map path.country").count(), 1, "the map, drawn on the server");
  assert.equal(await page.locator("svg#bulletin-map circle.finding[data-incident='3']").count(), 1);
  assert.ok((await page.locator("figure.chart svg rect[data-party='PAK']").count()) >= 1, "the chart");
  const text = await page.locator("main").textContent();
  for (const source of ["TOLOnews", "Reuters", "local officials"]) {
    assert.ok(!text.includes(source), `${source} is named in a public bulletin`);
  }
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.locator("header.site").isVisible(), false, "no navigation in print");
  await page.emulateMedia({ media: "screen" });
  await page.screenshot({ path: join(ARTEFACTS, "bulletin.png"), fullPage: true });

  // The document the page links is the one whose SHA-256 the log holds.
  const index = page.url().match(/\/bulletins\/(\d+)/)[1];
  const bytes = Buffer.from(await (await fetch(`${context.demo.base}/bulletins/${index}.json`)).arrayBuffer());
  const published = await (await fetch(`${context.demo.base}/api/v1/bulletins/${index}`)).json();
  assert.equal(createHash("sha256").update(bytes).digest("hex"), published.document_sha256);
  assert.ok(published.checkpoint_size <= Number(index));

  await page.goto(`${context.demo.base}/?lang=en`);
  await page.locator("#bulletin-headline").waitFor();
  assert.match(await page.locator("#bulletin-headline").textContent(), /violations confirmed: 1/);
  assert.deepEqual(context.browser.problems, []);
});

test("the bulletin reads right to left in Arabic, and the public sees no form", async () => {
  const page = await context.browser.newPage();
  await page.goto(`${context.demo.base}/bulletins?lang=ar`);
  assert.equal(await page.locator("html").getAttribute("dir"), "rtl");
  assert.equal(await page.locator("#publish-bulletin").count(), 0, "only those who may publish see the form");
  await page.locator("table.bulletins tbody tr a").first().click();
  await page.locator("svg#bulletin-map").waitFor();
  assert.match(await page.locator("h1").textContent(), /النشرة الأسبوعية/);
  assert.deepEqual(context.browser.problems, []);
});
