// Top-level loops outlined at build time, run for real: `build()` here, then `airlock run
// app.airlock` (the CLI: a worker, QuickJS in wasm, the frozen module), against `node prog.js`.
// Needs @airlock/cli built (`pnpm --filter @airlock/cli build`); without it these fail, they do
// not skip.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { build } from "../../src/index.js";
import { app } from "../helpers.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const AIRLOCK = join(ROOT, "packages/cli/bin/airlock.js");
// The shared benchmark programs (as bench/src/programs.mjs finds them).
const PROGRAMS =
  [join(ROOT, "../shared/bench-programs"), process.env.AIRLOCK_BENCH_PROGRAMS ?? ""].find(
    (d) => d !== "" && existsSync(d),
  ) ?? join(ROOT, "../shared/bench-programs");

function sh(args: string[], timeout = 120_000) {
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Builds `source` and returns the explain lines and what node and the built artifact print. */
async function compare(source: string, runFlags: string[] = []) {
  const dir = app({ "prog.js": source });
  const prog = join(dir, "prog.js");
  const out = join(dir, "prog.airlock");
  const r = await build({ entry: prog, outFile: out });
  const node = sh([prog]);
  const built = sh([AIRLOCK, "run", ...runFlags, out]);
  return { explain: r.explain, frozen: r.manifest.frozen.map((f) => f.name), node, built, dir };
}

function firstLine(s: string): string {
  return s.split("\n").find((l) => l.trim() !== "") ?? "";
}

describe("outlined top-level loops under airlock run", () => {
  it("has the CLI to run artifacts with", () => {
    expect(existsSync(join(ROOT, "packages/cli/dist/main.js")), "build @airlock/cli first").toBe(
      true,
    );
  });

  for (const name of ["loop.js", "typed-array.js", "tail-call.js"]) {
    it(`${name} (unchanged) prints what node prints, its hot loop outlined`, async () => {
      const c = await compare(readFileSync(join(PROGRAMS, name), "utf8"));
      expect(c.built.stderr).toBe("");
      expect(c.built.stdout).toBe(c.node.stdout);
      expect(c.built.status).toBe(0);
      expect(
        c.explain.some((l) => /^loop at bundle line \d+: outlined as __airlock_loop\d/.test(l)),
      ).toBe(true);
      expect(c.frozen.some((n) => n.startsWith("__airlock_loop"))).toBe(true);
    }, 120_000);
  }

  it("--explain says which loops were outlined and why the others were not", async () => {
    const c = await compare(`const xs = [];
for (let i = 0; i < 10; i++) xs.push(i);
let acc = 0;
for (let i = 0; i < 10; i++) acc += xs[i];
for (let i = 0; i < 3; i++) { var leaked = i; }
for (let i = 0; i < 3; i++) late += i;
let late = 0;
console.log(acc, leaked);
`);
    // Bundle lines: esbuild reformats (`// prog.js` first, the block of line 5 on three lines,
    // `var leaked;` hoisted after it, `let` turned into `var`).
    expect(c.explain).toEqual([
      "loop at bundle line 3: not outlined — calls a method: xs.push",
      "loop at bundle line 5: outlined as __airlock_loop1 (int32 + f64 paths)",
      "loop at bundle line 6: not outlined — uses leaked before its declaration",
      "loop at bundle line 10: not outlined — uses late before its declaration",
    ]);
  }, 60_000);

  it("does not outline a loop that declares a var (it would be a top-level binding)", async () => {
    const { outlineLoops } = await import("../../src/outline.js");
    const o = outlineLoops(`var s = 0;\nfor (var i = 0; i < 3; i++) s += i;\n`);
    expect(o.candidates).toEqual([]);
    expect(o.rejected).toEqual([
      { line: 2, reason: "declares a var inside the loop (it would be a top-level binding)" },
    ]);
  });

  // Each program reads an array that the frozen code must not take (or must take exactly),
  // and prints something that differs if it got it wrong.
  const adversarial: Record<string, string> = {
    "a string element (JS coerces it: '3' * 3 is 9, '3' + … concatenates)": `const arr = [];
for (let i = 0; i < 1000; i++) arr.push(i);
arr[500] = "7";
let acc = 0;
for (let i = 0; i < arr.length; i++) acc = acc + arr[i] * 3;
let cat = 0;
for (let i = 0; i < arr.length; i++) cat = cat + arr[i];
console.log(acc, String(cat).length);
`,
    "a hole, filled from Array.prototype by a counting getter": `const arr = [];
for (let i = 0; i < 100; i++) arr.push(i);
delete arr[40];
let calls = 0;
Object.defineProperty(Array.prototype, 40, { get() { calls++; return 1000; }, configurable: true });
let acc = 0;
for (let i = 0; i < arr.length; i++) acc += arr[i];
console.log(acc, calls);
`,
    "a hole over a Proxy in the prototype chain (no trap may run in the check)": `const arr = [];
for (let i = 0; i < 100; i++) arr.push(i);
delete arr[40];
const traps = [];
const proto = Object.getPrototypeOf(Array.prototype);
Object.setPrototypeOf(Array.prototype, new Proxy(proto, {
  getOwnPropertyDescriptor(t, k) { traps.push("gopd " + String(k)); return Reflect.getOwnPropertyDescriptor(t, k); },
  get(t, k, r) { if (k === "40") traps.push("get 40"); return Reflect.get(t, k, r); },
}));
let acc = 0;
for (let i = 0; i < arr.length; i++) acc += arr[i];
Object.setPrototypeOf(Array.prototype, proto);
console.log(acc, traps.filter((t) => t.endsWith("40")).join());
`,
    "a getter on an element, counting its calls": `const arr = [];
for (let i = 0; i < 100; i++) arr.push(i);
let calls = 0;
Object.defineProperty(arr, 7, { get() { calls++; return calls; } });
let acc = 0;
for (let run = 0; run < 5; run++) for (let i = 0; i < arr.length; i++) acc += arr[i];
console.log(acc, calls);
`,
    "a getter on Array.prototype for an index past the end": `const arr = [1, 2, 3];
let calls = 0;
Object.defineProperty(Array.prototype, 3, { get() { calls++; return 10; }, configurable: true });
let acc = 0;
for (let i = 0; i <= arr.length; i++) acc += arr[i];
console.log(acc, calls);
`,
    "an out-of-range read (undefined, so NaN)": `const arr = [1, 2, 3];
let acc = 0;
for (let i = 0; i < 4; i++) acc += arr[i];
console.log(acc);
`,
    "two typed arrays on one buffer": `const buf = new ArrayBuffer(8 * 64);
const x = new Float64Array(buf);
const y = new Float64Array(buf, 8);
for (let i = 0; i < 63; i++) x[i] = i;
for (let i = 0; i < 62; i++) y[i] = x[i] + y[i + 1];
let s = 0;
for (let i = 0; i < 64; i++) s += x[i];
console.log(s);
`,
    "a patched Math member": `Math.floor = (v) => v + 0.25;
let acc = 0;
for (let i = 0; i < 100; i++) acc += Math.floor(i / 3);
console.log(acc);
`,
    "a variable captured by a function called later": `let acc = 0;
let steps = 0;
function report() { return acc + "/" + steps; }
for (let i = 0; i < 100000; i++) { acc = (acc + i * 7) % 1000003; steps++; }
console.log(report());
`,
    "a captured variable read through a call inside the loop": `let acc = 0;
function peek() { return acc; }
let seen = 0;
for (let i = 0; i < 1000; i++) { acc += i; seen += peek() % 3; }
console.log(acc, seen);
`,
    "int32 overflow on the int32 path, rerun on f64": `let s = 0;
for (let i = 0; i < 100000; i++) s += i * i;
let m = 2147483647;
for (let i = 0; i < 3; i++) m = m + 1;
console.log(s, m);
`,
    "-0 and NaN written back": `let z = -0;
let n = 0;
for (let i = 0; i < 3; i++) { z = z * 1; n = n / 0 - n / 0; }
console.log(Object.is(z, -0), Number.isNaN(n));
`,
    "a loop body that throws": `let acc = 0;
for (let i = 0; i < 100; i++) { if (i === 50) throw new RangeError("boom at " + acc); acc += i; }
console.log(acc);
`,
    "booleans and strings in top-level variables": `let flag = false;
let label = "n";
let k = 0;
for (let i = 0; i < 10; i++) { if (i > 5) k += 2; }
for (let i = 0; i < 10; i++) { flag = i > 5; }
console.log(k, flag, label);
`,
  };
  for (const [title, source] of Object.entries(adversarial)) {
    it(`behaves like node: ${title}`, async () => {
      const c = await compare(source);
      expect(c.built.stdout).toBe(c.node.stdout);
      expect(c.built.status).toBe(c.node.status);
      if (c.node.status !== 0) {
        const error = (s: string) => /\b\w*Error: .*/.exec(s)?.[0];
        expect(error(c.node.stderr)).toBeDefined();
        expect(error(c.built.stderr)).toBe(error(c.node.stderr));
      }
    }, 60_000);
  }

  it("a written binding keeps its value when the frozen call declines (state array, several outputs)", async () => {
    const c = await compare(`let a = 0, b = 1, n = 0;
for (let i = 0; i < 70; i++) { const t = a + b; a = b; b = t; n++; }
console.log(a, b, n);
`);
    expect(c.explain.at(-1)).toMatch(/outlined as __airlock_loop0 \(int32 \+ f64 paths\)/);
    expect(c.built.stdout).toBe(c.node.stdout);
  }, 60_000);

  it("a frozen loop that runs past --timeout ends like an interpreted one", async () => {
    const source = `let x = 0;
for (let i = 0; i < 1e15; i++) x = (x + i) % 7;
console.log(x);
`;
    const dir = app({ "prog.js": source });
    const r = await build({ entry: join(dir, "prog.js"), outFile: join(dir, "p.airlock") });
    expect(r.explain).toEqual([
      "loop at bundle line 3: outlined as __airlock_loop0 (int32 + f64 paths)",
    ]);
    const t0 = Date.now();
    const built = sh([AIRLOCK, "run", "--timeout", "1s", join(dir, "p.airlock")], 60_000);
    const builtMs = Date.now() - t0;
    const plain = sh([AIRLOCK, "run", "--timeout", "1s", join(dir, "prog.js")], 60_000);
    expect(built.status).not.toBe(0);
    expect(built.status).toBe(plain.status);
    expect(built.stdout).toBe("");
    expect(firstLine(built.stderr)).toBe(firstLine(plain.stderr));
    expect(builtMs).toBeLessThan(20_000);
  }, 90_000);

  it("keeps the lines of the bundle: an error thrown after an outlined loop reports its line", async () => {
    const c = await compare(`let acc = 0;
for (let i = 0; i < 1000; i++) acc += i;
function fail() {
  throw new Error("line 4: " + acc);
}
fail();
`);
    expect(c.explain).toEqual([
      "fail: not frozen — throw statement",
      "loop at bundle line 3: outlined as __airlock_loop0 (int32 + f64 paths)",
    ]);
    expect(c.built.status).toBe(1);
    expect(c.built.stderr).toContain("line 4: 499500");
    // The bundle's line 5 (`// prog.js` comes first): the dispatch moved no line.
    expect(c.built.stderr).toMatch(/prog\.js:5/);
  }, 60_000);
});
