import type { Finding, RiskLevel } from "@airlock/analyzer";
import type { AuditStatus, ExecutionRecord, SecuritySummary } from "./store.js";

/**
 * An `executions` row as either driver returns it. The columns are the same in both schemas; only the
 * JavaScript types differ (pg returns BIGINTs as strings and JSONB parsed; SQLite returns numbers and TEXT).
 */
export interface AuditRow {
  seq: number | string;
  id: string;
  created_at: number | string;
  updated_at: number | string;
  request_id: string | null;
  api_key_id: string | null;
  code_sha256: string;
  code_size: number;
  policy: string;
  engine: string;
  status: string;
  exit_code: number | null;
  duration_ms: number | null;
  output_bytes: number | string | null;
  score: number;
  level: string;
  findings: string | Finding[];
  error_code: string | null;
  error_message: string | null;
}

/** One row → the record the API returns, whichever database it came from. */
export function toRecord(r: AuditRow): ExecutionRecord {
  return {
    id: r.id,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    requestId: r.request_id,
    apiKeyId: r.api_key_id,
    codeSha256: r.code_sha256,
    codeSize: r.code_size,
    policy: r.policy,
    engine: r.engine,
    status: r.status as AuditStatus,
    exitCode: r.exit_code,
    durationMs: r.duration_ms,
    outputBytes: r.output_bytes === null ? null : Number(r.output_bytes),
    score: r.score,
    level: r.level as RiskLevel,
    findings: typeof r.findings === "string" ? (JSON.parse(r.findings) as Finding[]) : r.findings,
    errorCode: r.error_code,
    errorMessage: r.error_message,
  };
}

/** Pagination cursors are opaque to clients: the last row's `seq`, base64url-wrapped. */
export const encodeCursor = (seq: number | string) => Buffer.from(`s${seq}`).toString("base64url");

/** The `seq` inside a cursor (as decimal text), or undefined when the cursor is not one of ours. */
export function decodeCursor(cursor: string, maxDigits: number): string | undefined {
  const m = new RegExp(`^s(\\d{1,${maxDigits}})$`).exec(
    Buffer.from(cursor, "base64url").toString(),
  );
  return m?.[1];
}

/** Counts as the drivers return them (numbers or numeric strings) → the security summary. */
export function securitySummaryOf(parts: {
  since: number | undefined;
  total: number | string | undefined;
  blocked: number | string | undefined;
  byLevel: readonly { k: string; n: number | string }[];
  rules: readonly { rule: string; severity: string; category: string; n: number | string }[];
}): SecuritySummary {
  const byCategory: Record<string, number> = {};
  for (const r of parts.rules) byCategory[r.category] = (byCategory[r.category] ?? 0) + Number(r.n);
  return {
    since: parts.since ?? null,
    total: Number(parts.total ?? 0),
    blocked: Number(parts.blocked ?? 0),
    byLevel: Object.fromEntries(parts.byLevel.map((r) => [r.k, Number(r.n)])),
    byCategory,
    topRules: parts.rules
      .slice(0, 20)
      .map((r) => ({ rule: r.rule, severity: r.severity, count: Number(r.n) })),
  };
}
