// expect-status: ok
// expect-stdout: contained
// V8-style stack hooks (prepareStackTrace / CallSite.getThis) must not expose host frames or objects.
let leaked = false;
try {
  Error.prepareStackTrace = (err, frames) => {
    for (const f of frames || []) {
      const self = typeof f.getThis === "function" ? f.getThis() : undefined;
      const fn = typeof f.getFunction === "function" ? f.getFunction() : undefined;
      for (const v of [self, fn]) {
        if (v && v.constructor && v.constructor.constructor !== Function) leaked = true;
        if (v && typeof v.require === "function") leaked = true;
      }
    }
    return "patched";
  };
  void new Error("probe").stack;
} catch {
  // not supported: fine
}
try {
  null.f();
} catch (e) {
  if (e.constructor.constructor !== Function) leaked = true;
  if (Object.getPrototypeOf(e) !== TypeError.prototype) leaked = true;
}
console.log(leaked ? "ESCAPED" : "contained");
