import { fileURLToPath } from "node:url";
import { resolveConfig } from "@airlock/config";
import { createSandbox, shutdownWorkers, type RunOptions } from "@airlock/wasm-host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCases } from "../support/corpus.js";
import {
  createHostFixture,
  fixtureConfig,
  leftoverChildren,
  substitute,
  type HostFixture,
} from "../support/fixtures.js";
import { HOST_SECRET, HOST_SECRET_NAME, snapshotHost } from "../support/invariants.js";

const cases = loadCases(fileURLToPath(new URL("./cases/", import.meta.url)));
let before: ReturnType<typeof snapshotHost>;
let rssBefore = 0;
let fx: HostFixture;

beforeAll(async () => {
  process.env[HOST_SECRET_NAME] = HOST_SECRET;
  fx = await createHostFixture(HOST_SECRET);
  // Warm the worker pool so its fixed cost is not counted as growth.
  const sb = await createSandbox();
  await sb.run("1");
  await sb.dispose();
  before = snapshotHost();
  rssBefore = process.memoryUsage().rss;
});

afterAll(async () => {
  await shutdownWorkers();
  await fx?.close();
});

describe.each([...new Set(cases.map((c) => c.kind))])("%s", (kind) => {
  for (const c of cases.filter((x) => x.kind === kind)) {
    it(`${c.name}: ${c.statuses.join(" or ")}`, async () => {
      const config = c.fixture ? resolveConfig(fixtureConfig(c.fixture, fx)) : undefined;
      const code = c.fixture ? substitute(c.code, fx) : c.code;
      const outsideBefore = fx.outsideListing();
      const hitsBefore = fx.deniedHits();
      const sb = await createSandbox(config ? { config } : {});
      try {
        const result = await sb.run(code, {
          filename: c.file,
          // The sandbox's own env holds a decoy; the host's secret is only in the host's process.env.
          env: { AIRLOCK_E2E_DECOY: "decoy" },
          ...(c.options as Partial<RunOptions>),
        });
        const detail = `status=${result.status} exit=${result.exitCode} stdout=${result.stdout.slice(0, 300)} stderr=${result.stderr.slice(0, 300)}`;
        expect(c.statuses, detail).toContain(result.status);
        if (c.exitCode !== undefined) expect(result.exitCode, detail).toBe(c.exitCode);
        if (c.stdout !== undefined) expect(result.stdout, detail).toContain(c.stdout);
        if (c.stderr !== undefined) expect(result.stderr, detail).toContain(c.stderr);
        for (const bad of c.forbidStdout) expect(result.stdout, detail).not.toContain(bad);
        expect(result.stdout + result.stderr).not.toContain(HOST_SECRET);
        if (result.status !== "ok" && result.status !== "error") {
          // A limit ended it: the message says which, in one line, without a host stack.
          expect(result.error?.message ?? "", detail).not.toMatch(/\n\s+at .*node:internal/);
        }
      } finally {
        await sb.dispose();
      }
      expect(snapshotHost()).toEqual(before);
      // Nothing outside the grants changed, the denied server was never reached, no sandboxed process lives on.
      expect(fx.outsideListing()).toBe(outsideBefore);
      expect(fx.deniedHits()).toBe(hitsBefore);
      expect(leftoverChildren()).toEqual([]);
    });
  }
});

it("the host is healthy after the whole corpus: memory near baseline, a normal run still works", async () => {
  const sb = await createSandbox();
  const r = await sb.run("console.log(6 * 7)");
  await sb.dispose();
  expect(r.stdout).toBe("42\n");
  globalThis.gc?.();
  const growth = process.memoryUsage().rss - rssBefore;
  expect(growth).toBeLessThan(256 * 1024 * 1024);
});
