// The package from CommonJS (`require("@airlock/wasm-host")` → dist/index.cjs, with the runtime as
// dist/worker.cjs for inline pools): runs and limits as from an ES module, on this thread and in
// a worker thread. Real child processes of node (needs `pnpm build`).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

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

  for (const inline of [true, false]) {
    it(`runs a program and stops one at its deadline (${inline ? "inline" : "worker thread"})`, () => {
      const r = spawnSync(process.execPath, ["--stack-size=6144", "-e", program(inline)], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toEqual({
        out: "2,4,6\n",
        status: "ok",
        t: "timeout",
      });
    });
  }
});
