import { describe, expect, it } from "vitest";
import {
  analyze,
  compile,
  frozenImports,
  instantiateFrozen,
  FreezeReportMismatchError,
  FrozenDeadlineError,
} from "../src/index.js";

function build(source: string, options?: Parameters<typeof compile>[2]) {
  const frozen = compile(source, analyze(source), options);
  return frozen;
}

describe("fuel and deadline", () => {
  const spin = "function spin(n) { let i = 0; while (true) { i = i + n; } return i; }";

  it("stops a frozen infinite loop at the deadline with FrozenDeadlineError", () => {
    const frozen = build(spin);
    const start = Date.now();
    const f = frozen.functions[0]!.wrap(instantiateFrozen(frozen, { deadline: start + 150 }));
    let caught: unknown;
    try {
      f(1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FrozenDeadlineError);
    expect(caught).toMatchObject({ code: "AIRLOCK_FROZEN_DEADLINE", functionName: "spin" });
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it("asks the host for fuel every N units and stops when it returns 0", () => {
    const frozen = build(spin);
    let calls = 0;
    const instance = instantiateFrozen(frozen, { checkpoint: () => (++calls <= 5 ? 1000 : 0) });
    expect(() => frozen.functions[0]!.wrap(instance)(1)).toThrow(FrozenDeadlineError);
    expect(calls).toBe(6);
  });

  it("lets finite work finish across many checkpoints (allow beside deny)", () => {
    const src = "function sum(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }";
    const frozen = build(src);
    let calls = 0;
    const instance = instantiateFrozen(frozen, {
      checkpoint: () => {
        calls++;
        return 100;
      },
    });
    expect(frozen.functions[0]!.wrap(instance)(10_000)).toBe(49995000);
    expect(calls).toBeGreaterThanOrEqual(100);
  });

  it("charges fuel for calls too (recursion without loops still stops)", () => {
    const frozen = build("function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }");
    const instance = instantiateFrozen(frozen, { deadline: Date.now() + 100 });
    expect(() => frozen.functions[0]!.wrap(instance)(60)).toThrow(FrozenDeadlineError);
  });

  it("validates fuel", () => {
    expect(() => frozenImports({ fuel: 0 })).toThrow(RangeError);
  });
});

describe("deep recursion", () => {
  const deep = "function deep(n) { return n === 0 ? 0 : 1 + deep(n - 1); }";

  it("bails out cleanly at depth 100k (default maxDepth) and keeps working", () => {
    const frozen = build(deep);
    const f = frozen.functions[0]!.wrap(instantiateFrozen(frozen));
    expect(f(100_000)).toBeUndefined();
    expect(f(100_000.5)).toBeUndefined();
    expect(f(4_000)).toBe(4_000);
    expect(f(10)).toBe(10);
  });

  it("honours a smaller maxDepth", () => {
    const frozen = build(deep, { maxDepth: 100 });
    const f = frozen.functions[0]!.wrap(instantiateFrozen(frozen));
    expect(f(100)).toBe(100);
    expect(f(101)).toBeUndefined();
  });

  it("turns a host stack overflow into 'not handled' when maxDepth is set too high", () => {
    const frozen = build(deep, { maxDepth: 1_000_000 });
    const f = frozen.functions[0]!.wrap(instantiateFrozen(frozen));
    expect(f(900_000)).toBeUndefined();
    expect(f(10)).toBe(10);
  });

  it("rejects a nonsensical maxDepth", () => {
    expect(() => build(deep, { maxDepth: 0 })).toThrow(RangeError);
  });
});

describe("recursion unrolling", () => {
  it("unrolls small recursion: one checkpoint per several levels, same answers", () => {
    let checkpoints = 0;
    const frozen = build("function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }");
    const instance = instantiateFrozen(frozen, {
      fuel: 1000,
      checkpoint: () => (++checkpoints, 1000),
    });
    const fib = frozen.functions[0]!.wrap(instance);
    expect(fib(25)).toBe(75025);
    // 242785 calls; one tick per call would be ~243 checkpoints of 1000 units.
    expect(checkpoints).toBeGreaterThan(10);
    expect(checkpoints).toBeLessThan(243 / 2);
  });

  it("compiles big mutually recursive functions (no clones) in bounded time", () => {
    const big = Array.from({ length: 300 }, (_, i) => `(n ^ ${i})`).join(" + ");
    const src = `function even(n) { if (n <= 0) return ${big}; return odd(n - 1); }
function odd(n) { if (n <= 0) return 1; return even(n - 1) + odd(n - 1) * 0; }`;
    const frozen = build(src);
    const original = new Function(`${src}; return even;`)() as (n: number) => number;
    const even = frozen.functions[0]!.wrap(instantiateFrozen(frozen));
    for (const n of [0, 1, 5, 12]) expect(even(n)).toBe(original(n));
  });
});

describe("wrapper contract", () => {
  const src = "function f(a, b) { if (a > 100) { return; } return a + b; }";
  const frozen = build(src);
  const f = frozen.functions[0]!.wrap(instantiateFrozen(frozen));

  it("handles numbers and ignores extra arguments like JS does", () => {
    expect(f(1, 2)).toBe(3);
    expect(f(1, 2, "extra")).toBe(3);
    expect(f(0.5, 2 ** 31 - 1)).toBe(2147483647.5);
  });

  it("says 'not handled' for non-numbers, missing arguments and undefined results", () => {
    expect(f("1", 2)).toBeUndefined();
    expect(f(1)).toBeUndefined();
    expect(f({ valueOf: () => 1 }, 2)).toBeUndefined();
    expect(f(1n, 2)).toBeUndefined();
    expect(f(101, 1)).toBeUndefined(); // `return;` gives undefined in JS
  });

  it("refuses an instance of another module", () => {
    const other = build("function g(x) { return x; }");
    expect(() => frozen.functions[0]!.wrap(instantiateFrozen(other))).toThrow(TypeError);
  });
});

describe("compile inputs", () => {
  it("refuses a report made for other source", () => {
    const report = analyze("function f(x) { return x; }");
    expect(() => compile("function f(x) { return x + 1; }", report)).toThrow(
      FreezeReportMismatchError,
    );
  });

  it("refuses a report that drops a callee but keeps its caller", () => {
    const src = "function g(x) { return x; } function f(x) { return g(x); }";
    const report = analyze(src);
    const trimmed = { ...report, functions: report.functions.filter((f) => f.name !== "g") };
    expect(() => compile(src, trimmed)).toThrow(/f calls g/);
  });

  it("compiles a subset of the report", () => {
    const src = "function g(x) { return x; } function f(x) { return x * 2; }";
    const report = analyze(src);
    const trimmed = { ...report, functions: report.functions.filter((f) => f.name === "f") };
    const out = compile(src, trimmed);
    expect(out.functions.map((f) => f.name)).toEqual(["f"]);
    expect(out.functions[0]!.wrap(instantiateFrozen(out))(21)).toBe(42);
  });

  it("emits a valid, instantiable module with the documented exports", () => {
    const out = build("function f(x) { return x * 2; } function g(x) { return x * 0.5; }");
    expect(WebAssembly.validate(out.wasm)).toBe(true);
    expect(out.functions.map((f) => f.exports)).toEqual([
      { int32: "int32:f", f64: "f64:f" },
      { f64: "f64:g" },
    ]);
  });
});
