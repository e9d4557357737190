// The package from CommonJS (`require("@airlock/wasm-host")` → dist/index.cjs, with the runtime as
// dist/worker.cjs for inline pools): runs and limits as from an ES module, on this thread and in
// a worker thread. Real child processes of node (needs `pnpm build`).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// `require` resolves the package through its exports' "require" condition.
const cjs = createRequire(import.meta.url).resolve("@airlock/wasm-host");

const program = (inline: boolean) => `
  const wh = require(${JSON.stringify(cjs)});
  (async () => {
    wh.configureWorkerPool({ size: 1, inline: ${inline} });
    const sb = await wh.createSandbox();
    const out = [];
    const r = await sb.run("console.log([1, 2, 3].map((x) => x * 2).join())", {
      onStdout: (t) => out.push(t),
    });
    const t = await sb.run("for (;;) {}", { timeoutMs: 200 });
    console.log(JSON.stringify({ out: out.join(""), status: r.status, t: t.status }));
    await sb.dispose();
    await wh.shutdownWorkers();
  })();
`;

describe("CommonJS entry", () => {
  it("resolves to the CommonJS bundle for require", () => {
    expect(cjs.endsWith("/dist/index.cjs")).toBe(true);
  });

  const cache = mkdtempSync(join(tmpdir(), "airlock-cjs-cache-"));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));
  const run = (inline: boolean) =>
    spawnSync(process.execPath, ["--stack-size=6144", "-e", program(inline)], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, AIRLOCK_SNAPSHOT_CACHE: cache },
    });
  const codeFiles = () => readdirSync(cache).filter((f) => f.startsWith("code-worker.cjs-"));

  for (const inline of [true, false]) {
    it(`runs a program and stops one at its deadline (${inline ? "inline" : "worker thread"})`, () => {
      const r = run(inline);
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toEqual({
        out: "2,4,6\n",
        status: "ok",
        t: "timeout",
      });
    });
  }

  it("keeps the inline runtime's compiled code in the private cache, and survives a bad one", () => {
    for (const f of codeFiles()) rmSync(join(cache, f));
    const ok = (r: ReturnType<typeof run>) =>
      expect(JSON.parse(r.stdout)).toEqual({ out: "2,4,6\n", status: "ok", t: "timeout" });
    ok(run(true));
    const [file] = codeFiles();
    expect(file).toBeDefined();
    expect(statSync(join(cache, file!)).mode & 0o777).toBe(0o600);
    ok(run(true)); // from the cache
    // Garbage (V8 rejects it, the file is rewritten) and a file others may write (ignored).
    writeFileSync(join(cache, file!), "not compiled code");
    ok(run(true));
    expect(statSync(join(cache, file!)).size).toBeGreaterThan(1000);
    chmodSync(join(cache, file!), 0o666);
    ok(run(true));
  });
});
