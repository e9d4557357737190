/**
 * `airlock run` in this process: one program, one sandbox, on this thread (an inline pool) or in
 * one worker when node was started without the stack it needs. Shared by the full command
 * (whose `main` has usually started the engine already, prestart.ts) and its fast path.
 */
import { limitMessage } from "./limit-message.js";
import type { Io } from "./output.js";
import type { ProgramToRun, RunSettings } from "./run-input.js";
import { loadEngine } from "./engine.js";

/** Runs the program here; resolves to its exit code (or the limit's), output already written. */
export async function runHere(
  io: Io,
  program: ProgramToRun,
  run: RunSettings,
  json: boolean,
): Promise<number> {
  const { configureWorkerPool, createSandbox, shutdownWorkers } = await loadEngine();
  configureWorkerPool({ size: 1, inline: true });
  const sandbox = await createSandbox({
    config: run.config,
    ...(program.frozen ? { frozen: program.frozen } : {}),
  });
  try {
    const result = await sandbox.run(program.code, {
      filename: program.filename,
      // A bundle is one ES module.
      ...(program.module ? { type: "module" as const } : {}),
      args: run.args,
      env: run.env,
      ...(run.stdin ? { stdin: run.stdin } : {}),
      ...(json ? {} : { onStdout: io.stdout, onStderr: io.stderr }),
    });
    if (json) {
      io.stdout(JSON.stringify(result, null, 2) + "\n");
    } else {
      const why = limitMessage(result);
      if (why) io.stderr(`airlock: ${why}\n`);
    }
    return result.exitCode;
  } finally {
    // Not awaited: the pool is detached at once (a later run gets a new one) and its worker winds
    // down in the background; the binary exits as soon as the output is flushed.
    void Promise.all([sandbox.dispose(), shutdownWorkers()]).catch(() => undefined);
  }
}
