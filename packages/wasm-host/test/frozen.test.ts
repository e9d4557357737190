import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSandbox, type FrozenLink, type RunOptions, type RunResult } from "../src/index.js";
import "./helpers.js";

// Compiled by @airlock/freeze from fixture.source (regenerate: node test/fixtures/make-frozen.mjs).
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/frozen.json", import.meta.url), "utf8"),
) as { source: string; wasm: string; functions: FrozenLink["functions"] };
const FROZEN: FrozenLink = {
  wasm: new Uint8Array(Buffer.from(fixture.wasm, "base64")),
  functions: fixture.functions,
};
const NAMES = ["fib", "spin", "floorSum", "isPrime"];
const PARAM: Record<string, string> = { fib: "n", spin: "n", floorSum: "n", isPrime: "n" };

/**
 * The fixture with the dispatch @airlock/aot-builder inserts: the first statement captures the
 * hoisted function declarations, each function's first statement tries the frozen version while
 * its binding is still the original one.
 */
function linkedSource(): string {
  let src = fixture.source;
  NAMES.forEach((name, i) => {
    const head = `function ${name}(${PARAM[name]}) {`;
    const dispatch =
      ` { const __airlock_f = __airlock_fz[0]; if (__airlock_f !== null && ${name} === __airlock_fz[${i + 1}]) {` +
      ` const __airlock_r = __airlock_f("${name}", ${PARAM[name]}); if (__airlock_r !== undefined) return __airlock_r; } }`;
    src = src.replace(head, head + dispatch);
  });
  return (
    `const __airlock_fz = [typeof __airlock_frozen === "function" ? __airlock_frozen : null, ${NAMES.join(", ")}];\n` +
    src
  );
}
const LINKED = linkedSource();

async function runWith(
  frozen: FrozenLink | undefined,
  code: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const sb = await createSandbox(frozen ? { frozen } : {});
  try {
    return await sb.run(code, { type: "script", ...options });
  } finally {
    await sb.dispose();
  }
}

/** JS source for a test input: exact for -0, NaN and ±Infinity (JSON has none of them). */
const literal = (v: unknown): string =>
  typeof v === "number"
    ? Object.is(v, -0)
      ? "-0"
      : String(v)
    : v === undefined
      ? "undefined"
      : JSON.stringify(v);

/** Guest helper: one line per input, results and thrown error names, exact for -0 and NaN. */
const PROBE = `
const show = (v) => typeof v === "number" ? (Object.is(v, -0) ? "-0" : String(v)) : typeof v + ":" + String(v);
const fz = (...a) => (typeof __airlock_frozen === "function" ? __airlock_frozen(...a) : undefined);
const probe = (f, inputs) => inputs.map((x) => { try { return show(f(x)); } catch (e) { return "throw:" + e.name; } }).join("\\n");
`;

describe("frozen functions in the sandbox", () => {
  it("__airlock_frozen runs compiled code with numbers and declines everything else", async () => {
    // Separate runs: each starts with fresh back-off state (see the next test).
    const out = async (code: string) => (await runWith(FROZEN, code)).stdout;
    expect(
      await out(
        `console.log(__airlock_frozen("fib", 30), __airlock_frozen("isPrime", 7919), __airlock_frozen("floorSum", 30))`,
      ),
    ).toBe("832040 true 135\n");
    expect(
      await out(
        `console.log(__airlock_frozen("isPrime", NaN), Object.is(__airlock_frozen("floorSum", -0), 0), __airlock_frozen("fib", -Infinity))`,
      ),
    ).toBe("true true -Infinity\n");
    let touched = "let touched = false;";
    touched += `console.log(__airlock_frozen("fib", "30"), __airlock_frozen("fib"), __airlock_frozen("nope", 1), __airlock_frozen(1, 1),`;
    touched += ` __airlock_frozen("fib", { valueOf() { touched = true; return 3; } }), touched)`;
    expect(await out(touched)).toBe("undefined undefined undefined undefined undefined false\n");
    // fib(NaN) recurses forever: too deep for frozen code, so "not handled" (the interpreter
    // then throws its RangeError); the next call is skipped by the back-off.
    expect(
      await out(`console.log(__airlock_frozen("fib", NaN), __airlock_frozen("fib", 1e6))`),
    ).toBe("undefined undefined\n");
  });

  it("backs off from calls too short to pay for the crossing, never from long ones", async () => {
    const r = await runWith(
      FROZEN,
      `let skipped = 0, wrong = 0;
       for (let i = 0; i < 2000; i++) {
         const r = __airlock_frozen("isPrime", 7);
         if (r === undefined) skipped++; else if (r !== true) wrong++;
       }
       let fibSkipped = 0;
       for (let i = 0; i < 20; i++) if (__airlock_frozen("fib", 24) !== 46368) fibSkipped++;
       console.log(skipped > 1900, wrong, fibSkipped);`,
    );
    expect(r.stdout).toBe("true 0 0\n");
  });

  it("deny: without `frozen` the global does not exist, and it never hands out a host object", async () => {
    const plain = await runWith(undefined, `console.log(typeof __airlock_frozen)`);
    expect(plain.stdout).toBe("undefined\n");
    const r = await runWith(
      FROZEN,
      `const f = __airlock_frozen;
       const d = Object.getOwnPropertyDescriptor(globalThis, "__airlock_frozen");
       console.log(d.writable, d.enumerable, f.constructor === Function, Object.getPrototypeOf(f) === Function.prototype);
       console.log(typeof f("fib", 10), typeof f("isPrime", 10), Object.keys(f).length);
       try { f.caller; console.log("caller readable"); } catch (e) { console.log(e.name); }`,
    );
    expect(r.stdout).toBe("false false true true\nnumber boolean 0\nTypeError\n");
  });

  it("gives the interpreter's answers for random inputs, non-numbers and overflow edges", async () => {
    const input = fc.oneof(
      fc.integer({ min: -50, max: 18 }),
      fc.double({ min: -1e300, max: 18, noNaN: true }),
      fc.constantFrom(-0, NaN, -Infinity, 1.5, -(2 ** 31), 17.999999),
      fc.string({ maxLength: 3 }),
      fc.constantFrom(true, false, null, undefined, "12", "0x10", [7], { valueOf: 9 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(input, { minLength: 1, maxLength: 25 }), async (inputs) => {
        const code = `${LINKED}${PROBE}
          console.log(probe(fib, [${inputs.map(literal).join(", ")}]));`;
        const [frozen, plain] = await Promise.all([
          runWith(FROZEN, code),
          runWith(undefined, code),
        ]);
        expect(frozen.stderr).toBe("");
        expect(frozen.stdout).toBe(plain.stdout);
      }),
      { numRuns: 15 },
    );
    // Overflow: the int32 path bails to the f64 one where the sum passes 2^31 (n = 113,514).
    const big = `${LINKED}${PROBE}console.log(probe(floorSum, [3000, 113513, 113514, 113515, 120000, 120000.5, -1]))`;
    const [f2, p2] = await Promise.all([runWith(FROZEN, big), runWith(undefined, big)]);
    expect(f2.stdout).toBe(p2.stdout);
    const sums = f2.stdout.split("\n").map(Number);
    expect(sums[1]).toBeLessThan(2 ** 31);
    expect(sums[2]).toBeGreaterThan(2 ** 31 - 1);
    // …and V8 agrees (the same function run by the host).
    const host = (n: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) s = s + Math.floor(i / 3);
      return s;
    };
    expect(sums.slice(0, 7)).toEqual(
      [3000, 113513, 113514, 113515, 120000, 120000.5, -1].map(host),
    );
  });

  it("a frozen infinite loop still ends with timeout at the run's deadline", async () => {
    const t0 = Date.now();
    const r = await runWith(FROZEN, `${LINKED}try { spin(0); } catch (e) {} console.log("after")`, {
      timeoutMs: 400,
    });
    expect(r.status).toBe("timeout");
    expect(r.exitCode).toBe(124);
    expect(r.stdout).toBe("");
    expect(r.durationMs).toBeGreaterThanOrEqual(350);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("an aborted run stops inside frozen code with killed", async () => {
    const sb = await createSandbox({ frozen: FROZEN });
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const r = await sb.run(`${LINKED}spin(0)`, {
        type: "script",
        timeoutMs: 10_000,
        signal: ac.signal,
      });
      expect(r.status).toBe("killed");
      expect(r.durationMs).toBeLessThan(5_000);
    } finally {
      await sb.dispose();
    }
  });

  it("dispatches (fast) while bindings hold, and not after globalThis.fib is rebound", async () => {
    // Frozen fib(30) takes milliseconds; interpreted it takes ~0.3 s (FACTS.md).
    const fast = await runWith(FROZEN, `${LINKED}console.log(fib(30))`);
    const slow = await runWith(undefined, `${LINKED}console.log(fib(30))`);
    expect(fast.stdout).toBe("832040\n");
    expect(slow.stdout).toBe("832040\n");
    expect(fast.durationMs * 3).toBeLessThan(slow.durationMs);
    const code = `${LINKED}const orig = fib; globalThis.fib = (n) => 100; console.log(orig(10), orig(1))`;
    const [rebound, plain] = await Promise.all([runWith(FROZEN, code), runWith(undefined, code)]);
    expect(plain.stdout).toBe("200 1\n");
    expect(rebound.stdout).toBe("200 1\n");
  });

  it("does not dispatch while a Math member it depends on is patched", async () => {
    const code = `${LINKED}${PROBE}
      const before = floorSum(30);
      const orig = Math.floor;
      Math.floor = (x) => 1;
      const patched = [floorSum(30), fz("floorSum", 30)];
      Math.floor = orig;
      const M = Math;
      globalThis.Math = { floor: (x) => 2 };
      const replaced = [floorSum(30), fz("floorSum", 30)];
      globalThis.Math = M;
      console.log(before, patched, replaced, floorSum(30), fz("floorSum", 30));`;
    const [frozen, plain] = await Promise.all([runWith(FROZEN, code), runWith(undefined, code)]);
    expect(frozen.stdout).toBe("135 [ 30, undefined ] [ 60, undefined ] 135 135\n");
    expect(plain.stdout).toBe("135 [ 30, undefined ] [ 60, undefined ] 135 undefined\n");
  });

  it("the module is instantiated once per worker and reused across runs and keepState", async () => {
    const sb = await createSandbox({ frozen: FROZEN, keepState: true });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await sb.run(`console.log(__airlock_frozen("fib", ${20 + i}))`);
        expect(r.stdout).toBe(`${[6765, 10946, 17711][i]}\n`);
      }
    } finally {
      await sb.dispose();
    }
  });

  it("deny: a module that is not a frozen module is an InvalidOptionError at createSandbox", async () => {
    const bad = async (frozen: unknown) =>
      createSandbox({ frozen: frozen as FrozenLink }).then(
        () => "accepted",
        (e: { code?: string; field?: string }) => `${e.code} ${e.field}`,
      );
    expect(await bad({ wasm: new Uint8Array([1, 2, 3]), functions: [] })).toBe(
      "AIRLOCK_INVALID_OPTION frozen.wasm",
    );
    // A valid module that imports something a frozen module never needs (env.f).
    const importsEnv = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 9, 1, 3, 101, 110, 118, 1, 102, 0, 0,
    ]);
    expect(await bad({ wasm: importsEnv, functions: [] })).toBe(
      "AIRLOCK_INVALID_OPTION frozen.wasm",
    );
    const fn = FROZEN.functions[0]!;
    expect(await bad({ ...FROZEN, functions: [{ ...fn, exports: { f64: "f64:missing" } }] })).toBe(
      "AIRLOCK_INVALID_OPTION frozen.functions[0].exports.f64",
    );
    expect(await bad({ ...FROZEN, functions: [fn, fn] })).toBe(
      "AIRLOCK_INVALID_OPTION frozen.functions[1].name",
    );
    expect(await bad({ wasm: FROZEN.wasm, functions: FROZEN.functions })).toBe("accepted");
  });
});

describe("typed-array parameters of frozen functions", () => {
  const run = async (code: string) => (await runWith(FROZEN, code)).stdout;

  it("reads and writes the guest's typed arrays exactly like the interpreter", async () => {
    // Each line: the frozen answer, then the array, then the interpreter's on a fresh copy.
    const code = `
      const mk = (K) => new K([1, 2.5, -3, 200, 70000]);
      const interp = (a, k) => { for (let i = 0; i < a.length; i++) a[i] = a[i] * k; return a.length; };
      for (const K of [Int32Array, Float64Array, Uint8Array, Float32Array, Int16Array, Uint32Array]) {
        const a = mk(K), b = mk(K);
        const r = __airlock_frozen("scaleArr", a, 2.5);
        console.log(K.name, r, a.join(","), interp(b, 2.5), b.join(","), __airlock_frozen("sumArr", a));
      }
      const buf = new Int16Array([9, 9, 1, 2, 3, 9]);
      console.log(__airlock_frozen("scaleArr", new Int16Array(buf.buffer, 4, 3), 2), buf.join(","));
    `;
    const lines = (await run(code)).trim().split("\n");
    expect(lines).toHaveLength(7);
    for (const line of lines.slice(0, 6)) {
      const [kind, r, got, r2, want, sum] = line.split(" ");
      expect(`${kind} ${r} ${got}`).toBe(`${kind} ${r2} ${want}`);
      const total = got!.split(",").reduce((s, x) => s + Number(x), 0);
      expect(Number(sum)).toBe(total);
    }
    expect(lines[6]).toBe("3 9,9,2,4,6,9");
  });

  it("reads and writes the elements in place: no copy of the buffer in the guest's heap", async () => {
    // 16 MiB of elements under a 24 MiB heap limit: a copy of the buffer in the guest (or of the
    // new bytes coming back) would not fit; in place, three calls over it do.
    const r = await runWith(
      FROZEN,
      `const a = new Float64Array(2 ** 21).fill(1.5);
       const scaled = __airlock_frozen("scaleArr", a, 2);
       __airlock_frozen("scaleArr", a, 2);
       console.log(scaled, __airlock_frozen("sumArr", a), a[0], a[a.length - 1]);`,
      { heapBytes: 24 * 2 ** 20 },
    );
    expect(r.status).toBe("ok");
    expect(r.stdout).toBe(`${2 ** 21} ${6 * 2 ** 21} 6 6\n`);
    // A resizable buffer's length-tracking view and a view at an offset: same answers as the
    // interpreter, read in place or copied.
    const out = await run(`
      const rab = new ArrayBuffer(16, { maxByteLength: 64 });
      const t = new Int32Array(rab);
      t.set([1, 2, 3, 4]);
      rab.resize(24);
      t[5] = 7;
      console.log(__airlock_frozen("scaleArr", t, 3), t.join(","));
      const v = new Float32Array(new ArrayBuffer(40), 8, 4).fill(0.5);
      console.log(__airlock_frozen("scaleArr", v, 3), v.join(","));
    `);
    expect(out).toBe("6 3,6,9,12,0,21\n4 1.5,1.5,1.5,1.5\n");
  });

  it("reads a plain array of numbers, never one it would store into or that is not dense", async () => {
    const out = await run(`
      const plain = [1, 2.5, 3];
      const ints = []; for (let i = 0; i < 1000; i++) ints.push(i);
      console.log(__airlock_frozen("sumArr", plain), __airlock_frozen("sumArr", ints));
      console.log(__airlock_frozen("scaleArr", plain, 2) === undefined, plain.join(","));
      const holey = [1, 2, 3]; delete holey[1];
      let reads = 0;
      const getter = [1, 2, 3]; Object.defineProperty(getter, 0, { get() { reads++; return 1; } });
      console.log(
        __airlock_frozen("sumArr", holey) === undefined,
        __airlock_frozen("sumArr", [1, "2"]) === undefined,
        __airlock_frozen("sumArr", getter) === undefined,
        __airlock_frozen("sumArr", new Proxy([1], { get() { reads++; return 1; } })) === undefined,
        reads,
      );
    `);
    // The proxy's length is read once by the dispatcher (guest code calling it with a proxy);
    // no element is ever read through a trap or a getter.
    expect(out).toBe("6.5 499500\ntrue 1,2.5,3\ntrue true true true 1\n");
  });

  it("deny: lookalikes, clamped arrays and patched getters are not handled", async () => {
    const out = await run(`
      const fake = Object.create(Int32Array.prototype);
      console.log(
        __airlock_frozen("sumArr", { length: 1, 0: 5 }) === undefined,
        __airlock_frozen("sumArr", fake) === undefined,
        __airlock_frozen("sumArr", new Uint8ClampedArray([1])) === undefined,
        __airlock_frozen("sumArr", 5) === undefined,
        __airlock_frozen("fib", new Int32Array(3)) === undefined,
        __airlock_frozen("sumArr", new Int32Array(new SharedArrayBuffer(8))) === undefined,
      );
      // An empty array has no bytes to read (the host never asks for its buffer).
      console.log(__airlock_frozen("sumArr", new Float64Array(0)), __airlock_frozen("scaleArr", new Int8Array(0), 2));
      // A guest that redefines the buffer getter cannot point the host at other memory.
      const TA = Object.getPrototypeOf(Int8Array.prototype);
      Object.defineProperty(TA, "length", { get() { return 1e9; } });
      console.log(__airlock_frozen("sumArr", new Int32Array([1, 2, 3])));
    `);
    expect(out).toBe("true true true true true true\n0 0\n6\n");
  });
});
