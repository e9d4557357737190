import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@airlock/config";
import { describe, expect, it } from "vitest";
import { runBin, runCli } from "./helpers.js";

const tmp = () => mkdtempSync(join(tmpdir(), "airlock-cli-"));

describe("airlock config check", () => {
  it("prints the resolved config of a valid file", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "airlock.json"),
      JSON.stringify({ name: "x", policy: "strict", dirs: ["$PWD"] }),
    );
    const r = await runCli(["config", "check"], dir);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed.policy).toBe("strict");
    expect(printed.runtime.timeout_ms).toBe(5000);
    expect(printed.dirs).toEqual([{ path: dir, read: true, write: false, execute: false }]);
    expect(r.stderr).toMatch(/config ok/);
  });

  it("a bad file exits 2 with one line naming the field", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ runtime: { heap_size: "lots" } }));
    const r = await runCli(["config", "check", "bad.json"], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^airlock: .*bad\.json: runtime\.heap_size: /);
  });

  it("malformed JSON names line and column", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "airlock.json"), '{\n  "name": "x",,\n}');
    const r = await runCli(["config", "check"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/airlock\.json:2:15: malformed JSON \(property name expected\)/);
  });

  it("a missing file says how to create one", async () => {
    const r = await runCli(["config", "check", "nope.json"], tmp());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/airlock init/);
  });
});

describe("airlock init", () => {
  it("writes a starter config that loads, and refuses to overwrite it", async () => {
    const dir = tmp();
    expect((await runCli(["init"], dir)).code).toBe(0);
    const text = readFileSync(join(dir, "airlock.json"), "utf8");
    expect(text).toMatch(/\/\/ /); // commented
    expect(loadConfig(join(dir, "airlock.json")).policy).toBe("standard");
    const again = await runCli(["init"], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; pass --force/);
    expect((await runCli(["init", "--force"], dir)).code).toBe(0);
  });
});

describe("the airlock binary", () => {
  it("--version and --help", () => {
    const v = runBin(["--version"]);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = runBin(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: airlock/);
  });

  it("unknown commands and flags are usage errors, not stack traces", () => {
    const r = runBin(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^airlock: unknown command 'frobnicate'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const f = runBin(["config", "check", "--bogus"]);
    expect(f.code).toBe(2);
  });

  it("config check of a bad file exits non-zero with one line", () => {
    const dir = tmp();
    writeFileSync(join(dir, "bad.json"), '{ "polcy": "strict" }');
    const r = runBin(["config", "check", "bad.json"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/polcy: unknown field; remove it \(did you mean "policy"\?\)/);
  });
});
