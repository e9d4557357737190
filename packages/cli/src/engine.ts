/**
 * Loads the sandbox engine package the way this code itself was loaded: `import()` from the ES
 * module CLI, `require` from its CommonJS fast path (dist/fast-run.cjs), which then starts no ES
 * module loader. Either way one copy per process: the engine warmed up early (prestart.ts) is the
 * one the run uses.
 */
import { createRequire } from "node:module";

type Engine = typeof import("@airlock/wasm-host");

export function loadEngine(): Promise<Engine> {
  if (import.meta.url.endsWith(".cjs")) {
    return new Promise((resolve) => resolve(createRequire(import.meta.url)("@airlock/wasm-host")));
  }
  return import("@airlock/wasm-host");
}
