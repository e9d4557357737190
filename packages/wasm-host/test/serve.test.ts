// Fetch-handler runs (`Sandbox.serve`/`warm`/`poolStats`): plain request data in, plain response
// data out through the bridge, a fresh instance per request, and app snapshots taken only when
// the app's top level is deterministic. Real workers, the public API.
import { afterAll, describe, expect, it } from "vitest";
import {
  createSandbox,
  errors,
  shutdownWorkers,
  type Sandbox,
  type ServeOptions,
} from "../src/index.js";

afterAll(async () => {
  await shutdownWorkers();
});

const dec = new TextDecoder();
const GET = (path = "/") => ({ method: "GET", url: `http://app.test${path}` });

async function settle(sb: Sandbox, code: string, options?: ServeOptions) {
  await sb.warm(code, options);
  for (let i = 0; i < 500; i++) {
    const s = sb.poolStats(code, options);
    if (s.length > 0 && s.every((p) => p.mode !== "pending")) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("pool never prepared");
}

describe("Sandbox.serve", () => {
  it("passes the request in and the response out as copies", async () => {
    await using sb = await createSandbox();
    const app = `export default {
      async fetch(req) {
        const body = await req.text();
        return new Response(JSON.stringify({ m: req.method, u: req.url, h: req.headers.get("x-in"), body }), {
          status: 201, statusText: "Made", headers: { "x-out": "yes", "content-type": "application/json" },
        });
      },
    };`;
    const r = await sb.serve(app, {
      method: "post",
      url: "http://app.test/p?q=1",
      headers: [["X-In", "v"]],
      body: new TextEncoder().encode("hello"),
    });
    expect(r.status).toBe("ok");
    expect(r.response?.status).toBe(201);
    expect(r.response?.statusText).toBe("Made");
    expect(r.response?.headers).toContainEqual(["x-out", "yes"]);
    expect(JSON.parse(dec.decode(r.response!.body))).toEqual({
      m: "POST",
      u: "http://app.test/p?q=1",
      h: "v",
      body: "hello",
    });
    expect(r.response!.body).toBeInstanceOf(Uint8Array);
  });

  for (const recycle of [false, true]) {
    it(`never lets one request see another's state (recycle: ${recycle})`, async () => {
      await using sb = await createSandbox();
      const app = `let n = 0;
        export default { fetch(req) {
          n++; globalThis.seen = (globalThis.seen ?? 0) + 1; Object.prototype.leak ??= req.url;
          return new Response(JSON.stringify([n, globalThis.seen, Object.prototype.leak]));
        } };`;
      const options = { pool: { size: 2, recycle } };
      await settle(sb, app, options);
      for (let i = 0; i < 6; i++) {
        const r = await sb.serve(app, GET(`/${i}`), options);
        expect(JSON.parse(dec.decode(r.response!.body))).toEqual([1, 1, `http://app.test/${i}`]);
      }
    });
  }

  it("gives fetch-handler runs fresh instances even in a keepState sandbox", async () => {
    await using sb = await createSandbox({ keepState: true });
    const app = `export default { fetch() { globalThis.n = (globalThis.n ?? 0) + 1; return new Response(String(globalThis.n)); } };`;
    for (let i = 0; i < 3; i++)
      expect(dec.decode((await sb.serve(app, GET())).response!.body)).toBe("1");
  });

  it("takes ready instances from the pool, restored after the app's top level", async () => {
    await using sb = await createSandbox();
    const app = `const table = Array.from({ length: 1000 }, (_, i) => i * 2);
      export default { fetch() { return new Response(String(table[21])); } };`;
    const stats = await settle(sb, app, { pool: { size: 2 } });
    expect(stats.every((s) => s.mode === "app" && s.target === 2)).toBe(true);
    // Filled in the background: wait for it (no timing assumption).
    for (let i = 0; i < 3000 && !sb.poolStats(app).every((s) => s.ready > 0); i++)
      await new Promise((r) => setTimeout(r, 10));
    // Stats are each worker's last report, so one request may still land before a refill under load:
    // of a few requests spaced apart, at least one must be served from the app snapshot pool.
    const pools = [];
    for (let i = 0; i < 5; i++) {
      const sent = performance.timeOrigin + performance.now();
      const r = await sb.serve(app, GET(), { pool: { size: 2 } });
      const back = performance.timeOrigin + performance.now();
      expect(dec.decode(r.response!.body)).toBe("42");
      // On the clock this thread's `performance` uses (a worker's own would be off by up to 1 ms).
      expect(r.pool!.startedAt).toBeGreaterThanOrEqual(sent);
      expect(r.pool!.startedAt).toBeLessThanOrEqual(back);
      pools.push(r.pool);
      if (r.pool?.hit) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(pools).toContainEqual(expect.objectContaining({ hit: true, mode: "app" }));
  });

  it("keeps the pool within its byte budget (0 bytes: nothing kept, still served)", async () => {
    await using sb = await createSandbox();
    const app = `export default { fetch() { return new Response("ok"); } };`;
    const options = { pool: { size: 8, maxBytes: 0 } };
    const stats = await settle(sb, app, options);
    expect(stats.every((s) => s.target === 0 && s.ready === 0)).toBe(true);
    const r = await sb.serve(app, GET(), options);
    expect(dec.decode(r.response!.body)).toBe("ok");
    expect(r.pool?.hit).toBe(false);
  });

  const unsafe: [string, string][] = [
    ["Date.now()", "clock"],
    ["new Date().getTime()", "clock"],
    ["performance.now()", "clock"],
    ["Math.random()", "Math.random"],
    ["crypto.getRandomValues(new Uint8Array(4))[0]", "clock"],
    // A timer reads the clock to schedule itself; either reason refuses the snapshot.
    ["setTimeout(() => {}, 50000).unref()", "clock"],
  ];
  for (const [expr, why] of unsafe) {
    it(`falls back to prelude-only snapshots when the top level does ${expr}`, async () => {
      await using sb = await createSandbox();
      const app = `const v = ${expr}; export default { fetch() { return new Response(typeof v + ":" + (globalThis.k = (globalThis.k ?? 0) + 1)); } };`;
      const stats = await settle(sb, app);
      expect(stats[0]!.mode).toBe("prelude");
      expect(stats[0]!.reason).toContain(why);
      // Still served, each request running the top level afresh.
      for (let i = 0; i < 2; i++) {
        const r = await sb.serve(app, GET());
        expect(r.status).toBe("ok");
        expect(dec.decode(r.response!.body)).toMatch(/:1$/);
        expect(r.pool?.mode).toBe("prelude");
      }
    });
  }

  it("a deterministic top level is snapshotted (allow side of the fallback)", async () => {
    await using sb = await createSandbox();
    const app = `const s = "x".repeat(3); export default { fetch() { return new Response(s + Math.floor(Math.random() * 0)); } };`;
    const stats = await settle(sb, app);
    expect(stats.every((s) => s.mode === "app" && s.reason === undefined)).toBe(true);
  });

  it("reseeds Math.random per request on app snapshots", async () => {
    await using sb = await createSandbox();
    const app = `export default { fetch() { return new Response(String(Math.random())); } };`;
    await settle(sb, app);
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) seen.add(dec.decode((await sb.serve(app, GET())).response!.body));
    expect(seen.size).toBe(5);
  });

  it("reports a handler that throws, returns no Response, or is missing as an error", async () => {
    await using sb = await createSandbox();
    const throws = await sb.serve(
      `export default { fetch() { throw new Error("boom"); } };`,
      GET(),
    );
    expect(throws.status).toBe("error");
    expect(throws.response).toBeUndefined();
    expect(throws.stderr).toContain("boom");
    const wrong = await sb.serve(`export default { fetch() { return "text"; } };`, GET());
    expect(wrong.status).toBe("error");
    expect(wrong.stderr).toContain("must return a Response");
    const none = await sb.serve(`export const x = 1;`, GET());
    expect(none.status).toBe("error");
    expect(none.stderr).toContain("no fetch handler");
  });

  it("reads a synchronously returned Response at once, and the rest through the body methods", async () => {
    await using sb = await createSandbox();
    // Sync Response (read directly), a subclass overriding arrayBuffer(), a promise, bytes.
    const app = `class Upper extends Response {
        async arrayBuffer() { return new TextEncoder().encode("SUBCLASS").buffer; }
      }
      export default { fetch(req) {
        const p = new URL(req.url).pathname;
        if (p === "/sub") return new Upper("subclass");
        if (p === "/promise") return Promise.resolve(new Response("later", { status: 203 }));
        if (p === "/bytes") return new Response(new Uint8Array([0, 255, 7]), { headers: { "x-b": "1" } });
        if (p === "/used") { const r = new Response("once"); r.text(); return r; }
        if (p === "/late-throw") { const r = new Response("x"); Promise.reject(new Error("after")); return r; }
        return new Response("plain " + p);
      } };`;
    const body = async (path: string) => {
      const r = await sb.serve(app, GET(path));
      return { r, text: r.response ? dec.decode(r.response.body) : undefined };
    };
    expect((await body("/p")).text).toBe("plain /p");
    expect((await body("/sub")).text).toBe("SUBCLASS");
    const later = await body("/promise");
    expect([later.text, later.r.response?.status]).toEqual(["later", 203]);
    const bytes = await body("/bytes");
    expect([...bytes.r.response!.body]).toEqual([0, 255, 7]);
    expect(bytes.r.response!.headers).toContainEqual(["x-b", "1"]);
    // A body already read cannot be sent: an error, as when arrayBuffer() rejects.
    const used = await body("/used");
    expect(used.r.status).toBe("error");
    expect(used.r.stderr).toMatch(/already been read/);
    // The response ends the request: a rejection left behind is not waited for.
    expect((await body("/late-throw")).text).toBe("x");
  });

  it("stops a handler at the time limit", async () => {
    await using sb = await createSandbox();
    const r = await sb.serve(`export default { fetch() { for (;;) {} } };`, GET(), {
      timeoutMs: 200,
    });
    expect(r.status).toBe("timeout");
    expect(r.response).toBeUndefined();
  });

  it("caps a request's wasm memory at the app snapshot plus heapBytes", async () => {
    await using sb = await createSandbox();
    // Many small allocations: each passes QuickJS's own limit (it counts 8 bytes per allocation
    // in this build); the host's heap check stops the request at its next interrupt poll, and
    // the memory cap keeps it from growing past the heap limit before that.
    const app = `export default { fetch(req) {
      const n = Number(new URL(req.url).searchParams.get("n"));
      const a = []; for (let i = 0; i < n; i++) a.push(new Float64Array(1024));
      return new Response("allocated " + a.length); } };`;
    // A big maxMemoryPages: only the heap limit bounds the memory.
    const heapBytes = 8 * 2 ** 20;
    const options = { heapBytes, maxMemoryPages: 8192 };
    const [stats] = await settle(sb, app, options);
    expect(stats!.mode).toBe("app");
    for (let round = 0; round < 2; round++) {
      // Allow side: 300 × 8 KiB fits; its memory is the app snapshot's size.
      const within = await sb.serve(app, GET("/?n=300"), options);
      expect(dec.decode(within.response!.body)).toBe("allocated 300");
      const over = await sb.serve(app, GET("/?n=20000"), options);
      expect(over.status).toBe("out_of_memory");
      expect(over.memory.peakBytes).toBeLessThanOrEqual(
        within.memory.peakBytes + heapBytes + 2 ** 20,
      );
    }
  });

  it("ends the request at the response (timers the handler left are not waited for)", async () => {
    await using sb = await createSandbox();
    const t0 = performance.now();
    const r = await sb.serve(
      `export default { fetch() { setTimeout(() => {}, 3000); return new Response("quick"); } };`,
      GET(),
    );
    expect(dec.decode(r.response!.body)).toBe("quick");
    expect(performance.now() - t0).toBeLessThan(2500);
  });

  it("rejects bad request data before running anything", async () => {
    await using sb = await createSandbox();
    const app = `export default { fetch() { return new Response("x"); } };`;
    await expect(sb.serve(app, { method: "GET", url: "/relative" })).rejects.toThrow(
      errors.InvalidOptionError,
    );
    await expect(sb.serve(app, { method: "G T", url: "http://a/" })).rejects.toThrow(/method/);
    await expect(
      sb.serve(app, { method: "GET", url: "http://a/", headers: [["a", 1 as never]] }),
    ).rejects.toThrow(/headers/);
    await expect(sb.serve(app, GET(), { pool: { size: -1 } })).rejects.toThrow(/pool.size/);
  });
});
