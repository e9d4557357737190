import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze, compile, explain, instantiateFrozen } from "../src/index.js";

// Typed-array parameters: the frozen wrapper must return exactly (Object.is) what Node returns
// for the original JS *and* leave the arrays with exactly the same elements; or say "not
// handled" (undefined) and leave them untouched, so the interpreter can run the original.
const CORPUS = `
function sum(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }
function scale(a, k) { for (let i = 0; i < a.length; i++) a[i] = a[i] * k; return a.length; }
function get(a, i) { return a[i]; }
function put(a, i, v) { a[i] = v; return a[i]; }
function bump(a, i) { const x = a[i]++; ++a[i]; a[i] += 2; a[i] -= 0.5; return x + a[i]; }
function dot(a, b) { let s = 0; const n = Math.min(a.length, b.length); for (let i = 0; i < n; i++) s += a[i] * b[i]; return s; }
function prefix(a) { for (let i = 1; i < a.length; i++) a[i] = a[i] + a[i - 1]; return a[a.length - 1]; }
function fill(a, v) { let i = 0; while (i < a.length) { a[i] = v * i; i++; } return i; }
function len(a) { return a.length; }
`;

const KINDS = [
  Int32Array,
  Float64Array,
  Uint8Array,
  Float32Array,
  Int8Array,
  Int16Array,
  Uint16Array,
  Uint32Array,
] as const;
type Kind = (typeof KINDS)[number];

const report = analyze(CORPUS);
const frozen = compile(CORPUS, report);
const instance = instantiateFrozen(frozen);
const original = new Function(
  `${CORPUS}\nreturn { ${report.functions.map((f) => f.name).join(", ")} };`,
)() as Record<string, (...args: unknown[]) => unknown>;
const wrapped = (name: string) => frozen.functions.find((f) => f.name === name)!.wrap(instance);

const number = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.double({ noDefaultInfinity: false }),
  fc.constantFrom(-0, Number.NaN, 0.5, -1.5, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 + 3, 1e20, 255.5),
);
const kind = fc.constantFrom(...KINDS);
const array = fc.tuple(kind, fc.array(number, { maxLength: 12 })).map(([K, xs]) => ({ K, xs }));
const index = fc.oneof(
  fc.integer({ min: -2, max: 14 }),
  fc.constantFrom(-0, 0.5, Number.NaN, Infinity, 2 ** 31),
);

function make(K: Kind, xs: number[]): Int32Array | Float64Array {
  return new (K as unknown as new (xs: number[]) => Int32Array)(xs);
}

/** Calls answered "not handled", by function. */
const declined = new Map<string, number>();

/**
 * Runs both on fresh copies; the results and the arrays after must match Object.is-exactly. A
 * "not handled" answer (an index out of bounds, say) must leave the arrays untouched.
 */
function same(name: string, build: () => unknown[]): boolean {
  const mine = build();
  const theirs = build();
  const got = wrapped(name)(...mine);
  if (got === undefined) {
    declined.set(name, (declined.get(name) ?? 0) + 1);
    return mine.every((a, i) => sameValue(a, build()[i]));
  }
  const want = original[name]!(...theirs);
  return Object.is(got, want) && mine.every((a, i) => sameValue(a, theirs[i]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length || a.constructor !== b.constructor) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  return Object.is(a, b);
}

describe("typed-array parameters", () => {
  it("freezes functions that index their typed-array parameters, and says why not otherwise", () => {
    expect(report.functions.every((f) => f.frozen)).toBe(true);
    const sum = frozen.functions.find((f) => f.name === "sum")!;
    expect(sum.paramKinds).toEqual(["typedarray"]);
    expect(frozen.functions.find((f) => f.name === "put")!.paramKinds).toEqual([
      "typedarray",
      "number",
      "number",
    ]);
    const rejected = analyze(`
      function pass(a) { return sum(a); }
      function sum(a) { return a[0]; }
      function asValue(a) { const b = a; return b[0]; }
      function method(a) { return a.indexOf(1); }
      function reassign(a) { a = 1; return a[0]; }
      function boolStore(a) { a[0] = true; return 1; }
    `);
    expect(explain(rejected)).toEqual([
      "pass: not frozen — calls sum, which takes a typed array",
      "sum: frozen (int32 + f64 paths)",
      "asValue: not frozen — property access b[0]",
      "method: not frozen — calls a method: a.indexOf",
      "reassign: not frozen — assigns to typed array parameter a",
      "boolStore: not frozen — stores a boolean in a[0]",
    ]);
  });

  it("reads, writes and converts like JS for every supported kind", () => {
    fc.assert(
      fc.property(array, number, ({ K, xs }, k) => same("scale", () => [make(K, xs), k])),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(array, index, number, ({ K, xs }, i, v) =>
        same("put", () => [make(K, xs), i, v]),
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(array, index, ({ K, xs }, i) => same("bump", () => [make(K, xs), i])),
      { numRuns: 300 },
    );
    for (const name of ["sum", "prefix", "len"]) {
      fc.assert(
        fc.property(array, ({ K, xs }) => same(name, () => [make(K, xs)])),
        { numRuns: 200 },
      );
    }
    fc.assert(
      fc.property(array, number, ({ K, xs }, v) => same("fill", () => [make(K, xs), v])),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(array, array, (a, b) => same("dot", () => [make(a.K, a.xs), make(b.K, b.xs)])),
      { numRuns: 200 },
    );
    // Every call that cannot index out of bounds really ran in wasm.
    for (const name of ["scale", "sum", "len", "fill", "dot"])
      expect(declined.get(name)).toBeUndefined();
    expect(declined.get("put")).toBeGreaterThan(0); // random indexes do go out of bounds
  });

  it("tells hosts which parameters are typed arrays and which arrays each function writes", () => {
    const section = (name: string) => {
      const mod = new WebAssembly.Module(frozen.wasm);
      const [bytes] = WebAssembly.Module.customSections(mod, name);
      return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    };
    expect(section("airlock.paramKinds")).toMatchObject({
      sum: ["typedarray"],
      put: ["typedarray", "number", "number"],
      dot: ["typedarray", "typedarray"],
    });
    // Only written arrays are copied back after a call.
    expect(section("airlock.writtenArrays")).toMatchObject({
      sum: [],
      scale: [0],
      put: [0],
      bump: [0],
      dot: [],
      len: [],
    });
  });

  it("handles in-bounds reads and says 'not handled' out of bounds (JS gives undefined)", () => {
    const get = wrapped("get");
    const a = new Int32Array([5, 6, 7]);
    expect(get(a, 2)).toBe(7);
    expect(Object.is(get(new Float64Array([-0]), -0), -0)).toBe(true);
    for (const i of [3, -1, 0.5, Number.NaN, Infinity]) expect(get(a, i)).toBeUndefined();
  });

  it("leaves the arrays untouched when it does not handle a call", () => {
    const put = wrapped("put");
    const a = new Int32Array([1, 2, 3]);
    expect(put(a, 3, 9)).toBeUndefined(); // out-of-bounds store: the interpreter's business
    expect([...a]).toEqual([1, 2, 3]);
    // Int32 path overflows midway, the f64 path redoes it from the original elements.
    const big = new Float64Array([2 ** 31 - 1, 1, 1]);
    expect(wrapped("prefix")(big)).toBe(2 ** 31 + 1);
    expect([...big]).toEqual([2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1]);
    const ints = new Int32Array([2 ** 31 - 1, 1, 1]);
    expect(wrapped("prefix")(ints)).toBe(original.prefix!(new Int32Array([2 ** 31 - 1, 1, 1])));
  });

  it("does not handle non-typed-arrays, lookalikes, Uint8ClampedArray, or aliased arrays", () => {
    const sum = wrapped("sum");
    expect(sum([1, 2, 3])).toBeUndefined();
    expect(sum({ length: 1, 0: 1 })).toBeUndefined();
    const fake = Object.create(Int32Array.prototype) as Int32Array;
    expect(sum(fake)).toBeUndefined();
    expect(sum(new Uint8ClampedArray([1]))).toBeUndefined();
    expect(sum(new BigInt64Array(1))).toBeUndefined();
    const a = new Int32Array([1, 2]);
    expect(wrapped("dot")(a, a)).toBeUndefined();
    expect(wrapped("dot")(a, new Int32Array(a.buffer, 4, 1))).toBeUndefined();
    expect(wrapped("dot")(a, new Int32Array([3, 4]))).toBe(11);
  });

  it("grows memory for large arrays and works on views with an offset", () => {
    const n = 300_000; // 2.4 MB as float64s: more than the initial page
    const a = new Float64Array(n).fill(0.5);
    expect(wrapped("sum")(a)).toBe(n / 2);
    const buf = new Int16Array([9, 9, 1, 2, 3, 9]);
    const view = new Int16Array(buf.buffer, 4, 3);
    expect(wrapped("scale")(view, 2)).toBe(3);
    expect([...buf]).toEqual([9, 9, 2, 4, 6, 9]);
  });
});
