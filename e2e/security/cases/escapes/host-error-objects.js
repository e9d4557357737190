// expect-status: ok
// expect-stdout: contained
// Errors raised by host-side work (bad arguments to host-backed functions) arrive as guest errors.
let leaked = false;
const probe = (fn) => {
  try {
    fn();
  } catch (e) {
    if (e && typeof e === "object") {
      if (e.constructor && e.constructor.constructor !== Function) leaked = true;
      if (Object.getPrototypeOf(Object.getPrototypeOf(e) ?? {}) === null && !(e instanceof Error))
        leaked = true;
    }
  }
};
probe(() => setTimeout("not a function", 1));
probe(() =>
  console.log({
    get boom() {
      throw new Error("getter");
    },
  }),
);
console.log(leaked ? "ESCAPED" : "contained");
