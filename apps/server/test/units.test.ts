import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyRing, bearerToken } from "../src/auth/keys.js";
import { SlidingWindowLimiter } from "../src/auth/rate-limit.js";
import { parseEnv } from "../src/env.js";
import { ServerEnvError } from "../src/errors.js";
import { contextPrelude } from "../src/execution/context.js";
import { Lru } from "../src/execution/lru.js";
import { csvCell } from "../src/routes/audit.js";

describe("KeyRing", () => {
  const ring = new KeyRing(["k-aaaaaaaaaaaaaaaaaaaa", "k-bbbbbbbbbbbbbbbbbbbb"]);
  it("accepts a configured key and names it by a hash prefix, never the key", () => {
    const entry = ring.verify("k-bbbbbbbbbbbbbbbbbbbb");
    expect(entry?.id).toMatch(/^key_[0-9a-f]{12}$/);
    expect(JSON.stringify(ring.entries)).not.toContain("bbbbbbbb");
  });
  it("refuses unknown keys, prefixes and extensions of keys", () => {
    expect(ring.verify("k-cccccccccccccccccccc")).toBeUndefined();
    expect(ring.verify("k-aaaaaaaaaaaaaaaaaaa")).toBeUndefined();
    expect(ring.verify("k-aaaaaaaaaaaaaaaaaaaaa")).toBeUndefined();
    expect(ring.verify("")).toBeUndefined();
  });
  it("is open only when no key is configured", () => {
    expect(new KeyRing([]).open).toBe(true);
    expect(ring.open).toBe(false);
  });
  it("parses Bearer tokens and nothing else", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer  abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe("SlidingWindowLimiter", () => {
  it("allows max requests per window per key, then refuses with a Retry-After", () => {
    let now = 1_000_000;
    const l = new SlidingWindowLimiter(1000, 3, () => now);
    expect([1, 2, 3].map(() => l.hit("a").allowed)).toEqual([true, true, true]);
    const denied = l.hit("a");
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(l.hit("b").allowed).toBe(true); // other keys are unaffected
    now += 2500; // two windows later everything has decayed
    expect(l.hit("a").allowed).toBe(true);
  });
  it("never lets more than max through in any window-length span (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 10 }),
        (gaps, max) => {
          let now = 0;
          const l = new SlidingWindowLimiter(1000, max, () => now);
          const allowedAt: number[] = [];
          for (const g of gaps) {
            now += g;
            if (l.hit("k").allowed) allowedAt.push(now);
          }
          // Sliding-window counters may admit slightly more than a true sliding log would, but
          // never more than 2x max in one window span; within one fixed window never more than max.
          for (const t of allowedAt) {
            const inSpan = allowedAt.filter((u) => u > t - 1000 && u <= t).length;
            expect(inSpan).toBeLessThanOrEqual(2 * max);
            const fixed = allowedAt.filter(
              (u) => Math.floor(u / 1000) === Math.floor(t / 1000),
            ).length;
            expect(fixed).toBeLessThanOrEqual(max);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  it("max 0 disables limiting", () => {
    const l = new SlidingWindowLimiter(1000, 0);
    for (let i = 0; i < 100; i++) expect(l.hit("a").allowed).toBe(true);
  });
});

describe("parseEnv", () => {
  it("gives typed defaults for an empty environment", () => {
    const s = parseEnv({});
    expect(s).toMatchObject({ port: 8787, host: "127.0.0.1", apiKeys: [], maxBodySize: 1048576 });
  });
  it("parses every variable", () => {
    const s = parseEnv({
      PORT: "9000",
      HOST: "0.0.0.0",
      API_KEYS: "aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb",
      API_KEY: "cccccccccccccccc",
      CORS_ORIGINS: "https://a.example.com,http://localhost:3000",
      MAX_BODY_SIZE: "2mb",
      RATE_LIMIT_WINDOW_MS: "1000",
      RATE_LIMIT_MAX_REQUESTS: "5",
      DATABASE_PATH: "/tmp/x.db",
      AUDIT_RETENTION_DAYS: "7",
      REDIS_URL: "redis://redis:6379/0",
      REDIS_PREFIX: "team-a",
      JOB_ATTEMPTS: "2",
      WORKER_CONCURRENCY: "4",
      WORKER_LOCK_MS: "15000",
      DATABASE_URL: "postgres://airlock:secret@db:5432/airlock",
    });
    expect(s).toMatchObject({
      port: 9000,
      host: "0.0.0.0",
      apiKeys: ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"],
      corsOrigins: ["https://a.example.com", "http://localhost:3000"],
      maxBodySize: 2 * 1024 * 1024,
      rateLimitWindowMs: 1000,
      rateLimitMaxRequests: 5,
      databasePath: "/tmp/x.db",
      auditRetentionDays: 7,
      redisUrl: "redis://redis:6379/0",
      redisPrefix: "team-a",
      jobAttempts: 2,
      workerConcurrency: 4,
      workerLockMs: 15000,
      databaseUrl: "postgres://airlock:secret@db:5432/airlock",
    });
  });
  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["MAX_BODY_SIZE", "lots"],
    ["RATE_LIMIT_WINDOW_MS", "-1"],
    ["AUDIT_RETENTION_DAYS", "1.5"],
    ["CORS_ORIGINS", "https://a.example.com/path"],
    ["API_KEYS", "short"],
    ["AUDIT_SYNCHRONOUS", "off"],
    ["DATABASE_URL", "mysql://x"],
    ["REDIS_URL", "localhost:6379"],
    ["REDIS_PREFIX", "a b"],
    ["JOB_ATTEMPTS", "0"],
    ["WORKER_CONCURRENCY", "0"],
    ["WORKER_LOCK_MS", "10"],
  ])("names %s when it is %s", (name, value) => {
    let error: unknown;
    try {
      parseEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ServerEnvError);
    expect((error as ServerEnvError).variable).toBe(name);
    expect((error as Error).message.startsWith(`${name}: `)).toBe(true);
    expect((error as Error).message).not.toContain("\n");
  });
});

describe("contextPrelude", () => {
  it("is empty without context and a single line with it", () => {
    expect(contextPrelude(undefined)).toBe("");
    expect(contextPrelude({})).toBe("");
    expect(contextPrelude({ a: "x\ny", b: [1, { c: null }] })).not.toMatch(/\n/);
  });
  it("round-trips any JSON value through the guest's JSON.parse (property, evaluated by V8 here)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom("a", "b", "__proto__", "$x"), fc.jsonValue()),
        (ctx) => {
          const globals: Record<string, unknown> = {};
          const prelude = contextPrelude(ctx).replaceAll("globalThis", "G");
          new Function("G", prelude)(globals);
          // JSON.parse normalises -0 to 0 exactly like the guest would; compare through JSON.
          expect(JSON.parse(JSON.stringify(globals))).toEqual(JSON.parse(JSON.stringify(ctx)));
          expect(Object.getPrototypeOf(globals)).toBe(Object.prototype);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("csvCell", () => {
  it("quotes separators and neutralises formulas", () => {
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("@cmd")).toBe("'@cmd");
    expect(csvCell(-12.5)).toBe("-12.5");
    expect(csvCell(null)).toBe("");
  });
});

describe("Lru", () => {
  it("keeps the most recently used entries and drops the least recently used one", () => {
    const lru = new Lru<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1); // a is now the most recent
    lru.set("c", 3); // evicts b
    expect([lru.get("a"), lru.get("b"), lru.get("c"), lru.size]).toEqual([1, undefined, 3, 2]);
  });
  it("getOrSet computes once per key while it stays cached", () => {
    const lru = new Lru<number, string>(3);
    let made = 0;
    const make = (k: number) => () => (made++, `v${k}`);
    expect([1, 2, 1, 2, 1].map((k) => lru.getOrSet(k, make(k)))).toEqual([
      "v1",
      "v2",
      "v1",
      "v2",
      "v1",
    ]);
    expect(made).toBe(2);
  });
  it("never holds more than its capacity (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (keys) => {
        const lru = new Lru<number, number>(5);
        for (const k of keys) lru.set(k, k);
        expect(lru.size).toBeLessThanOrEqual(5);
        // The last distinct keys set are the ones kept.
        const recent = [...new Set([...keys].reverse())].slice(0, 5);
        for (const k of recent) expect(lru.get(k)).toBe(k);
      }),
      { numRuns: 300 },
    );
  });
});
