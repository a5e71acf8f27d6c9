// For `truce bench web --browser`: signs in at $BASE as $NAME, opens the
// dashboard, and prints one JSON object: how many markers the map drew,
// how long after navigation they were drawn, and while zooming in and out
// with the wheel over the map, the share of frames within 16.7 ms and the
// longest frame. Not a test: a measurement for BENCHMARKS.md.
import { chromium } from "playwright-core";

const { BASE, NAME, PASSWORD } = process.env;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const signIn = await page.request.post(`${BASE}/api/v1/session`, { data: { name: NAME, password: PASSWORD } });
  if (!signIn.ok()) throw new Error(`sign-in: ${signIn.status()}`);
  const started = Date.now();
  await page.goto(`${BASE}/dashboard?lang=en`);
  await page.locator("#map[data-ready]").waitFor({ timeout: 120_000 });
  const drawnMs = Date.now() - started;
  const markers = Number(await page.locator("#map").getAttribute("data-ready"));
  const box = await page.locator("#map").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => { window.__frames.push(now - last); last = now; if (window.__frames.length < 100000) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  for (let step = 0; step < 6; step++) {
    await page.mouse.wheel(0, step < 3 ? -400 : 400);
    await page.waitForTimeout(600);
  }
  const frames = await page.evaluate(() => window.__frames.slice(1));
  const within = frames.filter((f) => f <= 16.7 * 1.05).length / frames.length;
  console.log(JSON.stringify({
    markers, drawn_ms: drawnMs, frames: frames.length,
    frames_within_16ms: within, longest_frame_ms: Math.max(...frames),
  }));
} finally {
  await browser.close();
}
