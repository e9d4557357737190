/**
 * Worker entry: wires the runtime (runtime.ts) to this worker's `parentPort`. Receives a shared
 * control block in `workerData` and the compiled engine in its first message.
 *
 * The same bundle is imported on the main thread by inline pools (`configureWorkerPool({ inline:
 * true })`), which use the exports below: one bundle to load either way.
 */
import { workerThreads } from "../builtins.js";
import { WORKER_ARGV, type FromWorker, type ToWorker } from "../protocol.js";
import { startRuntime, type RuntimeInit } from "./runtime.js";

export { startRuntime } from "./runtime.js";
export { EntryGuard } from "./guard.js";

// The pool marks its workers in argv, so that an inline pool's thread (the CLI's main thread)
// does not load node:worker_threads just to find out that it is not a worker.
const { parentPort, workerData } = process.argv.includes(WORKER_ARGV)
  ? workerThreads()
  : { parentPort: null, workerData: null };
if (parentPort !== null && (workerData as { airlockWorker?: boolean } | null)?.airlockWorker) {
  const port = parentPort;
  const handle = startRuntime(workerData as RuntimeInit, (m: FromWorker) => port.postMessage(m));
  port.on("message", (msg: ToWorker) => handle(msg));
}
