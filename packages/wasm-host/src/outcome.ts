import { EXIT_CODES } from "./limits.js";
import type { WorkerOutcome } from "./protocol.js";
import type { RunStatus } from "./types.js";

/**
 * An outcome the host states for a run (it was stopped, aborted or never started): the status's
 * exit code, and `error.code` the status in capitals unless given.
 */
export function syntheticOutcome(
  status: RunStatus,
  message: string,
  code = status.toUpperCase(),
): WorkerOutcome {
  const exitCode = status === "ok" ? 0 : EXIT_CODES[status as keyof typeof EXIT_CODES];
  return { status, exitCode, error: { code, message }, peakBytes: 0 };
}
