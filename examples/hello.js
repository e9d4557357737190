// The smallest Airlock program: runs in a fresh QuickJS-in-WebAssembly sandbox.
const who = process.argv[2] ?? "the sandbox";
console.log(`hello from ${who}`);
console.log({
  engine: "quickjs-ng",
  isolated: true,
  limits: ["time", "memory", "stack", "output"],
});
