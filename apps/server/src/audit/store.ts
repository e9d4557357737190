import type { Finding, RiskLevel } from "@airlock/analyzer";

/** Lifecycle of an audited execution. `queued` is written before the run; `interrupted` marks rows a crash left behind. */
export type AuditStatus =
  | "queued"
  | "running"
  | "completed"
  | "error"
  | "timeout"
  | "blocked"
  | "cancelled"
  | "rejected"
  | "interrupted";

export const AUDIT_STATUSES: readonly AuditStatus[] = [
  "queued",
  "running",
  "completed",
  "error",
  "timeout",
  "blocked",
  "cancelled",
  "rejected",
  "interrupted",
];

/** What is known about an execution when it is accepted. The code itself is never stored, only its hash. */
export interface NewExecution {
  id: string;
  createdAt: number;
  requestId: string | null;
  apiKeyId: string | null;
  codeSha256: string;
  codeSize: number;
  policy: string;
  engine: string;
  status: "queued" | "blocked";
  score: number;
  level: RiskLevel;
  findings: readonly Finding[];
}

/** What is known once it ends. */
export interface FinishedExecution {
  status: AuditStatus;
  exitCode: number | null;
  durationMs: number | null;
  outputBytes: number | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** One audit row as the API returns it (times as epoch ms). */
export interface ExecutionRecord extends Omit<NewExecution, "status">, FinishedExecution {
  updatedAt: number;
}

export interface ExecutionFilter {
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
  status?: AuditStatus;
  level?: RiskLevel;
  engine?: string;
  /** Only rows created at or after this epoch ms. */
  since?: number;
}

export interface ExecutionPage {
  items: ExecutionRecord[];
  nextCursor: string | null;
}

export interface SecuritySummary {
  since: number | null;
  total: number;
  blocked: number;
  byLevel: Record<string, number>;
  byCategory: Record<string, number>;
  topRules: { rule: string; severity: string; count: number }[];
}

export interface AuditStats {
  total: number;
  byStatus: Record<string, number>;
  byEngine: Record<string, number>;
  byPolicy: Record<string, number>;
  avgDurationMs: number | null;
  maxDurationMs: number | null;
  totalOutputBytes: number;
  oldest: number | null;
  newest: number | null;
}

/**
 * Where executions are audited. Methods are async so a networked database (PostgreSQL, when
 * `DATABASE_URL` is supported) can implement the same interface as the SQLite file.
 */
export interface AuditStore {
  /** Writes the row before anything runs. Resolves once it is durable (per the store's sync setting). */
  insert(execution: NewExecution): Promise<void>;
  /** `queued` → `running`; a no-op in any other state (a retried job is already running or finished). */
  markRunning(id: string): Promise<void>;
  /**
   * Writes the final status once: only a `queued`/`running` row changes, so a duplicate report (a retry
   * after a worker died, a late event) never overwrites the first outcome.
   */
  finish(id: string, result: FinishedExecution): Promise<void>;
  get(id: string): Promise<ExecutionRecord | undefined>;
  list(filter: ExecutionFilter): Promise<ExecutionPage>;
  securitySummary(since?: number): Promise<SecuritySummary>;
  stats(): Promise<AuditStats>;
  /** Records the hash of an API key so audit rows' `apiKeyId` can be traced to a configured key. */
  registerApiKey(id: string, sha256: string): Promise<void>;
  /** Deletes rows created before `now - days`; returns how many. */
  prune(days: number, now?: number): Promise<number>;
  /** Marks rows left `queued`/`running` by a previous process as `interrupted`; returns how many. */
  recoverInterrupted(): Promise<number>;
  close(): Promise<void>;
}
