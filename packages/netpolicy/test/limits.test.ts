import { describe, expect, it } from "vitest";
import type { NetPolicyOptions } from "../src/index.js";
import { EgressLimitError, createNetPolicy } from "../src/index.js";

const policy = (options: Partial<NetPolicyOptions>) =>
  createNetPolicy({ allowedUrls: [], blockedUrls: [], ...options });

const settle = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => error,
  );

describe("rate limit (token bucket)", () => {
  it("allows a one-second burst, then makes callers wait for the next token", async () => {
    const p = policy({ rateLimitRps: 5, maxWaitMs: 1000 });
    const start = Date.now();
    for (let i = 0; i < 5; i++) (await p.acquire())();
    expect(Date.now() - start).toBeLessThan(100);
    (await p.acquire())();
    expect(Date.now() - start).toBeGreaterThanOrEqual(150); // one token every 200 ms
  });

  it("rejects at once with a typed error when the next token is beyond the bounded wait", async () => {
    const p = policy({ rateLimitRps: 2, maxWaitMs: 50 });
    (await p.acquire())();
    (await p.acquire())();
    const start = Date.now();
    const error = await settle(p.acquire());
    expect(error).toBeInstanceOf(EgressLimitError);
    expect(error).toMatchObject({ code: "AIRLOCK_EGRESS_LIMIT", limit: "rate" });
    expect(Date.now() - start).toBeLessThan(40);
  });

  it("an unlimited policy never waits", async () => {
    const p = policy({});
    const start = Date.now();
    for (let i = 0; i < 1000; i++) (await p.acquire())();
    expect(Date.now() - start).toBeLessThan(500);
  });
});

describe("connection cap (semaphore)", () => {
  it("hands a released slot to the next waiter", async () => {
    const p = policy({ maxConnections: 2, maxWaitMs: 2000 });
    const first = await p.acquire();
    await p.acquire();
    let third = false;
    const waiting = p.acquire().then((release) => {
      third = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(third).toBe(false);
    first();
    first(); // idempotent: must not free a second slot
    (await waiting)();
    expect(third).toBe(true);
    // Two slots busy again? one held by the second caller, one free: a fourth gets it at once,
    // a fifth must wait (proves the double release did not add capacity).
    await p.acquire();
    const fifth = await settle(p.acquire({ maxWaitMs: 30 }));
    expect(fifth).toMatchObject({ limit: "connections" });
  });

  it("rejects after the bounded wait when every slot stays busy", async () => {
    const p = policy({ maxConnections: 1, maxWaitMs: 80 });
    await p.acquire();
    const start = Date.now();
    const error = await settle(p.acquire());
    expect(error).toBeInstanceOf(EgressLimitError);
    expect(error).toMatchObject({ limit: "connections" });
    expect(Date.now() - start).toBeGreaterThanOrEqual(70);
  });

  it("bounds the queue: callers beyond maxWaiters are refused outright", async () => {
    const p = policy({ maxConnections: 1, maxWaiters: 1, maxWaitMs: 1000 });
    const held = await p.acquire();
    const queued = p.acquire();
    const error = await settle(p.acquire());
    expect(error).toMatchObject({ code: "AIRLOCK_EGRESS_LIMIT", limit: "waiters" });
    held();
    (await queued)();
  });

  it("an aborted wait leaves the queue and rejects with the abort reason", async () => {
    const p = policy({ maxConnections: 1, maxWaiters: 1, maxWaitMs: 5000 });
    const held = await p.acquire();
    const controller = new AbortController();
    const waiting = settle(p.acquire({ signal: controller.signal }));
    controller.abort(new Error("gave up"));
    expect(await waiting).toMatchObject({ message: "gave up" });
    held();
    // The aborted waiter must not have taken the slot nor a queue place.
    const release = await p.acquire({ maxWaitMs: 10 });
    expect(typeof release).toBe("function");
    release[Symbol.dispose]();
  });
});
