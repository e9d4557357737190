import { loadEngine } from "./engine.js";

/**
 * `airlock run` spends most of its start-up getting the engine ready (its code loaded, the wasm
 * compiled, the snapshot read from disk). Starting that before the command line is parsed lets
 * the asynchronous parts (file reads, V8's background compilation) overlap with parsing flags,
 * reading the program and resolving the config.
 */
export function prestartRunWorker(): void {
  void loadEngine()
    .then(async ({ configureWorkerPool, createSandbox }) => {
      // One process, one program: run it on this thread (bin/airlock.js starts node with the
      // stack that needs; see configureWorkerPool), or in one worker if the stack is too small.
      configureWorkerPool({ size: 1, inline: true });
      await createSandbox();
    })
    // Nothing to report here: the run's own createSandbox() meets the same failure and reports it.
    .catch(() => undefined);
}
