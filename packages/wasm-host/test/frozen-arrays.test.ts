// How the host reads a guest typed array for a frozen call (worker/ops/frozen.ts, in-process, on
// the engine build the workers use): in place when the array's own structure agrees with what
// the guest's dispatcher reported, else as a copy — both giving the same elements.
import { newQuickJSWASMModuleFromVariant, type QuickJSContext } from "quickjs-emscripten-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostArray } from "../src/worker/ops/frozen.js";
import { variant } from "../src/worker/snapshot.js";

let ctx: QuickJSContext;
beforeAll(async () => {
  ctx = (await newQuickJSWASMModuleFromVariant(variant)).newContext();
});
afterAll(() => ctx.dispose());

/** Evaluates `code` (which defines `a` and returns a descriptor) and reads it as the host does. */
function read(code: string) {
  const h = ctx.unwrapResult(ctx.evalCode(code));
  try {
    return hostArray(ctx, h);
  } finally {
    h.dispose();
  }
}
function guest(expr: string): unknown {
  const h = ctx.unwrapResult(ctx.evalCode(expr));
  try {
    return ctx.dump(h);
  } finally {
    h.dispose();
  }
}
const desc = (extra = "") =>
  `({ a, b: a.buffer, o: a.byteOffset, n: a.length, k: a[Symbol.toStringTag], f: a[0], l: a[a.length - 1]${extra} })`;

describe("hostArray", () => {
  it("reads a typed array in place (the pinned layout), at an offset too, and writes land in the guest", () => {
    const kinds = ["Float64Array", "Float32Array", "Int32Array", "Uint8Array", "Int8Array"];
    for (const k of [...kinds, "Int16Array", "Uint16Array", "Uint32Array"]) {
      const x = read(
        `var a = new ${k}(new ArrayBuffer(64), 8, 5); a.set([1, 2, 3, 4, 5]); ${desc()}`,
      );
      expect(x?.direct, k).toBe(true);
      expect([...x!.elements()], k).toEqual([1, 2, 3, 4, 5]);
      x!.elements().set([5, 4, 3, 2, 1]);
      expect(guest("Array.from(a).join()"), k).toBe("5,4,3,2,1");
      expect(guest("new Uint8Array(a.buffer, 0, 8).every((v) => v === 0)"), k).toBe(true);
    }
  });

  it("copies instead when the array's structure does not agree with the descriptor", () => {
    // A descriptor whose end elements or array do not match what b/o/n describe: never read in
    // place; the copy is taken from the buffer the descriptor names, as before.
    for (const extra of [", f: 99", ", l: -1", ", a: new Int32Array(3)"]) {
      const x = read(`var a = new Int32Array([7, 8, 9]); ${desc(extra)}`);
      expect(x?.direct, extra).toBe(false);
      expect([...x!.elements()], extra).toEqual([7, 8, 9]);
      x!.elements().set([1, 1, 1]);
      expect(guest("a.join()"), extra).toBe("7,8,9"); // a copy: the guest's array is untouched
    }
  });
});

describe("plain arrays", () => {
  const plain = (setup: string) => read(`${setup}; ({ k: "Array", a, n: a.length })`);

  it("reads a dense array of numbers from the engine's storage (the pinned layout)", () => {
    const ints = plain("var a = []; for (let i = 0; i < 1000; i++) a.push(i * 3 - 1500)");
    expect(ints).toMatchObject({ plain: true, direct: false, length: 1000 });
    expect(ints!.elements()).toBeInstanceOf(Int32Array);
    expect([...ints!.elements()]).toEqual(Array.from({ length: 1000 }, (_, i) => i * 3 - 1500));
    // Floats of every sort, and int32 values held as floats; -0 keeps the array float64.
    const values = [
      1.5,
      -0,
      NaN,
      Infinity,
      -Infinity,
      2 ** 31,
      -(2 ** 31),
      1e-300,
      3,
      0.1,
      2 ** 53,
    ];
    const floats = plain(
      `var a = [${values.map((v) => (Object.is(v, -0) ? "-0" : String(v))).join(", ")}]`,
    );
    expect(floats!.elements()).toBeInstanceOf(Float64Array);
    [...floats!.elements()].forEach((v, i) =>
      expect(Object.is(v, values[i]), String(values[i])).toBe(true),
    );
    const intFloats = plain("var a = [4 / 2, 2 ** 30, -7, 0.5 * 6]");
    expect(intFloats!.elements()).toBeInstanceOf(Int32Array);
    expect([...intFloats!.elements()]).toEqual([2, 2 ** 30, -7, 3]);
    expect(plain("var a = []")).toMatchObject({ length: 0 });
  });

  it("declines anything that is not a dense array of numbers, without running guest code", () => {
    const declined = [
      "var a = [1, 'x', 3]",
      "var a = [1, undefined, 3]",
      "var a = [1, null]",
      "var a = [1, true]",
      "var a = [1, 2n]",
      "var a = [1, {}]",
      "var a = [1, 2, 3]; delete a[1]", // a hole
      "var a = [1, 2]; a.length = 5", // holes at the end
      "var a = [1, , 3]",
      "var hits = 0; var a = [1, 2, 3]; Object.defineProperty(a, 1, { get() { hits++; return 2; } })",
      "var a = new Proxy([1, 2, 3], {})",
      "var a = (function () { return arguments; })(1, 2, 3)",
      "var a = { length: 2, 0: 1, 1: 2 }",
    ];
    for (const setup of declined) expect(plain(setup), setup).toBeUndefined();
    expect(guest("hits")).toBe(0);
    // A descriptor whose length disagrees with the array's.
    expect(read(`var a = [1, 2, 3]; ({ k: "Array", a, n: 2 })`)).toBeUndefined();
  });
});
