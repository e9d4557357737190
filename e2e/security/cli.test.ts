import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCases } from "../support/corpus.js";
import { HOST_SECRET, HOST_SECRET_NAME } from "../support/invariants.js";

/** The same corpus through the real `airlock run` binary: right status in `--json`, a clean exit code. */
const BIN = fileURLToPath(new URL("../../packages/cli/bin/airlock.js", import.meta.url));
const cases = loadCases(fileURLToPath(new URL("./cases/", import.meta.url))).filter(
  (c) => !c.fixture,
);

function flags(options: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof options.timeoutMs === "number") out.push("--timeout", String(options.timeoutMs));
  if (typeof options.heapBytes === "number") out.push("--memory", String(options.heapBytes));
  if (typeof options.maxOutputBytes === "number")
    out.push("--max-output", String(options.maxOutputBytes));
  return out;
}

describe("airlock run --json", () => {
  for (const c of cases) {
    it(`${c.kind}/${c.name}`, () => {
      // By its path, as a user runs it: the `#!` line gives node the stack for an inline run.
      const r = spawnSync(BIN, ["run", "--json", ...flags(c.options), c.file], {
        encoding: "utf8",
        timeout: 60_000,
        maxBuffer: 64 << 20,
        env: { ...process.env, [HOST_SECRET_NAME]: HOST_SECRET },
      });
      expect(r.stderr, "the CLI itself prints nothing on stderr with --json").toBe("");
      const result = JSON.parse(r.stdout) as {
        status: string;
        exitCode: number;
        stdout: string;
        stderr: string;
      };
      expect(c.statuses).toContain(result.status);
      expect(r.status).toBe(result.exitCode);
      for (const bad of c.forbidStdout) expect(result.stdout).not.toContain(bad);
      expect(r.stdout).not.toContain(HOST_SECRET);
      expect(r.stdout).not.toMatch(/node:internal|\/work\/main\/packages\//);
    });
  }
});
