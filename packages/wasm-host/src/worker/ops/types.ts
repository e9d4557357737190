import type { HttpResponseData, RunRequest } from "../../protocol.js";

/** What an op may see of the run that called it. Everything it returns is copied into the guest. */
export interface OpContext {
  /** The run's request: limits, env, capability grants. */
  readonly req: RunRequest;
  /** Milliseconds until the run's deadline. */
  timeLeft(): number;
  /** Called once when the run ends (abort fetches, kill children, close files). */
  onEnd(fn: () => void): void;
  /** Id of the current run (unique per worker). */
  readonly runId: number;
  /** Ask the run to stop with this exit code (the guest is stopped at its next interrupt poll). */
  requestExit(code: number): void;
  /** Write guest output; returns true when the output limit was hit and the guest must stop. */
  write(fd: 1 | 2, text: string): boolean;
  /** Hand back the response of a fetch-handler run (once); the run then ends. */
  respond(response: HttpResponseData): void;
  /** End a fetch-handler run as an uncaught error in the handler (report as `internals.report` makes it). */
  failRequest(report: { text: string; code: string; message: string; stack?: string }): void;
}

/** A host operation the guest can call by name through the bridge. */
export type Op =
  | {
      kind: "sync";
      run(args: unknown[], bytes: Uint8Array | undefined, ctx: OpContext): unknown;
    }
  | {
      kind: "async";
      run(args: unknown[], bytes: Uint8Array | undefined, ctx: OpContext): Promise<unknown>;
    };

/**
 * An error the guest should see as a Node-style error (`err.code === "ENOENT"`). Any other
 * thrown value reaches the guest as a plain `Error` with the message only.
 */
export class GuestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Extra plain properties set on the guest's error (`errno`, `syscall`, `path`, …). */
    readonly data?: Record<string, string | number>,
  ) {
    super(message);
    this.name = "Error";
  }
}
