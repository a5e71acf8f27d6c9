// The log explorer, as a party checks the log in its own browser: an entry
// found included in the signed checkpoint with the key it trusts; the same
// check against an untrusted key (same name, another key, its base64 with a
// "+"), against a key of another name, against a tampered signature and a
// tampered proof, each failing with the check it failed; a nonexistent
// index said precisely; the openings served to a reader, anonymous or
// signed in, hashed against the entry's commitment, and a changed one
// named; and no console errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { demoAndBrowser, signInAs, ARTEFACTS } from "./harness.mjs";

const context = demoAndBrowser();

/** A valid verifier key named `name` for a fresh Ed25519 key, whose base64 holds a "+" (a past bug misread it). */
function untrustedKey(name) {
  for (;;) {
    const { publicKey } = generateKeyPairSync("ed25519");
    const raw = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
    const typeAndKey = Buffer.concat([Buffer.from([1]), raw]);
    const base64 = typeAndKey.toString("base64");
    if (!base64.includes("+")) continue;
    const id = createHash("sha256").update(Buffer.concat([Buffer.from(`${name}\n`), typeAndKey])).digest();
    return `${name}+${id.subarray(0, 4).toString("hex")}+${base64}`;
  }
}

/** Submits the check of `index` with `key` (the prefilled one if null); resolves to the result's outcome, failure and text. */
async function check(page, index, key = null) {
  if (key !== null) await page.locator("#check-key").fill(key);
  await page.locator("#check-index").fill(String(index));
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await page.locator("#check-result[data-outcome=included], #check-result[data-outcome=failed]").waitFor();
  const result = page.locator("#check-result");
  return {
    outcome: await result.getAttribute("data-outcome"),
    failure: await result.getAttribute("data-failure"),
    text: await result.textContent(),
  };
}

async function openExplorer() {
  const page = await context.browser.newPage();
  await page.goto(`${context.demo.base}/log?lang=en`);
  assert.equal(await page.locator("h1").textContent(), "The log");
  return page;
}

test("an entry is checked in the browser: included, signature verified by the trusted key", async () => {
  const page = await openExplorer();
  const size = Number(await page.locator("#checkpoint-size").textContent());
  assert.ok(size > 600, "the demo's log is on the page");
  const key = (await page.locator("#server-key").textContent()).trim();
  assert.equal(await page.locator("#check-key").inputValue(), key, "the key is prefilled with the server's");
  assert.equal(await page.locator("table.entries tbody tr").count(), 50, "fifty entries a page");
  // The newest entry, by its row's button.
  await page.locator("table.entries tbody tr").first().getByRole("button", { name: "check" }).click();
  await page.locator("#check-result[data-outcome=included]").waitFor();
  const name = key.split("+")[0];
  const text = await page.locator("#check-result").textContent();
  assert.match(text, new RegExp(`Entry ${size - 1} is included in the checkpoint of size ${size}, signature verified by key ${name.replace(/[.]/g, "\\.")}\\+[0-9a-f]{8}`));
  // An old entry, typed, on an older page reached by its link.
  await page.locator("a.older").click();
  await page.waitForURL(/before=/);
  assert.equal(await page.locator("#entries-heading").textContent(), `Entries ${size - 100} to ${size - 51}`);
  const result = await check(page, 3);
  assert.equal(result.outcome, "included", result.text);
  await page.screenshot({ path: join(ARTEFACTS, "log-explorer.png"), fullPage: true });
  assert.deepEqual(context.browser.problems, []);
});

test("an untrusted key, or a key of another name, fails the signature check and says which", async () => {
  const page = await openExplorer();
  const key = (await page.locator("#server-key").textContent()).trim();
  const name = key.split("+")[0];
  const other = untrustedKey(name);
  let result = await check(page, 5, other);
  assert.equal(result.failure, "key_id_mismatch", result.text);
  assert.match(result.text, /Key ID mismatch: .* It was not signed by the key you trust\./);
  result = await check(page, 5, untrustedKey("someone.else/log"));
  assert.equal(result.failure, "wrong_name", result.text);
  assert.match(result.text, new RegExp(`signed by ${name.replace(/[.]/g, "\\.")}, not by someone\\.else/log`));
  result = await check(page, 5, "not a key");
  assert.equal(result.failure, "bad_key", result.text);
  result = await check(page, 5, key);
  assert.equal(result.outcome, "included", "the trusted key pasted back verifies");
  assert.deepEqual(context.browser.problems, []);
});

test("a tampered signature and a tampered proof are caught by the browser", async () => {
  const page = await openExplorer();
  await page.route("**/log/checkpoint", async (route) => {
    const response = await route.fetch();
    const note = await response.text();
    // Flip the last byte of the first signature, keeping its key ID.
    const tampered = note.replace(/(\n\u2014 \S+ )(\S+)\n/, (_, head, b64) => {
      const bytes = Buffer.from(b64, "base64");
      bytes[bytes.length - 1] ^= 1;
      return `${head}${bytes.toString("base64")}\n`;
    });
    await route.fulfill({ response, body: tampered });
  });
  let result = await check(page, 7);
  assert.equal(result.failure, "bad_signature", result.text);
  assert.match(result.text, /Bad signature: the checkpoint's signature does not verify with key/);
  await page.unroute("**/log/checkpoint");
  await page.route("**/api/v1/log/proof/inclusion*", async (route) => {
    const response = await route.fetch();
    const proof = await response.json();
    proof.hashes[0] = Buffer.alloc(32, 7).toString("base64");
    await route.fulfill({ response, json: proof });
  });
  result = await check(page, 7);
  assert.equal(result.failure, "root_mismatch", result.text);
  assert.match(result.text, /The checkpoint of size \d+: signature verified/);
  assert.match(result.text, /Root mismatch: the audit path from entry 7 leads to \S+, but the checkpoint's root is \S+\./);
  assert.deepEqual(context.browser.problems, []);
});

test("a nonexistent index is said precisely, before anything is fetched for it", async () => {
  const page = await openExplorer();
  const size = Number(await page.locator("#checkpoint-size").textContent());
  let result = await check(page, size + 1000);
  assert.equal(result.failure, "beyond", result.text);
  assert.match(result.text, new RegExp(`Entry ${size + 1000} does not exist: the checkpoint of size ${size} holds entries 0 to ${size - 1}\\.`));
  result = await check(page, "-1");
  assert.equal(result.failure, "bad_index", result.text);
  assert.deepEqual(context.browser.problems, [], "no 404: the index is refused before fetching");
});

test("the page reads right to left in Arabic and its check speaks Arabic", async () => {
  const page = await context.browser.newPage();
  await page.goto(`${context.demo.base}/log?lang=ar`);
  assert.equal(await page.locator("html").getAttribute("dir"), "rtl");
  assert.equal(await page.locator("h1").textContent(), "السجل");
  await page.locator("table.entries tbody tr").first().locator("button").click();
  await page.locator("#check-result[data-outcome=included]").waitFor();
  assert.match(await page.locator("#check-result").textContent(), /مُضمَّن في نقطة التحقق/);
  assert.equal(await page.locator("nav a[href^='/log']").first().textContent(), "السجل");
  assert.deepEqual(context.browser.problems, []);
});

/** The first entry of the demo's log (below 256) for which `token`'s holder (anonymous without one) is served an opening. */
async function entryWithOpenings(token = null) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch(`${context.demo.base}/api/v1/log/openings?start=0&end=256`, { headers });
  assert.equal(response.status, 200);
  const entries = await response.json();
  return entries.find((entry) => entry.openings.length > 0);
}

test("the openings a reader is served are hashed in the browser against the entry's commitment", async () => {
  // Anonymous: what the finality of the border clash disclosed.
  const disclosed = await entryWithOpenings();
  assert.ok(disclosed, "the demo's final incidents disclosed openings");
  const page = await openExplorer();
  let result = await check(page, disclosed.index);
  assert.equal(result.outcome, "included", result.text);
  const opened = disclosed.openings.map((o) => o.group).join(", ");
  assert.match(result.text, new RegExp(`Entry ${disclosed.index}'s openings match its commitment: opened for you ${opened}; withheld from you [a-z, ]+\\.`));
  assert.match(result.text, /withheld from you [a-z, ]*account/, "nobody anonymous opens an account");
  // A server that changes the text it serves is caught.
  await page.route("**/api/v1/log/entries/*/openings", async (route) => {
    const response = await route.fetch();
    const served = await response.json();
    served.openings[0].text += " ";
    await route.fulfill({ response, json: served });
  });
  result = await check(page, disclosed.index);
  assert.equal(result.failure, "opening_mismatch", result.text);
  assert.match(result.text, new RegExp(`The openings of ${opened} do not match entry ${disclosed.index}'s commitment`));
  assert.deepEqual(context.browser.problems, []);

  // Signed in, a party opens its own submission whole (the account too), in its own browser.
  const afghanistan = context.demo.users["afghanistan-liaison"];
  const own = await entryWithOpenings(afghanistan.token);
  const party = await context.browser.newPage();
  await signInAs(context, party, "afghanistan-liaison");
  await party.goto(`${context.demo.base}/log?lang=en`);
  result = await check(party, own.index);
  assert.equal(result.outcome, "included", result.text);
  assert.match(result.text, new RegExp(`Entry ${own.index}'s openings match its commitment: opened for you ${own.openings.map((o) => o.group).join(", ")};`));
  assert.deepEqual(context.browser.problems, []);
});

/** The check of `index` with the policy field holding `policy` (the prefilled one if null). */
async function checkWithPolicy(page, index, policy = null) {
  if (policy !== null) await page.locator("#check-policy").fill(policy);
  return check(page, index);
}

test("the witnesses' cosignatures are checked in the browser against the reader's trust policy", async () => {
  const page = await openExplorer();
  // Who cosigned the current checkpoint, and when: the demo's four witnesses.
  const rows = page.locator("table.cosigners tbody tr");
  assert.equal(await rows.count(), 4);
  for (const name of ["AFG", "PAK", "QAT", "TUR"]) {
    const row = page.locator(`table.cosigners tr[data-witness=${name}]`);
    assert.equal(await row.getAttribute("data-cosigned"), "true", `${name} cosigned the current checkpoint`);
    assert.match(await row.locator("td time").textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  }
  const policy = await page.locator("#check-policy").inputValue();
  const served = await (await fetch(`${context.demo.base}/log/policy`)).text();
  assert.equal(policy.trim(), served.trim(), "the agreement's policy is prefilled");
  assert.match(policy, /^quorum all-witnesses$/m);

  // The prefilled policy: all four cosignatures verified here.
  let result = await check(page, 4);
  assert.equal(result.outcome, "included", result.text);
  assert.match(result.text, /meets your policy's quorum: cosigned by AFG \(\d{4}-\d\d-\d\dT[\d:]+Z\), PAK \([^)]+\), QAT \([^)]+\), TUR \([^)]+\)\./);

  // A server that drops TUR's cosignature and has no older cosigned
  // checkpoint: the quorum is not met, and TUR is named.
  await page.route("**/log/checkpoint", async (route) => {
    const response = await route.fetch();
    const note = (await response.text()).replace(/\u2014 witness\.tur\.\S+ \S+\n/, "");
    await route.fulfill({ response, body: note });
  });
  await page.route("**/api/v1/log/witnesses", (route) => route.fulfill({ json: { cosigned_by_all: null } }));
  result = await check(page, 4);
  assert.equal(result.failure, "quorum_not_met", result.text);
  assert.match(result.text, /Quorum not met: the checkpoint of size \d+ lacks the cosignatures of TUR, which your policy requires\./);
  // A policy needing any three of the four accepts it.
  const threeOfFour = policy.replace(/^group all-witnesses all /m, "group all-witnesses 3 ");
  result = await checkWithPolicy(page, 4, threeOfFour);
  assert.equal(result.outcome, "included", result.text);
  assert.match(result.text, /cosigned by AFG \([^)]+\), PAK \([^)]+\), QAT \([^)]+\)\./);
  await page.unroute("**/api/v1/log/witnesses");
  await page.unroute("**/log/checkpoint");

  // A forged cosignature (QAT's, one byte changed) does not count.
  await page.route("**/log/checkpoint", async (route) => {
    const response = await route.fetch();
    const note = (await response.text()).replace(/(\u2014 witness\.qat\.\S+ )(\S+)\n/, (_, head, b64) => {
      const bytes = Buffer.from(b64, "base64");
      bytes[bytes.length - 1] ^= 1;
      return `${head}${bytes.toString("base64")}\n`;
    });
    await route.fulfill({ response, body: note });
  });
  await page.route("**/api/v1/log/witnesses", (route) => route.fulfill({ json: { cosigned_by_all: null } }));
  result = await checkWithPolicy(page, 4, policy);
  assert.equal(result.failure, "quorum_not_met", result.text);
  assert.match(result.text, /lacks the cosignatures of QAT,/);
  await page.unroute("**/api/v1/log/witnesses");
  await page.unroute("**/log/checkpoint");

  // The current checkpoint served without any cosignature: the latest all
  // four cosigned is checked instead, and said.
  await page.route("**/log/checkpoint", async (route) => {
    const response = await route.fetch();
    const note = (await response.text()).replace(/\u2014 witness\.\S+ \S+\n/g, "");
    await route.fulfill({ response, body: note });
  });
  result = await check(page, 4);
  assert.equal(result.outcome, "included", result.text);
  assert.match(result.text, /The current checkpoint \(size \d+\) is not cosigned enough yet: checking against the latest checkpoint all witnesses cosigned \(size \d+\) instead\./);
  await page.unroute("**/log/checkpoint");

  // A policy that is not one, by line; an empty policy skips the witnesses.
  result = await checkWithPolicy(page, 4, `${policy.split("\n")[0]}\nwitness AFG not-a-key\nquorum none\n`);
  assert.equal(result.failure, "bad_policy", result.text);
  assert.match(result.text, /line 2 \(“witness AFG not-a-key”\)/);
  result = await checkWithPolicy(page, 4, "");
  assert.equal(result.outcome, "included", result.text);
  assert.doesNotMatch(result.text, /quorum/);
  await page.screenshot({ path: join(ARTEFACTS, "log-explorer-witnesses.png"), fullPage: true });
  assert.deepEqual(context.browser.problems, []);
});
