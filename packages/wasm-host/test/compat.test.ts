/**
 * The compatibility suite: every `compat/*.js|mjs` file runs under plain `node` and inside a
 * sandbox; both must exit 0 and print the same stdout. The pass count goes into the README.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createSandbox, shutdownWorkers } from "../src/index.js";

const dir = fileURLToPath(new URL("../compat/", import.meta.url));
const files = readdirSync(dir)
  .filter((f) => /\.(c?js|mjs)$/.test(f))
  .sort();
const run = promisify(execFile);
const results = new Map<string, boolean>();

afterAll(async () => {
  const passed = [...results.values()].filter(Boolean).length;
  console.log(`Compatibility: ${passed}/${files.length} files pass under both`);
  await shutdownWorkers();
});

describe("compat suite (node vs airlock)", () => {
  it("has a file per API area", () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });
  for (const file of files) {
    it(`${file} passes under both`, async () => {
      const node = await run(process.execPath, [`${dir}${file}`], {
        cwd: "/tmp",
        encoding: "utf8",
      });
      const box = await createSandbox({ limits: { timeoutMs: 15_000 } });
      try {
        const r = await box.run(readFileSync(`${dir}${file}`, "utf8"), {
          filename: `/compat/${file}`,
        });
        expect(r.stderr).toBe("");
        expect(r.status).toBe("ok");
        expect(r.stdout).toBe(node.stdout);
        expect(r.stdout).toMatch(/ ok\n$/);
        results.set(file, true);
      } finally {
        await box.dispose();
      }
    });
  }
});
