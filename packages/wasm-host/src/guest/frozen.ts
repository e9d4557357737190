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
 */
export function installFrozen(g, call, specJson) {
  "use strict";
  const spec = JSON.parse(specJson);
  const M = g.Math;
  // Null-prototype table: a guest that patches Map or Object.prototype cannot change the lookup.
  const table = Object.create(null);
  for (const f of spec) {
    const math = [];
    for (const d of f.dependsOn) {
      if (d.startsWith("Math.")) math.push(d.slice(5), M[d.slice(5)]);
    }
    table[f.name] = { arity: f.params.length, math, skip: 0, backoff: 0 };
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
    for (let i = 0; i < f.arity; i++) if (typeof args[i] !== "number") return undefined;
    const r = call(name, args);
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
