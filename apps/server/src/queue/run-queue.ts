import type { AirlockConfig } from "@airlock/config";
import type { RunResult } from "@airlock/wasm-host";
import type { EngineName } from "../engines/registry.js";
import type { OutputChunk } from "../execution/types.js";
import type { JobOutcome, JobState, Priority, QueueStats } from "./queue.js";

/**
 * One sandbox run as plain data: everything a worker needs, nothing that can't cross a machine boundary
 * (no closures, no sockets). The code already carries its context prelude.
 */
export interface RunJob {
  id: string;
  engine: EngineName;
  code: string;
  /** The resolved config the sandbox gets (no host dirs, env or commands for remote callers). */
  config: AirlockConfig;
  timeoutMs: number;
  heapBytes: number;
  maxOutputBytes: number;
  priority: Priority;
  /** Hard deadline from the run's start, ms: the backstop when the engine does not stop at `timeoutMs`. */
  deadlineMs: number;
}

/** What the submitter hears while its job is in flight. */
export interface RunHooks {
  /** The job left the queue and a runner took it. Called at most once. */
  onStart?(): void;
  /** Streamed stdout/stderr; when set, output is forwarded as it is written (from another machine too). */
  onChunk?(chunk: OutputChunk): void;
}

/** A submitted run. `result` resolves once with the outcome and never rejects. */
export interface RunHandle {
  readonly id: string;
  readonly result: Promise<JobOutcome<RunResult>>;
}

/** `GET /api/stats` queue figures, with which backend produced them. */
export interface RunQueueStats extends QueueStats {
  backend: "memory" | "bullmq";
}

/**
 * Where executions wait and run: in this process ({@link LocalRunQueue}) or on `airlock-worker`
 * processes over Redis ({@link BullRunQueue}). {@link createExecutionQueue} picks one from the settings;
 * the execution service only sees this interface.
 */
export interface RunQueue {
  readonly backend: "memory" | "bullmq";
  /**
   * Throws what `submit` would refuse with right now: `TooManyRequestsError` (`AIRLOCK_QUEUE_FULL`, 429)
   * when too many jobs wait, `QueueClosedError` (503) when closing, `QueueUnavailableError` (503) when
   * Redis is unreachable. Lets a caller refuse before writing an audit row.
   */
  assertAccepting(): Promise<void>;
  /** Enqueues a run; may still refuse like `assertAccepting` (a race for the last slot). */
  submit(job: RunJob, hooks?: RunHooks): Promise<RunHandle>;
  /**
   * Cancels a job this node submitted: a waiting job never runs, a running one is aborted (on whichever
   * machine runs it). False when unknown here or already settled.
   */
  cancel(id: string, reason: string): boolean;
  /** State of a job this node submitted, while queued or running. */
  state(id: string): JobState | undefined;
  /** Counts as this node sees them (synchronous: no network round trip). */
  stats(): RunQueueStats;
  /** Refuses new jobs, cancels this node's pending ones, waits until they settled, releases connections. */
  close(): Promise<void>;
}
