/**
 * Messages between the main thread and a pool worker. Plain structured-clone data only; the
 * wire types live here so both sides agree without importing each other.
 */
import type { RunLimits, RunStatus } from "./types.js";

export interface RunRequest {
  type: "run";
  id: number;
  code: string;
  filename: string;
  args: string[];
  stdin: Uint8Array | null;
  module: boolean;
  env: Record<string, string>;
  limits: RunLimits;
  /** keepState session this run belongs to, or null for a fresh instance. */
  session: number | null;
}

export type ToWorker =
  RunRequest | { type: "abort"; id: number } | { type: "drop-session"; session: number };

/** What the worker knows about a finished run; the main thread adds output and timing. */
export interface WorkerOutcome {
  status: RunStatus;
  exitCode: number;
  error?: { code: string; message: string; stack?: string };
  peakBytes: number;
}

/** Output chunk on the wire: 1 = stdout, 2 = stderr. */
export type WireChunk = [fd: 1 | 2, data: string];

export type FromWorker =
  | { type: "ready" }
  /** The run got its instance and starts now: the main thread arms its backstop timer. */
  | { type: "started"; id: number }
  | { type: "out"; id: number; chunks: WireChunk[] }
  | { type: "done"; id: number; outcome: WorkerOutcome };

/** Layout of the SharedArrayBuffer each worker shares with the main thread. */
export const CTRL_ABORT = 0; // id of the run to abort (read by the interrupt handler)
export const CTRL_SLOTS = 1;
