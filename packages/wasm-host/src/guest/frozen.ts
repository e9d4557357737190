// @ts-nocheck — this function runs inside the guest (QuickJS), not in Node; see prelude.ts.
/**
 * Defines `globalThis.__airlock_frozen(name, ...numbers)` for a run that links frozen functions
 * (`SandboxOptions.frozen`). It is not a prelude module: the worker evaluates it per run, only
 * when the run has a frozen module, before the guest's code.
 *
 * `call` is a host function that only this closure holds. The guest sees one function that takes
 * numbers and returns a number, a boolean or `undefined` ("not handled: run the interpreted
 * original"). It does not dispatch while a `Math` member the compiled code relies on
 * (`dependsOn: ["Math.floor", …]`) differs from the one the run started with, or `Math` itself
 * was replaced: the interpreted original then sees the patched version, as JS would.
 *
 * Typed-array parameters (`spec[i].arrays`: their positions) cross as a descriptor this closure
 * makes with the intrinsic getters captured at install time (a guest that later patches
 * `%TypedArray%.prototype` or passes a lookalike gets "not handled"). A plain `Array` crosses as
 * `{ k: "Array", a, n }` only (its length, an own data property): the host reads its elements
 * from the engine's own storage, never by running guest code, and declines one that is not a
 * dense array of numbers or that the function stores into. After a successful call the
 * host returns `{ v, bytes }` and the new bytes are copied back into each array it wrote
 * (`bytes[i]` is a hole for one the function only reads, or whose elements the host wrote in
 * place).
 */
export function installFrozen(g, call, specJson) {
  "use strict";
  const spec = JSON.parse(specJson);
  const M = g.Math;
  const apply = g.Reflect.apply;
  const create = g.Object.create;
  const U8 = g.Uint8Array;
  const isArray = g.Array.isArray;
  const u8set = U8.prototype.set;
  const TA = g.Object.getPrototypeOf(g.Int8Array.prototype);
  const getter = (key) => g.Object.getOwnPropertyDescriptor(TA, key).get;
  const tagOf = getter(g.Symbol.toStringTag);
  const bufferOf = getter("buffer");
  const offsetOf = getter("byteOffset");
  const lengthOf = getter("length");
  const byteLengthOf = getter("byteLength");
  // Throws for a SharedArrayBuffer: those are "not handled" (the host reads ArrayBuffers only).
  const bufferByteLength = g.Object.getOwnPropertyDescriptor(
    g.ArrayBuffer.prototype,
    "byteLength",
  ).get;
  // Null-prototype table: a guest that patches Map or Object.prototype cannot change the lookup.
  const table = Object.create(null);
  for (const f of spec) {
    const math = [];
    for (const d of f.dependsOn) {
      if (d.startsWith("Math.")) math.push(d.slice(5), M[d.slice(5)]);
    }
    table[f.name] = { arity: f.params.length, math, arrays: f.arrays || [], skip: 0, backoff: 0 };
  }
  // Skip the next 1, 2, 4, … calls of `f` (always safe: the interpreted original runs instead).
  function backOff(f) {
    f.backoff = f.backoff === 0 ? 1 : f.backoff >= 1 << 20 ? f.backoff : f.backoff * 2;
    f.skip = f.backoff;
  }
  // Fixed parameters, not `...args` or `arguments`: the skip path (the common one once a
  // function backs off) then allocates nothing. A missing argument is undefined, so "not
  // handled"; frozen functions with more than 8 parameters are never handled.
  const frozen = function __airlock_frozen(name, a0, a1, a2, a3, a4, a5, a6, a7) {
    const f = typeof name === "string" ? table[name] : undefined;
    if (f === undefined) return undefined;
    if (f.skip > 0) {
      f.skip--;
      return undefined;
    }
    if (g.Math !== M || f.arity > 8) return undefined;
    const math = f.math;
    for (let i = 0; i < math.length; i += 2) if (M[math[i]] !== math[i + 1]) return undefined;
    const args = [a0, a1, a2, a3, a4, a5, a6, a7];
    const views = [];
    for (let i = 0; i < f.arrays.length; i++) {
      const at = f.arrays[i];
      const a = args[at];
      const tag = apply(tagOf, a, []);
      if (tag === undefined && isArray(a)) {
        const d = create(null);
        d.k = "Array";
        d.a = a;
        d.n = a.length;
        views.push(null, 0, 0); // never copied back
        args[at] = d;
        continue;
      }
      if (typeof tag !== "string") return undefined;
      const d = create(null);
      d.b = apply(bufferOf, a, []);
      try {
        apply(bufferByteLength, d.b, []);
      } catch {
        return undefined;
      }
      d.o = apply(offsetOf, a, []);
      d.n = apply(lengthOf, a, []);
      d.k = tag;
      // The host reads the elements in place when the array's own structure agrees with these
      // (element reads of a real typed array run no guest code).
      d.a = a;
      if (d.n > 0) {
        d.f = a[0];
        d.l = a[d.n - 1];
      }
      views.push(d.b, d.o, apply(byteLengthOf, a, []));
      args[at] = d;
    }
    for (let i = 0; i < f.arity; i++) {
      if (typeof args[i] !== "number" && (f.arrays.length === 0 || typeof args[i] !== "object")) {
        return undefined;
      }
    }
    const r = call(name, args);
    if (f.arrays.length > 0 && r !== null && typeof r === "object" && !("0" in r)) {
      for (let i = 0; i < views.length / 3; i++) {
        if (r.bytes[i] === undefined) continue; // the function only reads this array
        apply(u8set, new U8(views[3 * i], views[3 * i + 1], views[3 * i + 2]), [
          new U8(r.bytes[i]),
        ]);
      }
      f.backoff = 0;
      return r.v;
    }
    // null: the run's deadline passed (or it was killed) inside frozen code. The interrupt
    // handler ends the guest at its next poll, uncatchably, with the run's own status.
    if (r === null) for (;;) {}
    // "deep": nested past freeze's maxDepth. The interpreted original now recurses and would
    // retry at every level, each retry as deep again: back off instead.
    if (r === "deep") {
      backOff(f);
      return undefined;
    }
    // [value]: the call was so short that the crossing cost more than interpreting it would.
    if (typeof r === "object") {
      backOff(f);
      return r[0];
    }
    f.backoff = 0;
    return r;
  };
  // A caller that keeps its own skip counter (the builder's dispatch does: checking a counter in
  // the function itself costs far less than a call here) takes over the back-off: it skips the
  // returned number of calls without calling, and the dispatcher forgets them.
  Object.defineProperty(frozen, "handOff", {
    value: function handOff(name) {
      const f = typeof name === "string" ? table[name] : undefined;
      if (f === undefined) return 0;
      const n = f.skip;
      f.skip = 0;
      return n;
    },
  });
  Object.defineProperty(g, "__airlock_frozen", {
    value: frozen,
    writable: false,
    enumerable: false,
    configurable: true,
  });
}
