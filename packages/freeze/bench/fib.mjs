// Micro benchmark (not a test): fib(40) frozen to wasm vs the same JS in V8.
// Run after `pnpm --filter @airlock/freeze build`:  node packages/freeze/bench/fib.mjs [n]
import { analyze, compile, instantiateFrozen } from "../dist/index.js";

const n = Number(process.argv[2] ?? 40);
const source = `function fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }`;

function time(label, f) {
  const start = process.hrtime.bigint();
  const result = f();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms  -> ${result}`);
  return ms;
}

const t0 = process.hrtime.bigint();
const report = analyze(source);
const frozen = compile(source, report);
console.log(
  `analyze + compile: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms, ${frozen.wasm.length} bytes of wasm`,
);
const fib = frozen.functions[0].wrap(instantiateFrozen(frozen, { deadline: Date.now() + 120_000 }));
const jsFib = new Function(`${source}; return fib;`)();

// Warm up both (V8 tiers wasm and JS up from baseline code after some calls).
for (let i = 0; i < 5; i++) (fib(25), fib(25.5), jsFib(25), jsFib(25.5));

time(`frozen int32 fib(${n})`, () => fib(n));
time(`frozen f64 fib(${n} + 0.5)`, () => fib(n + 0.5));
time(`node fib(${n})`, () => jsFib(n));
time(`node fib(${n} + 0.5)`, () => jsFib(n + 0.5));
