import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@cfworker/json-schema";
import { afterAll, describe, expect, it } from "vitest";
import {
  ConfigParseError,
  ConfigReadError,
  ConfigValidationError,
  configJsonSchema,
  loadConfig,
  parseConfigText,
  starterConfigText,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "airlock-config-"));
afterAll(() => {
  // temp dir is left for the OS; files are tiny
});

function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
}

describe("loadConfig", () => {
  it("loads a file and records its source", () => {
    const p = write("app/airlock.json", JSON.stringify({ name: "demo", dirs: ["$PWD/data"] }));
    const c = loadConfig(p, { cwd: "/srv/x" });
    expect(c.name).toBe("demo");
    expect(c.source).toBe(p);
    expect(c.dirs[0]!.path).toBe("/srv/x/data");
  });

  it("finds airlock.json, then .edgebox.json, else defaults", () => {
    const a = join(dir, "find-a");
    write("find-a/.edgebox.json", JSON.stringify({ policy: "strict" }));
    expect(loadConfig(undefined, { cwd: a }).policy).toBe("strict");
    write("find-a/airlock.json", JSON.stringify({ policy: "agent" }));
    expect(loadConfig(undefined, { cwd: a }).policy).toBe("agent");
    const empty = join(dir, "find-empty");
    mkdirSync(empty);
    const d = loadConfig(undefined, { cwd: empty });
    expect(d.policy).toBe("standard");
    expect(d.source).toBeNull();
  });

  it("names the app after its directory when the file has no name", () => {
    const p = write("my-service/airlock.json", "{}");
    expect(loadConfig(p).name).toBe("my-service");
  });

  it("reports malformed JSON with line and column", () => {
    const p = write(
      "bad-syntax.json",
      '{\n  "policy": "strict",\n  "runtime": { "timeout_ms": 10 oops }\n}',
    );
    try {
      loadConfig(p);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigParseError);
      const e = err as ConfigParseError;
      expect(e.code).toBe("AIRLOCK_CONFIG_PARSE");
      expect(e.line).toBe(3);
      expect(e.column).toBe(33);
      expect(e.message).toContain(`${p}:3:33`);
    }
  });

  it("accepts comments and trailing commas (the starter file has both)", () => {
    const c = parseConfigText(starterConfigText("demo"), "airlock.json", { cwd: "/x" });
    expect(c.name).toBe("demo");
    expect(c.policy).toBe("standard");
    expect(parseConfigText('{ "env": ["A",], }').env).toEqual(["A"]);
  });

  it("rejects an empty file", () => {
    expect(() => parseConfigText("  \n")).toThrow(ConfigParseError);
  });

  it("reports missing, directory and unreadable files as ConfigReadError", () => {
    expect(() => loadConfig(join(dir, "nope.json"))).toThrow(ConfigReadError);
    expect(() => loadConfig(join(dir, "nope.json"))).toThrow(/airlock init/);
    expect(() => loadConfig(dir)).toThrow(/is a directory/);
    const big = write("big.json", `{"name": "${"x".repeat(1024 * 1024 + 10)}"}`);
    expect(() => loadConfig(big)).toThrow(/under 1 MiB/);
    if (process.getuid?.() !== 0) {
      const locked = write("locked.json", "{}");
      chmodSync(locked, 0o000);
      expect(() => loadConfig(locked)).toThrow(/permission denied/);
    }
  });

  it("validation errors carry the file name", () => {
    const p = write("bad-field.json", JSON.stringify({ runtime: { timeout_ms: -5 } }));
    try {
      loadConfig(p);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigValidationError);
      expect((err as ConfigValidationError).file).toBe(p);
      expect((err as Error).message).toBe(
        `${p}: runtime.timeout_ms: must be at least 1 (milliseconds)`,
      );
    }
  });
});

describe("JSON Schema", () => {
  const validator = new Validator(configJsonSchema() as never, "2020-12", false);

  it("accepts the starter config and the example shapes", () => {
    expect(
      validator.validate({
        name: "x",
        policy: "agent",
        runtime: { heap_size: "64mb" },
        dirs: ["/a", { path: "/b", write: true }],
      }).valid,
    ).toBe(true);
  });

  it("rejects unknown fields and wrong types like the loader does", () => {
    expect(validator.validate({ polcy: "x" }).valid).toBe(false);
    expect(validator.validate({ runtime: { timeout_ms: "5" } }).valid).toBe(false);
    expect(validator.validate({ policy: "lenient" }).valid).toBe(false);
  });
});
