/**
 * Messages between the main thread and a pool worker. Plain structured-clone data only; the
 * wire types live here so both sides agree without importing each other.
 */
import type { CapabilityConfig } from "./capabilities.js";
import type { FrozenFunctionSpec, RunLimits, RunStatus } from "./types.js";

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
  /** Grants from the sandbox's config; the worker builds vfs, egress policy and command rules from it. */
  capabilities?: CapabilityConfig;
  /** keepState session this run belongs to, or null for a fresh instance. */
  session: number | null;
  /** Frozen functions linked into this run (`SandboxOptions.frozen`, validated). */
  frozen?: FrozenRequest;
}

/** A validated frozen module; the worker instantiates it once per `hash` (sha256 of `wasm`). */
export interface FrozenRequest {
  hash: string;
  wasm: Uint8Array;
  functions: FrozenFunctionSpec[];
}

/** The compiled engine, sent once right after a worker is spawned (compiled while it boots). */
export interface EngineMessage {
  type: "engine";
  wasmModule: WebAssembly.Module;
  /** sha-256 of the engine's .wasm: a snapshot is only restored into the build it came from. */
  wasmHash: string;
}

export type ToWorker =
  | EngineMessage
  | RunRequest
  | { type: "abort"; id: number }
  | { type: "drop-session"; session: number };

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
