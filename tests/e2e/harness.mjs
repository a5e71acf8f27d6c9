// What every end-to-end test needs: a live `truce demo` on a free port in
// a fresh directory (the binary scripts/e2e builds), its
// users and passwords, and Debian's chromium through playwright-core, with
// every console error and failed request of every page collected so a
// test can require there were none. Screenshots go to target/e2e/.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { before, after } from "node:test";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "..", "..");
export const ARTEFACTS = join(ROOT, "target", "e2e");
const BINARY = process.env.TRUCE_BIN || join(ROOT, "target", "debug", "truce");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function waitUntilReady(base, child, output) {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`truce demo exited: ${output.join("")}`);
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`truce demo did not become ready: ${output.join("")}`);
}

/** Starts the demo; returns { base, users, stop }. */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), "truce-e2e-"));
  const data = join(dir, "demo");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const output = [];
  const child = spawn(BINARY, ["demo", "--data", data, "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk) => output.push(chunk.toString()));
  child.stderr.on("data", (chunk) => output.push(chunk.toString()));
  await waitUntilReady(base, child, output);
  const credentials = JSON.parse(readFileSync(join(data, "demo-credentials.json"), "utf8"));
  const users = Object.fromEntries(credentials.users.map((user) => [user.name, user]));
  return {
    base,
    users,
    stop: async () => {
      child.kill("SIGINT");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Launches chromium; each page's console errors and failed requests land in `problems`. */
export async function startBrowser() {
  mkdirSync(ARTEFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const problems = [];
  // A new page starts a new list: each test asks whether its own pages had problems.
  const newPage = async (options = {}) => {
    problems.length = 0;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    // A request cut short by leaving the page (net::ERR_ABORTED) is the browser's doing, not a failure.
    page.on("requestfailed", (request) => {
      const error = request.failure()?.errorText || "";
      if (!error.includes("ERR_ABORTED")) problems.push(`failed: ${request.url()} ${error}`);
    });
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    return page;
  };
  return { browser, newPage, problems };
}

/** For a test file: a demo and a browser started before its tests and stopped after; read them from the returned object. */
export function demoAndBrowser() {
  const context = {};
  before(async () => {
    context.demo = await startDemo();
    context.browser = await startBrowser();
  });
  after(async () => {
    await context.browser?.browser.close();
    await context.demo?.stop();
  });
  return context;
}

/** Signs `page` in as the demo's user `name` through the sign-in form, and waits for the signed-in page. */
export async function signInAs(context, page, name) {
  await page.goto(`${context.demo.base}/sign-in?lang=en`);
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password").fill(context.demo.users[name].password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".who").waitFor();
}
