import { describe, expect, it } from "vitest";
import { analyze, explain, FreezeParseError } from "../src/index.js";
import type { FunctionReport } from "../src/index.js";

function only(source: string): FunctionReport {
  const fns = analyze(source).functions;
  expect(fns).toHaveLength(1);
  return fns[0]!;
}

describe("analyze accepts pure numeric functions", () => {
  const accepted: [string, string, string[]][] = [
    [
      "fib",
      "function fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }",
      ["int32", "f64"],
    ],
    ["sq", "const sq = (x) => x * x;", ["int32", "f64"]],
    ["half", "const half = function (x) { return x / 2; };", ["int32", "f64"]],
    ["area", "function area(r) { return Math.PI * r * r; }", ["f64"]],
    ["frac", "function frac(x) { return x * 0.5; }", ["f64"]],
    [
      "loops",
      "function loops(n) { let s = 0; for (let i = 0; i < n; i++) { if (i % 3 === 0) continue; s += i; } let j = 0; while (j < 3) j++; do { j--; } while (j > 0); return s; }",
      ["int32", "f64"],
    ],
    [
      "fl",
      "function fl(x) { return Math.floor(Math.sqrt(x)) + Math.imul(x, 3) + Math.clz32(x); }",
      ["int32", "f64"],
    ],
    ["cmp", "function cmp(a, b) { return a < b && b < 10; }", ["int32", "f64"]],
    ["logic", "function logic(a, b) { return (a || b) && a - b; }", ["int32", "f64"]],
    ["varTop", "function varTop(n) { var k = n * 2; return k; }", ["int32", "f64"]],
    ["strict", "function strict(n) { 'use strict'; return -n; }", ["int32", "f64"]],
    [
      "named",
      "const named = function inner(n) { return n <= 0 ? 0 : inner(n - 1) + 1; };",
      ["int32", "f64"],
    ],
    ["pw", "function pw(x) { return x ** 2; }", ["f64"]],
  ];
  it.each(accepted)("%s", (name, source, paths) => {
    const f = only(source);
    expect(f).toMatchObject({ name, frozen: true, paths });
  });

  it("reads top-level numeric constants and lists what the code depends on", () => {
    const src = "const K = 7; const H = -0.5; function g(x) { return x + K + Math.abs(x); }";
    const f = analyze(src).functions[0]!;
    expect(f).toMatchObject({ name: "g", frozen: true, dependsOn: ["K", "Math.abs"] });
    const h = analyze(`${src} function h(x) { return g(x) * H; }`).functions[1]!;
    expect(h).toMatchObject({
      frozen: true,
      paths: ["f64"],
      dependsOn: ["H", "K", "Math.abs", "g"],
    });
  });

  it("accepts mutual recursion returning booleans", () => {
    const src = `function even(n) { return n === 0 ? true : odd(n - 1); }
      function odd(n) { return n === 0 ? false : even(n - 1); }`;
    const fns = analyze(src).functions;
    expect(fns.map((f) => [f.name, f.frozen, f.frozen && f.returns])).toEqual([
      ["even", true, "boolean"],
      ["odd", true, "boolean"],
    ]);
  });

  it("handles export declarations in modules", () => {
    const fns = analyze(
      "export function inc(x) { return x + 1; } export const dec = (x) => x - 1;",
    );
    expect(fns.sourceType).toBe("module");
    expect(fns.functions.map((f) => f.frozen)).toEqual([true, true]);
  });
});

describe("analyze rejects what it cannot prove safe, with the reason", () => {
  const rejected: [string, string][] = [
    ["function f() { return this.x; }", "uses this"],
    ["function f() { return arguments.length; }", "uses arguments"],
    ["let x = 1; function f(n) { return n + x; }", "captures mutable variable x"],
    ["function f(o) { return o.p; }", "property access o.p"],
    ["function f(n) { try { return n; } catch (e) { return 0; } }", "try/catch"],
    ['function f(n) { return "a" + n; }', "string literal"],
    ["function f(n) { return parseInt(n); }", "calls non-frozen function parseInt"],
    ["function* f(n) { yield n; }", "is a generator"],
    ["async function f(n) { return n; }", "is async"],
    ["function f(n) { return Math.random() * n; }", "Math.random is not pure"],
    ["function f(n) { const g = () => n; return g(); }", "contains a nested function (closure)"],
    ["function f(n) { return eval('n'); }", "the program uses eval (it could rebind anything)"],
    ["function f(n) { let a; return n; }", "a has no initializer (it could be undefined)"],
    ["function f(n) { return n === true; }", "compares a boolean with a number: n === true"],
    ["function f(n) { const k = 1; k = 2; return n; }", "assigns to const k"],
    ["function f(n) { x = n; return n; } let x = 0;", "assigns to outer variable x"],
    ["function f(n) { n++; }", "never returns a value"],
    ["function f(n) { return n > 0 ? 1 : false; }", "? : mixes a boolean and a number"],
    ["function f(n) { return y; }", "reads global y"],
    ["function f(n) { return n + y; let y = 1; }", "uses y before its declaration"],
    ["function f(n = 1) { return n; }", "has a default parameter"],
    ["function f(...n) { return 1; }", "has a rest parameter"],
    ["function f(n) { switch (n) { case 1: return 1; } return 0; }", "switch statement"],
    ["function f(n) { if (n) { var v = 1; } return n; }", "var declared inside a block (use let)"],
    ["function f(n) { return [n][0]; }", "array literal"],
    ["function f(n) { return Math.E.x; }", "property access Math.E.x"],
    ["function f(n) { return f(n, 1); }", "calls f with 2 argument(s), it takes 1"],
    ["function f(n) { return n; } f = null;", "binding f is reassigned or redeclared"],
    [
      "function f(n) { const Math = 1; return Math.abs(n); }",
      "Math is shadowed by a local binding",
    ],
    ["function f(n) { return typeof n; }", "typeof operator"],
    ["function f(n) { return 1n; }", "BigInt literal"],
    ["function f(n) { let b = n > 1; b = 2; return n; }", "b changes between boolean and number"],
  ];
  it.each(rejected)("%s → %s", (source, reason) => {
    const f = analyze(source).functions.find((x) => x.name === "f")!;
    expect(f).toMatchObject({ frozen: false, reason });
  });

  it("propagates non-frozen callees", () => {
    const fns = analyze(
      "function g(o) { return o.p; } function f(n) { return g(n) + 1; }",
    ).functions;
    expect(fns.find((x) => x.name === "f")).toMatchObject({
      frozen: false,
      reason: "calls non-frozen function g",
    });
  });

  it("explains each function in one line", () => {
    const src = `function fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }
      function area(r) { return Math.PI * r * r; }
      function render() { return this.x; }`;
    expect(explain(analyze(src))).toEqual([
      "fib: frozen (int32 + f64 paths)",
      "area: frozen (f64 path)",
      "render: not frozen — uses this",
    ]);
  });

  it("throws FreezeParseError with a position on bad syntax", () => {
    expect(() => analyze("function (")).toThrow(FreezeParseError);
    try {
      analyze("let a = 1;\nfunction f( {");
    } catch (err) {
      expect(err).toMatchObject({ code: "AIRLOCK_FREEZE_PARSE", line: 2 });
    }
  });

  it("parses sloppy scripts when a module parse fails", () => {
    const r = analyze("with (o) {} function f(n) { return n; }");
    expect(r.sourceType).toBe("script");
    expect(r.functions[0]).toMatchObject({
      frozen: false,
      reason: "the program uses a with statement",
    });
  });
});
