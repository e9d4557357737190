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
