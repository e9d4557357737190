// expect-status: ok
// expect-stdout: contained
// Function('return this')() must give the sandbox's own global, with no host-only powers on it.
const g = Function("return this")();
const p = g.process;
const hostish =
  typeof g.require === "function" && typeof g.require("fs").readFileSync === "function"
    ? (() => {
        try {
          return g.require("fs").readFileSync("/etc/hostname", "utf8").length > 0;
        } catch {
          return false;
        }
      })()
    : false;
const powers = [
  hostish,
  p && typeof p.binding === "function",
  p && typeof p.dlopen === "function",
  p && typeof p._linkedBinding === "function",
  p && typeof p.mainModule === "object" && p.mainModule !== null,
  p && p.versions && typeof p.versions.v8 === "string",
  typeof g.WebAssembly === "object" &&
    typeof g.WebAssembly.Memory === "function" &&
    g.process?.versions?.v8,
];
console.log(powers.some(Boolean) ? "ESCAPED" : "contained");
