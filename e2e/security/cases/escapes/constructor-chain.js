// expect-status: ok
// expect-stdout: contained
// Walk every constructor chain reachable from ordinary values; each Function must be the guest's Function.
const GuestFunction = Function;
const seeds = [
  {},
  [],
  "",
  0,
  true,
  Symbol("s"),
  () => 1,
  async () => 1,
  function* () {},
  new Error("e"),
  Promise.resolve(),
  new Map(),
  /x/,
  new Date(0),
  console,
  console.log,
  globalThis,
];
let escaped = false;
for (const s of seeds) {
  let c = s;
  for (let i = 0; i < 4 && c != null; i++) {
    c = c.constructor;
    if (typeof c === "function" && c.constructor !== GuestFunction && c.constructor !== c) {
      const Ctor = c.constructor;
      // async/generator function constructors are still guest constructors; reject anything else
      if (
        !["AsyncFunction", "GeneratorFunction", "AsyncGeneratorFunction", "Function"].includes(
          Ctor.name,
        )
      )
        escaped = true;
    }
  }
}
const got = Function(
  "return typeof process === 'object' && process.versions && process.versions.v8",
)();
console.log(escaped || got ? "ESCAPED" : "contained");
