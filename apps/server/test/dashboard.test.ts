import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./helpers/server.js";

const CHROMIUM = "/usr/bin/chromium";
const KEY = "dash-key-0123456789abcdef";
let t: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      "chromium is missing: run scripts/ensure-apt chromium (Debian's package) first",
    );
  }
  t = await startServer({ apiKeys: [KEY] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("/dashboard in headless Chromium", () => {
  it("shows live executions, counts, latency and findings as they happen", async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    await page.goto(`${t.url}/dashboard`);
    await page.fill("#key", KEY);
    await page.click("#connect");
    await page.waitForSelector('#state[data-state="live"]');

    const ok = (await (
      await t.req("/api/execute", { key: KEY, body: { code: "console.log(1)" } })
    ).json()) as any;
    const blocked = (await (
      await t.req("/api/execute", {
        key: KEY,
        // The output and the code try to inject markup: the page must show it as text only.
        body: {
          code: "require('child_process').execSync('<img src=x onerror=alert(1)>')",
          policy: "strict",
        },
      })
    ).json()) as any;
    await page.waitForSelector(`tr[data-id="${ok.id}"]`);
    await page.waitForSelector(`tr[data-id="${blocked.id}"]`);
    expect(await page.textContent(`tr[data-id="${ok.id}"] td:nth-child(2)`)).toBe("completed");
    expect(await page.textContent(`tr[data-id="${blocked.id}"] td:nth-child(2)`)).toBe("blocked");
    await page.locator("#count-blocked").filter({ hasText: /^1$/ }).waitFor();
    expect(await page.textContent("#count-completed")).toBe("1");
    await page.locator("#latency-p50").filter({ hasText: /^\d+$/ }).waitFor();
    expect(await page.textContent('#findings li[data-rule="child-process-call"]')).toMatch(/× 1/);
    expect(await page.locator("img").count()).toBe(0);
    // AIRLOCK_SCREENSHOT=/path.png keeps a picture of the page for a person to look at.
    if (process.env.AIRLOCK_SCREENSHOT)
      await page.screenshot({ path: process.env.AIRLOCK_SCREENSHOT, fullPage: true });
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 30_000);

  it("a wrong key shows 401 and no data (deny beside the allow above)", async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/dashboard`);
    await page.fill("#key", "not-the-key-0123456789");
    await page.click("#connect");
    await page.waitForSelector('#state[data-state="error"]');
    expect(await page.textContent("#state")).toMatch(/^401/);
    expect(await page.locator("#executions tbody tr").count()).toBe(0);
    await page.close();
  }, 20_000);

  it("serves the page with a same-origin-only CSP and no data without a key", async () => {
    const res = await t.req("/dashboard");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    expect((await t.req("/api/dashboard/events")).status).toBe(401);
  });
});
