import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AirlockError as ErrorFromIndex, defaultConfig, loadConfig } from "../src/index.js";
import * as errorsEntry from "../src/errors.js";
import {
  CONFIG_FILE_NAMES,
  POLICY_TIERS,
  TIERS,
  findConfigFile,
  tierConfig,
  tierConfigWithLimits,
} from "../src/defaults.js";
import fc from "fast-check";
import { resolveConfig } from "../src/index.js";

const ctx = { cwd: "/srv/app", home: "/home/u" };

describe("tierConfig (zod-free defaults)", () => {
  it.each(POLICY_TIERS)("equals defaultConfig(%s) field for field", (tier) => {
    expect(tierConfig(tier, ctx)).toStrictEqual(defaultConfig(tier, ctx));
  });

  it("defaults to the tier loadConfig() uses when there is no file", () => {
    const empty = "/nonexistent-airlock-dir";
    expect(findConfigFile(empty)).toBeUndefined();
    expect(tierConfig(undefined, { cwd: empty })).toStrictEqual(
      loadConfig(undefined, { cwd: empty }),
    );
  });

  it("expands the agent tier's $PWD against the given cwd, per call", () => {
    expect(tierConfig("agent", ctx).dirs[0]?.path).toBe("/srv/app");
    expect(tierConfig("agent", { ...ctx, cwd: "/other" }).dirs[0]?.path).toBe("/other");
  });

  it("returns a deeply frozen object that cannot widen a tier", () => {
    const c = tierConfig("standard", ctx);
    expect(Object.isFrozen(c) && Object.isFrozen(c.runtime) && Object.isFrozen(c.allowedUrls)).toBe(
      true,
    );
    expect(() => (c.allowedUrls as string[]).push("*")).toThrow(TypeError);
    expect(TIERS.standard.allowedUrls).toEqual([]);
    expect(tierConfig("standard", ctx).allowedUrls).toEqual([]);
  });

  it("rejects an unknown tier", () => {
    expect(() => tierConfig("lax" as never)).toThrow(/unknown policy tier "lax"/);
  });

  it("shares the config file names with loadConfig", async () => {
    expect((await import("../src/index.js")).CONFIG_FILE_NAMES).toBe(CONFIG_FILE_NAMES);
  });
});

/** Bare specifiers reachable from a source file through its relative imports (type-only ones skipped). */
function bareImports(entry: URL, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(entry.href)) return out;
  seen.add(entry.href);
  const text = readFileSync(entry, "utf8");
  const re = /^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"|^import\s+"([^"]+)"/gms;
  for (const m of text.matchAll(re)) {
    const spec = (m[1] ?? m[2])!;
    if (spec.startsWith(".")) {
      const next = new URL(spec.replace(/\.js$/, ".ts"), entry);
      for (const s of bareImports(next, seen)) out.add(s);
    } else out.add(spec);
  }
  return out;
}

describe("zod-free entry points", () => {
  it.each(["errors.ts", "defaults.ts"])("src/%s imports only node: builtins", (file) => {
    const specs = [...bareImports(new URL(`../src/${file}`, import.meta.url))];
    expect(specs.filter((s) => !s.startsWith("node:"))).toEqual([]);
  });

  it("the index itself does pull in zod (so the check above can fail)", () => {
    expect([...bareImports(new URL("../src/index.ts", import.meta.url))]).toContain("zod");
  });

  it("@airlock/config/errors holds the same classes as the index", () => {
    expect(errorsEntry.AirlockError).toBe(ErrorFromIndex);
    expect(Object.keys(errorsEntry).sort()).toEqual([
      "AirlockError",
      "ConfigParseError",
      "ConfigReadError",
      "ConfigValidationError",
    ]);
  });
});

describe("tierConfigWithLimits (flag limits without the schema library)", () => {
  const outcome = (f: () => unknown) => {
    try {
      return { config: f() };
    } catch (err) {
      return { field: (err as { field?: string }).field, code: (err as { code?: string }).code };
    }
  };

  it("equals resolveConfig with the same runtime fields, errors included", () => {
    const limits = fc.record(
      {
        timeout_ms: fc.integer({ min: 1, max: 86_400_000 }),
        heap_size: fc.oneof(
          fc.integer({ min: 1024 * 1024, max: 2032 * 1024 * 1024 }),
          fc.integer({ min: 1, max: 4 * 1024 ** 3 }),
        ),
        max_output_bytes: fc.integer({ min: 1, max: 2 ** 31 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(limits, fc.constantFrom(...POLICY_TIERS), (l, policy) => {
        expect(outcome(() => tierConfigWithLimits(l, policy, ctx))).toStrictEqual(
          outcome(() => resolveConfig({ policy, runtime: l }, ctx)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("names the field of a limit the engine cannot honour", () => {
    expect(outcome(() => tierConfigWithLimits({ heap_size: 3 * 1024 ** 3 }))).toMatchObject({
      field: "runtime.heap_size",
      code: "AIRLOCK_CONFIG_INVALID",
    });
  });
});
