import type { RunResult } from "@airlock/wasm-host";

/** The one-line explanation printed when a limit, not the program, ended the run. */
export function limitMessage(result: RunResult): string | undefined {
  if (result.status === "ok" || result.status === "error") return undefined;
  return `${result.status.replaceAll("_", " ")}: ${result.error?.message ?? "the run was stopped"}`;
}
