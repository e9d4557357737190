import { describe, expect, it } from "vitest";
import { createSandbox, EXIT_CODES } from "../src/index.js";
import { run } from "./helpers.js";

describe("limits", () => {
  it("stops an infinite loop at the deadline (interrupt handler)", async () => {
    const r = await run(`for (;;) {}`, { timeoutMs: 100 });
    expect(r).toMatchObject({ status: "timeout", exitCode: EXIT_CODES.timeout });
    expect(r.error?.message).toContain("100 ms");
    expect(r.error?.message).not.toContain("terminated");
    expect(r.durationMs).toBeLessThan(1000);
  });

  it("stops a timer that never lets the loop end", async () => {
    const r = await run(`setInterval(() => {}, 5)`, { timeoutMs: 100 });
    expect(r.status).toBe("timeout");
  });

  it("terminates a worker stuck in one long builtin, then keeps working", async () => {
    const sb = await createSandbox({ limits: { heapBytes: 2 ** 30, maxMemoryPages: 32768 } });
    // ~3.5 s of one builtin here: well past the backstop (deadline + 1 s) on any machine.
    const r = await sb.run(`Array(1e8).join().length`, { timeoutMs: 100 });
    expect(r).toMatchObject({ status: "timeout", exitCode: 124 });
    expect(r.error?.message).toContain("worker was terminated");
    const r2 = await sb.run(`'x'.repeat(2**28).length`, { timeoutMs: 50 });
    expect(r2.status).toBe("timeout");
    expect((await sb.run(`console.log("alive")`)).stdout).toBe("alive\n");
    await sb.dispose();
  });

  it("classifies a bomb whose engine throws null (no memory for the error) as out_of_memory", async () => {
    // From the security corpus: the engine cannot allocate its InternalError and throws null.
    // Twice: the first run of a worker is a fresh instance, later ones are restored.
    for (let i = 0; i < 2; i++) {
      const r = await run(
        `const keep = []; for (;;) keep.push({ a: keep.length, b: [1, 2, 3] });`,
        { heapBytes: 32 * 2 ** 20 },
      );
      expect(r).toMatchObject({ status: "out_of_memory", exitCode: EXIT_CODES.out_of_memory });
      expect(r.stderr).not.toContain("null");
    }
    // Deny side: a guest that throws null by itself is an ordinary error.
    const own = await run(`throw null`, { heapBytes: 32 * 2 ** 20 });
    expect(own).toMatchObject({ status: "error", exitCode: 1 });
    expect(own.stderr).toContain("Uncaught null");
  });

  it("reports a builtin that overran its deadline but finished before the backstop as timeout", async () => {
    const sb = await createSandbox({ limits: { heapBytes: 2 ** 30, maxMemoryPages: 32768 } });
    // ~0.3 s in one builtin with a 50 ms limit: no interrupt poll fires inside it, and the
    // worker is not terminated (backstop at 1.05 s).
    const r = await sb.run(`Array(5e6).join().length; Array(5e6).join().length`, { timeoutMs: 50 });
    expect(r).toMatchObject({ status: "timeout", exitCode: 124 });
    expect(r.error?.message).not.toContain("terminated");
    // Deny side: the same work within its limit is ok.
    const ok = await sb.run(`Array(5e6).join().length`, { timeoutMs: 4000 });
    expect(ok.status).toBe("ok");
    await sb.dispose();
  });

  it("reports a memory bomb as out_of_memory", async () => {
    const r = await run(`const a = []; for (;;) a.push(new Array(1000).fill(a.length))`, {
      heapBytes: 8 * 2 ** 20,
    });
    expect(r).toMatchObject({ status: "out_of_memory", exitCode: EXIT_CODES.out_of_memory });
    expect(r.error?.message).toContain("heapBytes");
  });

  it("enforces heapBytes in bytes, however few allocations the guest makes", async () => {
    // Big allocations: QuickJS's own limit in this build counts 8 bytes per allocation, so
    // without the host's heap check 3,000 arrays of 8 KB would pass an 8 MiB limit.
    const sb = await createSandbox({ limits: { maxMemoryPages: 16384 } });
    const shapes = [
      `for (let i = 0; i < 3000; i++) a.push(new Array(1000).fill(i))`,
      `for (let i = 0; i < 3000; i++) a.push(new Float64Array(1000))`,
      `for (let i = 0; i < 300; i++) a.push("x".repeat(1e5) + i)`,
    ];
    for (const shape of shapes) {
      const over = await sb.run(`const a = []; ${shape}; console.log(a.length)`, {
        heapBytes: 8 * 2 ** 20,
      });
      expect(over, shape).toMatchObject({ status: "out_of_memory", exitCode: 137 });
      // Allow side: the same program with room for it.
      const within = await sb.run(`const a = []; ${shape}; console.log(a.length)`, {
        heapBytes: 64 * 2 ** 20,
      });
      expect(within, shape).toMatchObject({ status: "ok" });
    }
    await sb.dispose();
  });

  it("caps linear memory with maxMemoryPages", async () => {
    const r = await run(`const a = []; for (;;) a.push("x".repeat(1e6) + a.length)`, {
      heapBytes: 2 ** 30,
      maxMemoryPages: 512,
    });
    expect(r.status).toBe("out_of_memory");
    expect(r.memory.peakBytes).toBeLessThanOrEqual(512 * 65536);
  });

  it("turns a stack bomb into a catchable RangeError, uncaught → error", async () => {
    const caught = await run(
      `function f(){ return f() + 1 } try { f() } catch (e) { console.log(e instanceof RangeError, e.message) }`,
    );
    expect(caught.stdout).toBe("true Maximum call stack size exceeded\n");
    const r = await run(`const f = (n) => [n].map(() => f(n + 1)); f(0)`);
    expect(r).toMatchObject({ status: "error", exitCode: 1 });
    expect(r.error?.message).toBe("RangeError: Maximum call stack size exceeded");
    for (const stackBytes of [64 * 1024, 4 * 2 ** 20]) {
      const s = await run(`function g(){ return [2,1].sort(() => g()) } g()`, { stackBytes });
      expect(s.error?.message).toBe("RangeError: Maximum call stack size exceeded");
    }
  });

  it("stops an output flood at maxOutputBytes", async () => {
    const r = await run(`for (;;) { try { console.log("flood".repeat(20)) } catch {} }`, {
      maxOutputBytes: 10_000,
    });
    expect(r).toMatchObject({ status: "output_limit", exitCode: EXIT_CODES.output_limit });
    expect(Buffer.byteLength(r.stdout)).toBe(10_000);
    const ok = await run(`console.log("x".repeat(99))`, { maxOutputBytes: 100 });
    expect(ok.status).toBe("ok");
  });

  it("enforces the instruction budget", async () => {
    const r = await run(`let i = 0; for (;;) i++`, { maxInstructions: 1_000_000 });
    expect(r).toMatchObject({ status: "timeout", error: { code: "INSTRUCTION_LIMIT" } });
    const ok = await run(`let i = 0; while (i < 1000) i++; console.log(i)`, {
      maxInstructions: 1_000_000,
    });
    expect(ok.status).toBe("ok");
  });

  it("kills a run when its signal aborts (busy, waiting, and before start)", async () => {
    const sb = await createSandbox();
    const busy = new AbortController();
    setTimeout(() => busy.abort(), 50);
    const r = await sb.run(`for (;;) {}`, { signal: busy.signal, timeoutMs: 5000 });
    expect(r).toMatchObject({ status: "killed", exitCode: EXIT_CODES.killed });
    expect(r.durationMs).toBeLessThan(2000);
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 50);
    const w = await sb.run(`setTimeout(() => {}, 3000)`, { signal: waiting.signal });
    expect(w.status).toBe("killed");
    expect(w.durationMs).toBeLessThan(2000);
    const r3 = await sb.run(`console.log(1)`, { signal: AbortSignal.abort() });
    expect(r3.status).toBe("killed");
    await sb.dispose();
  });

  it("disposes cleanly a guest that leaves objects, closures, promises and timers behind", async () => {
    const sb = await createSandbox();
    const r = await sb.run(
      `const keep = [];
       for (let i = 0; i < 20000; i++) keep.push({ i, f: () => i, p: new Promise(() => {}) });
       globalThis.k = keep;
       const never = new Promise(() => {}); never.then(() => 1);
       setTimeout(() => {}, 60000); setInterval(() => {}, 1000);
       Promise.resolve().then(() => new Promise(() => {}));`,
      { timeoutMs: 300 },
    );
    expect(r.status).toBe("timeout");
    const r2 = await sb.run(`console.log("next")`);
    expect(r2).toMatchObject({ status: "ok", stdout: "next\n" });
    await sb.dispose();
  });

  it("keeps the host healthy over 1,000 mixed runs (rss bounded)", async () => {
    const sb = await createSandbox({ limits: { timeoutMs: 2000 } });
    const mix = [
      () => sb.run(`console.log(1 + 1)`),
      () => sb.run(`throw new Error("x")`),
      () => sb.run(`const a = []; for (;;) a.push({ a: a.length })`, { heapBytes: 1 * 2 ** 20 }),
      () => sb.run(`for (;;) {}`, { timeoutMs: 5 }),
    ];
    const counts: Record<string, number> = {};
    const runBatch = async (n: number) => {
      for (let i = 0; i < n; i += 2) {
        const rs = await Promise.all([mix[i % 4]!(), mix[(i + 1) % 4]!()]);
        for (const r of rs) counts[r.status] = (counts[r.status] ?? 0) + 1;
      }
    };
    await runBatch(100); // warm up
    const before = process.memoryUsage().rss;
    await runBatch(900);
    const growth = process.memoryUsage().rss - before;
    expect(counts).toMatchObject({ ok: 250, error: 250, out_of_memory: 250, timeout: 250 });
    expect(growth).toBeLessThan(100 * 2 ** 20);
    await sb.dispose();
  }, 120_000);
});
