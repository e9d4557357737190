/**
 * Node builtins loaded on first use. A plain `airlock run` never needs most of what the package
 * can do, and each builtin it loads costs start-up: under the CLI's V8 flags node cannot use its
 * built-in code cache, so every builtin module is compiled from source (measured cold, with the
 * modules they pull in: node:crypto ~5-8 ms, node:child_process with net and dgram ~8 ms,
 * node:worker_threads ~6 ms, node:v8 ~5 ms).
 */
import type * as ChildProcess from "node:child_process";
import type * as Crypto from "node:crypto";
import { createRequire } from "node:module";
import type * as V8 from "node:v8";
import type * as WorkerThreads from "node:worker_threads";

const require = createRequire(import.meta.url);

function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}

/** `node:child_process` (a guest's first command). */
export const childProcess = lazy<typeof ChildProcess>("node:child_process");
/** `node:crypto` (guest hashes, artifact and app keys, private-file names). */
export const nodeCrypto = lazy<typeof Crypto>("node:crypto");
/** `node:v8` (the engine's tiering budget, when the process was not started with one). */
export const nodeV8 = lazy<typeof V8>("node:v8");
/** `node:worker_threads` (pools with worker threads; an inline pool has none). */
export const workerThreads = lazy<typeof WorkerThreads>("node:worker_threads");
