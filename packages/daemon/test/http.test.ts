// `serveApp`: real HTTP over loopback, a fresh sandbox per request, back-pressure, time limit,
// health and Prometheus metrics.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp, type Serving } from "../src/index.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe("serveApp", () => {
  let s: Serving;
  beforeAll(async () => {
    s = await serveApp(fixture("state.mjs"), { port: 0, poolSize: 2, timeoutMs: 1000, workers: 2 });
  });
  afterAll(async () => {
    await s.close();
  });

  it("answers with the app's response", async () => {
    const r = await fetch(`${s.url}/echo`, { method: "POST", body: "ping" });
    expect(r.status).toBe(202);
    expect(await r.text()).toBe("ping");
  });

  it("runs every request in a fresh sandbox: state written by A is invisible to B", async () => {
    for (let i = 0; i < 8; i++) {
      const r = await fetch(`${s.url}/`);
      expect(await r.json()).toEqual({ count: 1, hits: 1 });
    }
    // Concurrent requests too.
    const all = await Promise.all(
      Array.from({ length: 8 }, () => fetch(`${s.url}/`).then((r) => r.json())),
    );
    for (const body of all) expect(body).toEqual({ count: 1, hits: 1 });
  });

  it("turns a handler error into 500 and an endless handler into 504", async () => {
    expect((await fetch(`${s.url}/throw`)).status).toBe(500);
    expect((await fetch(`${s.url}/loop`)).status).toBe(504);
    const stats = s.stats();
    expect(stats.errors).toBeGreaterThanOrEqual(2);
    expect(stats.limitTerminations).toBeGreaterThanOrEqual(1);
  });

  it("serves /healthz and Prometheus /metrics", async () => {
    const h = await fetch(`${s.url}/healthz`);
    expect(h.status).toBe(200);
    const m = await (await fetch(`${s.url}/metrics`)).text();
    for (const name of [
      "airlock_pool_ready",
      "airlock_pool_size",
      "airlock_pool_hits_total",
      "airlock_pool_misses_total",
      "airlock_request_duration_seconds_bucket",
      "airlock_pool_hit_start_seconds_bucket",
      "airlock_limit_terminations_total",
    ])
      expect(m).toContain(name);
    expect(m).toMatch(/airlock_limit_terminations_total\{app="state.mjs",reason="timeout"\} [1-9]/);
    expect(m).toMatch(/airlock_requests_total\{app="state.mjs",status="200"\} [1-9]/);
  });
});

describe("fresh sandboxes, recycled memories (default) or new ones (recycle: false)", () => {
  const PRISTINE = { count: 1, hits: 1, polluted: null, map: [2], ticks: null, kept: "undefined" };
  for (const recycle of [undefined, false]) {
    it(`shows no request anything an earlier one did (recycle: ${recycle ?? "default"})`, async () => {
      const s = await serveApp(fixture("state.mjs"), {
        port: 0,
        poolSize: 2,
        timeoutMs: 300,
        workers: 1,
        ...(recycle !== undefined ? { recycle } : {}),
      });
      try {
        expect(s.stats().recycle).toBe(recycle ?? true);
        // Polluting requests, one that times out and one that throws, in between probes: each
        // probe sees the state right after the app's top level, whatever ran before it.
        for (const path of ["/pollute", "/loop", "/pollute", "/throw", "/pollute"]) {
          const r = await fetch(`${s.url}${path}`);
          if (path === "/pollute")
            expect(((await r.json()) as { polluted: unknown }).polluted).toBe("yes");
          else await r.arrayBuffer();
          const probe = await fetch(`${s.url}/probe`);
          expect(await probe.json()).toEqual(PRISTINE);
        }
        const stats = s.stats();
        expect(stats.served).toBe(10);
        expect(stats.hits).toBeGreaterThan(0);
      } finally {
        await s.close();
      }
    });
  }
});

describe("one request's data never reaches the next", () => {
  it("gives each request only its own URL, headers and body on a recycled memory", async () => {
    // One worker, one ready sandbox: every request runs in the memory the one before used.
    const s = await serveApp(fixture("echo-previous.mjs"), { port: 0, poolSize: 1, workers: 1 });
    try {
      for (let i = 0; i < 6; i++) {
        const path = `/req-${i}`;
        const secret = i % 2 === 0 ? `token-${i}` : null;
        const r = await fetch(`${s.url}${path}?q=${i}`, {
          method: i % 2 === 0 ? "POST" : "GET",
          headers: secret !== null ? { "x-secret": secret } : {},
          ...(i % 2 === 0 ? { body: `payload-${i}` } : {}),
        });
        expect(await r.json()).toEqual({
          path,
          secret,
          body: i % 2 === 0 ? `payload-${i}` : "",
          previous: null,
          global: null,
          env: null,
        });
      }
      expect(s.stats().hits).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});

describe("back-pressure", () => {
  it("answers 429 with Retry-After when the queue is full, and serves the rest", async () => {
    const s = await serveApp(fixture("state.mjs"), {
      port: 0,
      poolSize: 1,
      timeoutMs: 5000,
      workers: 1,
      maxQueue: 0,
    });
    try {
      // One worker, no queue: two requests in flight at most (see AppRunner), the rest refused.
      const rs = await Promise.all(Array.from({ length: 6 }, () => fetch(`${s.url}/slow?ms=300`)));
      const statuses = rs.map((r) => r.status).sort();
      expect(statuses.filter((c) => c === 200).length).toBeGreaterThanOrEqual(1);
      const busy = rs.filter((r) => r.status === 429);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      for (const r of busy) expect(r.headers.get("retry-after")).toBe("1");
      expect(s.stats().rejected).toBe(busy.length);
      // Once the burst is over, requests are served again (allow side).
      expect((await fetch(`${s.url}/`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it("refuses request bodies over the limit", async () => {
    const s = await serveApp(fixture("state.mjs"), { port: 0, poolSize: 1, workers: 1 });
    try {
      const big = "x".repeat(9 * 1024 * 1024);
      const r = await fetch(`${s.url}/echo`, { method: "POST", body: big }).catch(() => null);
      // Either the 413 arrives or the connection is cut while uploading: never a 2xx.
      if (r !== null) expect(r.status).toBe(413);
    } finally {
      await s.close();
    }
  });
});
