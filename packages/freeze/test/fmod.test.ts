import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze, compile, instantiateFrozen } from "../src/index.js";

// JS `%` on doubles is computed inside the wasm (`fmodx` in runtime-helpers.ts), with no host
// import. These compare it with V8's own `%`, bit for bit (Object.is: -0 and NaN included).
const SOURCE = `function md(a, b) { return a % b; }
function modLoop(n, d) { let s = 0; for (let i = 0; i < n; i++) s += (i * 0.5 + d) % 97; return s; }`;
const frozen = compile(SOURCE, analyze(SOURCE));
const instance = instantiateFrozen(frozen);
const f64 = instance.exports["f64:md"] as (depth: number, a: number, b: number) => number;
const md = frozen.functions.find((f) => f.name === "md")!.wrap(instance);

/** Any double, from its 64 bits: every NaN payload, subnormal and exponent is reachable. */
const anyDouble = fc
  .bigInt({ min: 0n, max: (1n << 64n) - 1n })
  .map((bits) => new Float64Array(new BigUint64Array([bits]).buffer)[0]!);

/** Doubles near interesting magnitudes: subnormals, around 1, 2^53, and the top of the range. */
const scaled = fc
  .tuple(
    fc.double({ min: 1, max: 2, noNaN: true }),
    fc.integer({ min: -1074, max: 1023 }),
    fc.boolean(),
  )
  .map(([m, e, neg]) => (neg ? -1 : 1) * m * 2 ** e);

const SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 3, 97, 2 ** 53, 2 ** 53 + 2, 2 ** -1074, -(2 ** -1074)];
const special = fc.constantFrom(
  ...SPECIAL,
  2 ** -1022,
  2 ** -1022 - 2 ** -1074,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  Infinity,
  -Infinity,
  Number.NaN,
);
const operand = fc.oneof(
  anyDouble,
  scaled,
  special,
  fc.double(),
  fc.integer().map((i) => i / 8),
);

function same(a: number, b: number): void {
  const want = a % b;
  const got = f64(0, a, b);
  if (!Object.is(got, want)) expect({ a, b, got }).toEqual({ a, b, got: want });
}

describe("% on doubles in wasm (fmodx)", () => {
  it("imports nothing from the host for %", () => {
    // `WebAssembly.Module.imports` is outside the subset src/webassembly.d.ts declares.
    const reflect = WebAssembly.Module as unknown as {
      imports(m: WebAssembly.Module): { module: string; name: string }[];
    };
    const imports = reflect.imports(new WebAssembly.Module(frozen.wasm));
    expect(imports.map((i) => `${i.module}.${i.name}`)).toEqual(["airlock.checkpoint"]);
  });

  it("matches V8 on the special cases (NaN, ±Infinity, ±0, equal magnitudes, subnormals)", () => {
    const all = [...SPECIAL, Infinity, -Infinity, Number.NaN, Number.MAX_VALUE, 2 ** -1022];
    for (const a of all) for (const b of all) same(a, b);
    // Equal magnitudes give a zero with the dividend's sign.
    expect(Object.is(f64(0, -2.5, 2.5), -0)).toBe(true);
    expect(Object.is(f64(0, 2.5, -2.5), 0)).toBe(true);
  });

  it("matches V8 bit for bit on any pair of doubles (property)", () => {
    fc.assert(
      fc.property(operand, operand, (a, b) => {
        same(a, b);
      }),
      { numRuns: 20_000 },
    );
  });

  it("matches V8 for huge dividends and tiny divisors (long reductions)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e200, max: Number.MAX_VALUE, noNaN: true }),
        fc.double({ min: 2 ** -1074, max: 1e-200, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        (a, b, na, nb) => same(na ? -a : a, nb ? -b : b),
      ),
      { numRuns: 2_000 },
    );
  });

  it("agrees through the wrapper on both paths (int32 arguments try the int path first)", () => {
    fc.assert(
      fc.property(operand, operand, (a, b) => {
        expect(Object.is(md(a, b), a % b)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
    for (const [a, b] of [
      [-4, 2],
      [7, -3],
      [-7, 0],
      [2147483647, -1],
    ] as const) {
      expect(Object.is(md(a, b), a % b)).toBe(true);
    }
  });

  it("a loop of non-integer % gives the same sum as JS", () => {
    const loop = frozen.functions.find((f) => f.name === "modLoop")!.wrap(instance);
    const js = (n: number, d: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (i * 0.5 + d) % 97;
      return s;
    };
    for (const d of [0, 3, -41.25, 1e6 + 0.5]) expect(loop(100_000, d)).toBe(js(100_000, d));
  });
});
