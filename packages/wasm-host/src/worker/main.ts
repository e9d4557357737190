/**
 * Worker entry: wires the runtime (runtime.ts) to this worker's `parentPort`. Receives a shared
 * control block in `workerData` and the compiled engine in its first message.
 *
 * The same bundle is imported on the main thread by inline pools (`configureWorkerPool({ inline:
 * true })`), which use the exports below: one bundle to load either way.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../protocol.js";
import { startRuntime, type RuntimeInit } from "./runtime.js";

export { startRuntime } from "./runtime.js";
export { EntryGuard } from "./guard.js";

if (parentPort !== null && (workerData as { airlockWorker?: boolean } | null)?.airlockWorker) {
  const port = parentPort;
  const handle = startRuntime(workerData as RuntimeInit, (m: FromWorker) => port.postMessage(m));
  port.on("message", (msg: ToWorker) => handle(msg));
}
