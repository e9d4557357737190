/**
 * `airlock run` on a running daemon: the job sent over the daemon's socket, the program's output
 * streamed back, the limit line printed. Light on purpose (the daemon's client only): the fast
 * path of `airlock run` (fast-run.ts) loads nothing else.
 */
import { DaemonClient, errors, type RunJob } from "@airlock/daemon/client";
import type { RunResult } from "@airlock/wasm-host";
import { limitMessage } from "./limit-message.js";
import type { Io } from "./output.js";
import type { ProgramToRun, RunSettings } from "./run-input.js";

/**
 * `airlock run` on a running daemon, output and the limit line included: the exit code, or
 * undefined when no daemon answers (the caller runs the program itself). With `json`, the
 * result object is printed instead of the program's output.
 */
export async function runOnDaemon(
  io: Io,
  program: ProgramToRun,
  run: RunSettings,
  json: boolean,
): Promise<number | undefined> {
  const remote = await runViaDaemon(io, program, run, json);
  if (remote === undefined) return undefined;
  if (json) io.stdout(JSON.stringify(remote, null, 2) + "\n");
  else {
    const why = limitMessage(remote);
    if (why) io.stderr(`airlock: ${why}\n`);
  }
  return remote.exitCode;
}

/**
 * `airlock run` through a running daemon: undefined when none answers (the caller runs
 * in-process, silently). Output streams to `io` unless `quiet`.
 */
async function runViaDaemon(
  io: Io,
  program: ProgramToRun,
  run: RunSettings,
  quiet: boolean,
): Promise<RunResult | undefined> {
  const client = new DaemonClient();
  const job: RunJob = {
    code: program.code,
    filename: program.filename,
    module: program.module,
    args: run.args,
    env: run.env,
    config: run.config,
    ...(run.stdin ? { stdin: Buffer.from(run.stdin).toString("base64") } : {}),
    ...(program.frozen
      ? {
          frozen: {
            wasm: Buffer.from(program.frozen.wasm).toString("base64"),
            functions: [...program.frozen.functions],
          },
        }
      : {}),
  };
  try {
    return await client.run(
      job,
      quiet ? undefined : (fd, text) => (fd === 1 ? io.stdout(text) : io.stderr(text)),
    );
  } catch (err) {
    // No daemon (or not ours to use): run here instead.
    if (err instanceof errors.DaemonNotRunningError || err instanceof errors.UnsafeStatePathError)
      return undefined;
    throw err;
  }
}
