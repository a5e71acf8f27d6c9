// The incidents pages: a mediator filters and searches the list and opens
// an incident (claims side by side, the rules' explanation, the history
// with log indexes); the accused party opens the same incident and learns
// no source's name; a bad filter is said on the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { demoAndBrowser, signInAs, ARTEFACTS } from "./harness.mjs";

const context = demoAndBrowser();
const signIn = (page, name) => signInAs(context, page, name);

test("a mediator filters the incidents and opens one", async () => {
  const page = await context.browser.newPage();
  await signIn(page, "qatar-mediator");
  await page.getByRole("link", { name: "Incidents", exact: true }).click();
  await page.locator("table.incidents").waitFor();
  assert.ok((await page.locator("table.incidents tbody tr").count()) >= 4);
  await page.getByLabel("Party").selectOption("PAK");
  await page.getByLabel("Stage").selectOption("final");
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForURL(/party=PAK/);
  const ids = await page.locator("table.incidents tbody th").allTextContents();
  assert.ok(ids.includes("3"), `the Paktika strikes are among PAK's final incidents: ${ids}`);
  await page.screenshot({ path: join(ARTEFACTS, "incidents.png"), fullPage: true });
  await page.getByRole("link", { name: "3", exact: true }).click();
  await page.locator("h1", { hasText: "Incident 3" }).waitFor();
  assert.ok((await page.locator("table.claims tbody tr").count()) >= 2, "claims side by side");
  assert.ok((await page.locator("table.rules tbody tr").count()) >= 1, "the rules' explanation");
  assert.ok((await page.locator("table.history tbody tr").count()) >= 5, "the history with log indexes");
  assert.match(await page.locator("#determinations + ul").textContent(), /Violation confirmed/);
  await page.screenshot({ path: join(ARTEFACTS, "incident.png"), fullPage: true });
  assert.deepEqual(context.browser.problems, []);
});

test("the accused party sees the incident without the names of those who reported it", async () => {
  const page = await context.browser.newPage();
  await signIn(page, "pakistan-liaison");
  await page.goto(`${context.demo.base}/incidents/3?lang=en`);
  await page.locator("h1", { hasText: "Incident 3" }).waitFor();
  const text = await page.locator("main").textContent();
  for (const name of ["TOLOnews", "Reuters", "MVM field team 2"]) {
    assert.ok(!text.includes(name), `${name} is named to the accused party`);
  }
  assert.ok(text.includes("(redacted)"));
  assert.deepEqual(context.browser.problems, []);
});

test("a bad filter is said on the page, and the public sees final incidents only", async () => {
  const page = await context.browser.newPage();
  const response = await page.goto(`${context.demo.base}/incidents?lang=en&from=yesterday`);
  assert.equal(response.status(), 400);
  assert.match(await page.locator("p.error").textContent(), /from/);
  context.browser.problems.length = 0;
  await page.goto(`${context.demo.base}/incidents?lang=en`);
  const stages = await page.locator("table.incidents tbody td:nth-child(3)").allTextContents();
  assert.ok(stages.length >= 1 && stages.every((s) => s === "Final"), `${stages}`);
  assert.deepEqual(context.browser.problems, []);
});
