import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { inlineStackCapacity } from "../src/inline.js";

const DRIVER = fileURLToPath(new URL("./fixtures/inline-driver.mjs", import.meta.url));

interface CaseResult {
  name: string;
  status: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  message?: string;
  wallMs: number;
  ticks: number;
}

interface Case {
  name: string;
  code: string;
  options?: Record<string, unknown>;
}

/** Runs `cases` in a fresh node process whose pool is inline, started with `nodeFlags`. */
function runInline(cases: Case[], nodeFlags: string[]): Map<string, CaseResult> {
  const r = spawnSync(process.execPath, [...nodeFlags, DRIVER, JSON.stringify(cases)], {
    encoding: "utf8",
    timeout: 90_000,
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (r.status !== 0) throw new Error(`driver exited ${r.status}: ${r.stderr}`);
  const out = new Map<string, CaseResult>();
  for (const line of r.stdout.trim().split("\n")) {
    const c = JSON.parse(line) as CaseResult;
    out.set(c.name, c);
  }
  return out;
}

// A busy guest loop long enough that a host timer would tick many times if the guest ran on
// another thread.
const BUSY = `const t = Date.now(); while (Date.now() - t < 300) {} console.log("busy done")`;

describe("inline pools (guests on the calling thread)", () => {
  const results = runInline(
    [
      { name: "hello", code: `console.log("hi", { a: [1, 2] })` },
      { name: "busy", code: BUSY },
      { name: "loop", code: `for (;;) {}`, options: { timeoutMs: 200 } },
      // One builtin far longer than the deadline: only the guard can stop it.
      { name: "builtin", code: `Array(1e8).join().length`, options: { timeoutMs: 100 } },
      { name: "after-builtin", code: `console.log("alive", 6 * 7)` },
      {
        name: "builtin-in-timer",
        code: `setTimeout(() => { 'x'.repeat(2 ** 29).length }, 10)`,
        options: { timeoutMs: 100 },
      },
      {
        name: "deep",
        code: `function f(n) { return n === 0 ? 0 : 1 + f(n - 1) } console.log(f(5000))`,
      },
      { name: "overflow", code: `function f(n) { return 1 + f(n + 1) } f(0)` },
      {
        name: "sort-overflow",
        code: `function g(n) { return n === 0 ? 0 : [2, 1].sort(() => g(n - 1))[0] } g(1e6)`,
      },
      {
        name: "memory",
        code: `const a = []; for (;;) a.push(new Array(1000).fill(a.length))`,
        options: { heapBytes: 32 * 1024 * 1024 },
      },
      {
        name: "async",
        code: `setTimeout(() => console.log("timer"), 20); await new Promise((r) => setTimeout(r, 5)); console.log("tla")`,
        options: { filename: "main.mjs" },
      },
      { name: "throws", code: `throw new TypeError("bad")` },
      // A QuickJS stack too big for this thread's native stack: served by a worker thread.
      {
        name: "big-stack",
        code: BUSY + `; function f(n) { return n === 0 ? 0 : 1 + f(n - 1) } console.log(f(15000))`,
        options: { stackBytes: 4 * 1024 * 1024 },
      },
    ],
    ["--stack-size=6144"],
  );
  const get = (name: string) => results.get(name)!;

  it("runs programs on the calling thread: host timers wait while the guest computes", () => {
    expect(get("hello")).toMatchObject({ status: "ok", stdout: "hi { a: [ 1, 2 ] }\n" });
    expect(get("busy")).toMatchObject({ status: "ok", stdout: "busy done\n" });
    // 300 ms of guest work at a 5 ms interval: a worker thread would let ~60 ticks through.
    expect(get("busy").ticks).toBeLessThanOrEqual(2);
  });

  it("ends an infinite loop at the deadline through the interrupt handler", () => {
    expect(get("loop")).toMatchObject({ status: "timeout", exitCode: 124 });
    expect(get("loop").message).not.toContain("stopped");
  });

  it("stops one long builtin at the deadline (V8 termination) and stays usable", () => {
    expect(get("builtin")).toMatchObject({ status: "timeout", exitCode: 124 });
    expect(get("builtin").message).toContain("stuck in one long builtin call");
    expect(get("builtin-in-timer")).toMatchObject({ status: "timeout", exitCode: 124 });
    expect(get("after-builtin")).toMatchObject({ status: "ok", stdout: "alive 42\n" });
  });

  it("keeps QuickJS's stack limit ahead of the thread's native stack", () => {
    expect(get("deep")).toMatchObject({ status: "ok", stdout: "5000\n" });
    for (const name of ["overflow", "sort-overflow"]) {
      expect(get(name)).toMatchObject({ status: "error", exitCode: 1 });
      expect(get(name).stderr).toContain("RangeError");
    }
  });

  it("reports memory exhaustion, async code and uncaught errors as in a worker", () => {
    expect(get("memory")).toMatchObject({ status: "out_of_memory", exitCode: 137 });
    expect(get("async")).toMatchObject({ status: "ok", stdout: "tla\ntimer\n" });
    expect(get("throws")).toMatchObject({ status: "error", exitCode: 1 });
    expect(get("throws").stderr).toContain("TypeError: bad");
  });

  it("gives a run whose stack does not fit this thread a worker thread", () => {
    expect(get("big-stack")).toMatchObject({ status: "ok", stdout: "busy done\n15000\n" });
    expect(get("big-stack").ticks).toBeGreaterThan(10);
  });

  it("falls back to worker threads when node has V8's default stack", () => {
    const r = runInline([{ name: "busy", code: BUSY }], []).get("busy")!;
    expect(r).toMatchObject({ status: "ok", stdout: "busy done\n" });
    expect(r.ticks).toBeGreaterThan(10);
  });
});

describe("inlineStackCapacity", () => {
  const MiB = 1024 * 1024;
  it("derives the QuickJS stack that fits from --stack-size and the OS limit", () => {
    expect(inlineStackCapacity(["--stack-size=6144"], "", 8 * MiB)).toBe(1.25 * MiB);
    expect(inlineStackCapacity([], "--stack-size=6144", Infinity)).toBe(1.25 * MiB);
    // V8's default (~984 KiB) holds no useful QuickJS stack.
    expect(inlineStackCapacity([], "", 8 * MiB)).toBe(0);
  });

  it("refuses a --stack-size the OS stack cannot back", () => {
    expect(inlineStackCapacity(["--stack-size=65000"], "", 8 * MiB)).toBe(0);
    expect(inlineStackCapacity(["--stack-size=6144"], "", 4 * MiB)).toBe(0);
  });
});
