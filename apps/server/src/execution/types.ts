import type { PolicyTier } from "@airlock/config";
import type { Finding, RiskLevel } from "@airlock/analyzer";
import type { EngineName } from "../engines/registry.js";
import type { Priority } from "../queue/queue.js";

/** Body of `POST /api/execute` and `POST /api/execute/stream`. */
export interface ExecuteRequest {
  code: string;
  engine?: EngineName;
  policy?: PolicyTier;
  /** Wall-clock limit, ms; capped at the tier's `timeout_ms`. */
  timeout?: number;
  /** Heap limit, MiB; capped at the tier's `heap_size`. */
  memory?: number;
  /** JSON values defined as globals before the code runs. */
  context?: Record<string, unknown>;
  language?: "javascript";
  priority?: Priority;
}

export type ExecutionStatus = "completed" | "error" | "blocked" | "timeout" | "cancelled";

export interface DangerAnalysis {
  score: number;
  level: RiskLevel;
  findings: readonly Finding[];
}

/** Why a run was refused or stopped: an analyzer rule that blocked it, or a limit it hit. */
export interface Violation {
  type: "analysis" | "limit";
  rule: string;
  message: string;
}

/** What the API answers for a finished execution. */
export interface ExecutionResult {
  id: string;
  status: ExecutionStatus;
  output: string;
  stderr: string;
  exitCode: number | null;
  engine: EngineName;
  policy: PolicyTier;
  durationMs: number;
  /** Limits the run actually had after capping the request at the tier. */
  limits: { timeoutMs: number; memoryBytes: number; maxOutputBytes: number };
  dangerAnalysis: DangerAnalysis;
  error?: { code: string; message: string };
  violations?: Violation[];
}

/** A stdout/stderr chunk streamed while the code runs. */
export interface OutputChunk {
  stream: "stdout" | "stderr";
  data: string;
}
