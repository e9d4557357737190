import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze, compile, instantiateFrozen } from "../src/index.js";

// Every function here must freeze. Inputs are generated per function; the frozen wrapper must give
// exactly (Object.is) what Node gives for the original JS, or `undefined` ("not handled") when
// Node throws (deep recursion) or an argument is not a number.
const CORPUS = `
function fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }
function gcd(a, b) {
  for (let i = 0; i < 2000 && b !== 0; i++) { const t = b; b = a % b; a = t; }
  return a;
}
function collatz(n) {
  let steps = 0;
  while (n !== 1 && steps < 500) { n = n % 2 === 0 ? n / 2 : 3 * n + 1; steps++; }
  return steps;
}
function isPrime(n) {
  if (n < 2 || n > 1e9) return false;
  for (let i = 2; i * i <= n; i++) { if (n % i === 0) return false; }
  return true;
}
function sumSquares(n) { let s = 0; for (let i = 0; i < n && i < 5000; i++) s += i * i; return s; }
function sumTo(a, b) { let s = a; for (let i = 0; i < 3; i++) { s = s + b; } return s; }
function popcount(x) { let c = 0; x = x | 0; while (x !== 0) { x &= x - 1; c++; } return c; }
function mix(a, b) { return ((a << 5) ^ (b >>> 3)) + (a >> 2) - ~b; }
function hash(a, b) { let h = a | 0; h = Math.imul(h ^ (h >>> 16), 0x85ebca6b); h ^= b; return h >>> 0; }
function ushr(a, b) { return a >>> b; }
function lerp(a, b, t) { return a + (b - a) * t; }
function avg(a, b) { return (a + b) / 2; }
function poly(x) { return 3 * x * x - 2 * x + 1 / (x + 0.5); }
function add(a, b) { return a + b; }
function sub(a, b) { return a - b; }
function mul(a, b) { return a * b; }
function div(a, b) { return a / b; }
function mod(a, b) { return a % b; }
function neg(a) { return -a; }
function plus(a) { return +a; }
function toInt(a) { return a | 0; }
function not(a) { return ~a; }
function pw(a, b) { return a ** b; }
function rnd(x) { return Math.round(x); }
function flr(x) { return Math.floor(x) + Math.ceil(x) * 2 + Math.trunc(x) * 3; }
function sgn(x) { return Math.sign(x); }
function ab(x) { return Math.abs(x); }
function mm(a, b) { return Math.max(a, b, -0) - Math.min(a, 0, b); }
function mn(a, b) { return Math.min(a, b); }
function mx(a) { return Math.max(a); }
function fr(x) { return Math.fround(x) + Math.clz32(x); }
function rt(x) { return Math.sqrt(x) + Math.floor(Math.sqrt(Math.abs(x))); }
function trig(x) { return Math.sin(x) * Math.cos(x) + Math.atan2(x, 2) + Math.exp(-x * x) + Math.log(Math.abs(x) + 1); }
function mathy(x, y) { return Math.round(x) + Math.floor(y) * Math.sign(x) - Math.trunc(x / 3) + Math.abs(x - y); }
function lt(a, b) { return a < b || a !== a; }
function le(a, b) { return a <= b && !(a >= b); }
function eq(a, b) { return a === b; }
function ne(a, b) { return a != b; }
function andv(a, b) { return a && b; }
function orv(a, b) { return a || b; }
function pick(a, b) { return a > b ? a - b : b - a; }
function isNeg(x) { return !(x >= 0); }
function inc(x) { let y = x; y++; ++y; y--; return y++ + --y; }
function compound(x, y) { let z = x; z += y; z *= 2; z -= y; z %= 7; z <<= 1; z |= 1; z >>= 1; z ^= y; z /= 3; return z; }
function seq(x) { let a = 0; const b = (a = x + 1, a * 2); return b; }
function isEven(n) { return n === 0 ? true : n < 0 ? isEven(-n) : isOdd(n - 1); }
function isOdd(n) { return n === 0 ? false : n < 0 ? isOdd(-n) : isEven(n - 1); }
function down(n) { return n <= 0 ? n : down(n - 1); }
function nest(n, m) {
  let s = 0; let flag = false;
  for (let i = 0; i < n && i < 60; i++) {
    if (i % 7 === 3) continue;
    let t = i;
    for (let j = 0; j < m && j < 40; j++) { if (j === i) break; if (j % 2) continue; t += j; s ^= t; }
    while (t > 100) t = t >> 1;
    flag = !flag;
    if (s > 1e6) break;
    s += flag ? t : -t;
    n = n - 0.5;
  }
  return s;
}
function nestDo(x) {
  let k = 0;
  do { let j = 0; while (j < 3) { k += x * j; j++; } x = x / 2 - 1; } while (x > 1 && k < 1e9);
  return k;
}
`;

const EDGES = [
  0,
  -0,
  1,
  -1,
  2,
  -2,
  3,
  7,
  31,
  32,
  33,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 32 + 1,
  46340,
  46341,
  65536,
  -65536,
  2 ** 53,
  -(2 ** 53),
  2 ** 53 + 2,
  2 ** 63,
  2 ** 64 + 4096,
  1e308,
  -1e308,
  1.7976931348623157e308,
  5e-324,
  -5e-324,
  Number.NaN,
  Infinity,
  -Infinity,
  0.5,
  -0.5,
  1.5,
  -1.5,
  2.5,
  -2.5,
  0.49999999999999994,
  -0.49999999999999994,
  0.1,
  1e-7,
  4503599627370497,
];
const anyNumber = fc.oneof(
  fc.constantFrom(...EDGES),
  fc.integer(),
  fc.integer({ min: -100, max: 100 }),
  fc.double(),
  fc.double({ min: -1000, max: 1000, noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }).map((n) => n / 4),
);
const nonNumber = fc.oneof(
  fc.string(),
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.object(),
  fc.bigInt(),
);
// Mostly numbers, sometimes one non-number somewhere.
const argsOf = (n: number, num: fc.Arbitrary<number> = anyNumber): fc.Arbitrary<unknown[]> =>
  fc.oneof(
    { weight: 9, arbitrary: fc.tuple(...Array.from({ length: n }, () => num)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.tuple(...Array.from({ length: n }, () => num)), fc.nat(n - 1), nonNumber)
        .map(([args, i, bad]) => {
          const out: unknown[] = [...args];
          out[i] = bad;
          return out;
        }),
    },
  );

// Recursion is exponential (fib) or linear (isEven): keep inputs where Node finishes quickly,
// plus huge ones that overflow Node's stack (frozen code must then say "not handled").
const smallOrHuge = fc.oneof(
  fc.integer({ min: -5, max: 18 }),
  fc.integer({ min: -20, max: 60 }).map((n) => n / 4),
  fc.constantFrom(-0, Number.NaN, -Infinity, Infinity, 1e308, 2 ** 31 - 1, 1e6, 0.5, -1e308),
);
const depthy = fc.oneof(
  fc.integer({ min: -4000, max: 4000 }),
  fc.constantFrom(-0, Number.NaN, Infinity, -Infinity, 1e308, 2 ** 31 - 1, -(2 ** 31), 1e6, 2.5),
);

const ARITY_OVERRIDES: Record<string, fc.Arbitrary<unknown[]>> = {
  fib: argsOf(1, smallOrHuge),
  isEven: argsOf(1, depthy),
  isOdd: argsOf(1, depthy),
  down: argsOf(1, depthy),
};

const report = analyze(CORPUS);
const frozen = compile(CORPUS, report);
const instance = instantiateFrozen(frozen);
const original = new Function(
  `${CORPUS}\nreturn { ${report.functions.map((f) => f.name).join(", ")} };`,
)() as Record<string, (...args: unknown[]) => unknown>;

function expected(name: string, args: unknown[]): { value: unknown } | { threw: true } {
  try {
    return { value: original[name]!(...args) };
  } catch {
    return { threw: true };
  }
}

describe("differential: frozen wasm vs Node on the same JS", () => {
  it("freezes the whole corpus", () => {
    const rejected = report.functions.filter((f) => !f.frozen);
    expect(rejected).toEqual([]);
    expect(frozen.functions.map((f) => f.name)).toEqual(report.functions.map((f) => f.name));
  });

  it("uses the int32 path where values can stay int32", () => {
    const paths = Object.fromEntries(frozen.functions.map((f) => [f.name, f.paths.join("+")]));
    expect(paths).toMatchObject({
      fib: "int32+f64",
      gcd: "int32+f64",
      collatz: "int32+f64",
      isPrime: "int32+f64",
      div: "int32+f64",
      mod: "int32+f64",
      hash: "f64",
      poly: "f64",
      pw: "f64",
      trig: "f64",
      rt: "f64",
    });
  });

  for (const fn of frozen.functions) {
    it(`${fn.name}: Object.is-equal to Node for random and edge inputs`, () => {
      const wrapped = fn.wrap(instance);
      const args = ARITY_OVERRIDES[fn.name] ?? argsOf(fn.params.length);
      fc.assert(
        fc.property(args, (a) => {
          const got = wrapped(...a);
          if (a.slice(0, fn.params.length).some((x) => typeof x !== "number")) {
            return got === undefined;
          }
          const want = expected(fn.name, a);
          if ("threw" in want) return got === undefined;
          return Object.is(got, want.value);
        }),
        { numRuns: 300 },
      );
    });
  }

  it("answers every int32 edge pair exactly on + - * / %", () => {
    const ints = [0, 1, -1, 2, -2, 3, 2 ** 31 - 1, -(2 ** 31), 65536, 46341, -46341, 7, -7];
    for (const name of ["add", "sub", "mul", "div", "mod", "ushr", "mix", "avg"]) {
      const w = frozen.functions.find((f) => f.name === name)!.wrap(instance);
      for (const a of ints) {
        for (const b of ints) {
          const want = original[name]!(a, b);
          expect(Object.is(w(a, b), want), `${name}(${a}, ${b}) = ${String(want)}`).toBe(true);
        }
      }
    }
  });

  it("runs the f64 path when an int32 path overflows midway", () => {
    const sumSquares = frozen.functions.find((f) => f.name === "sumSquares")!.wrap(instance);
    expect(sumSquares(5000)).toBe(original.sumSquares!(5000)); // 41654167500 > 2^31
    expect(sumSquares(100)).toBe(328350);
  });
});
