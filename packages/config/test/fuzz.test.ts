import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AirlockError, parseConfigText, resolveConfig } from "../src/index.js";

const ctx = { cwd: "/work/app", home: "/home/ada" };

/** Runs `fn` and fails unless it returns or throws an AirlockError (never a TypeError, never a hang). */
function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof AirlockError)) throw err;
    expect(err.message.length).toBeGreaterThan(0);
    expect(err.message).not.toMatch(/\n\s+at /); // never a stack trace in the message
  }
}

const fieldNames = fc.constantFrom(
  "name",
  "policy",
  "runtime",
  "dirs",
  "env",
  "allowCommands",
  "denyCommands",
  "commands",
  "allowedUrls",
  "blockedUrls",
  "allowPrivateNetwork",
  "rateLimitRps",
  "maxConnections",
  "daemon",
  "stack_size",
  "heap_size",
  "timeout_ms",
  "path",
  "read",
  "write",
  "__proto__",
  "constructor",
);

/** Objects that look like configs: real field names with random values, nested a little. */
const configLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue(),
    fc.string(),
    fc.constantFrom(
      "64mb",
      "-1",
      "~",
      "$PWD/x",
      "$HOME",
      "https://**",
      "*",
      "[",
      "strict",
      "\u0000",
    ),
    fc.array(tie("value"), { maxLength: 4 }),
    tie("object"),
  ),
  object: fc.dictionary(fieldNames, tie("value"), { maxKeys: 5 }),
}));

describe("fuzz: the config loader only ever throws typed errors", () => {
  it("random JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => onlyTypedErrors(() => resolveConfig(v, ctx))),
      {
        numRuns: 500,
      },
    );
  });

  it("config-shaped objects", () => {
    fc.assert(
      fc.property(configLike.object, (v) => onlyTypedErrors(() => resolveConfig(v, ctx))),
      { numRuns: 1000 },
    );
  });

  it("random text as a file", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: "binary" })), (text) =>
        onlyTypedErrors(() => parseConfigText(text, "fuzz.json", ctx)),
      ),
      { numRuns: 500 },
    );
  });

  it("a config that resolves grants nothing it did not list", () => {
    fc.assert(
      fc.property(configLike.object, (v) => {
        let c;
        try {
          c = resolveConfig({ ...v, policy: "strict" }, ctx);
        } catch {
          return;
        }
        const given = v as Record<string, unknown>;
        if (!("dirs" in given)) expect(c.dirs).toEqual([]);
        if (!("allowedUrls" in given)) expect(c.allowedUrls).toEqual([]);
        if (!("allowCommands" in given)) expect(c.allowCommands).toEqual([]);
        if (!("env" in given)) expect(c.env).toEqual([]);
        for (const d of c.dirs) expect(d.path.startsWith("/")).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("regressions found by fuzzing", () => {
  it("null-prototype objects, cycles and BigInts are typed errors", () => {
    const nullProto = Object.assign(Object.create(null), { name: Object.create(null) });
    expect(() => resolveConfig(nullProto, ctx)).toThrow(AirlockError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => resolveConfig(cyclic, ctx)).toThrow(/plain JSON data/);
    expect(() => resolveConfig({ rateLimitRps: 10n }, ctx)).toThrow(/plain JSON data/);
    const throwing = {
      get policy(): string {
        throw new Error("gotcha");
      },
    };
    expect(() => resolveConfig(throwing, ctx)).toThrow(AirlockError);
  });
});
