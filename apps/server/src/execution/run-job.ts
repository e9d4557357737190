import type { RunResult } from "@airlock/wasm-host";
import type { Engine, EngineName } from "../engines/registry.js";
import type { RunJob } from "../queue/run-queue.js";
import type { OutputChunk } from "./types.js";

/**
 * Runs one {@link RunJob} on this machine's engines. Shared by the in-process queue and `airlock-worker`,
 * so a sandbox gets exactly the same options wherever it runs.
 */
export function runJob(
  engines: Record<EngineName, Engine>,
  job: RunJob,
  signal: AbortSignal,
  onChunk?: (chunk: OutputChunk) => void,
): Promise<RunResult> {
  const engine = engines[job.engine];
  if (!engine?.info.available) {
    return Promise.reject(new Error(`engine ${job.engine} is not available on this machine`));
  }
  return engine.run(job.code, {
    config: job.config,
    timeoutMs: job.timeoutMs,
    heapBytes: job.heapBytes,
    maxOutputBytes: job.maxOutputBytes,
    signal,
    ...(onChunk
      ? {
          onStdout: (data: string) => onChunk({ stream: "stdout", data }),
          onStderr: (data: string) => onChunk({ stream: "stderr", data }),
        }
      : {}),
  });
}
