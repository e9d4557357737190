/**
 * `airlock run` spends most of its start-up waiting for the sandbox worker (a new V8 isolate, the
 * worker's code, the engine restored from its snapshot). Starting that worker before the command
 * line is parsed lets it boot while this thread parses flags, reads the program and resolves the
 * config.
 */
export function prestartRunWorker(): void {
  void import("@airlock/wasm-host")
    .then(async ({ configureWorkerPool, createSandbox }) => {
      // One process, one program: one worker (a second would only compete for the CPU).
      configureWorkerPool({ size: 1 });
      await createSandbox();
    })
    // Nothing to report here: the run's own createSandbox() meets the same failure and reports it.
    .catch(() => undefined);
}
