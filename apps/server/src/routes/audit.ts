import type { FastifyInstance } from "fastify";
import type { AuditStatus, AuditStore, ExecutionFilter, ExecutionRecord } from "../audit/store.js";
import { BadRequestError, NotFoundError } from "../errors.js";
import { executionsQuery, idParams, reportQuery, summaryQuery } from "./schemas.js";

/** Epoch ms from `since` (ISO date-time or epoch ms). */
function parseSince(since: string | undefined): number | undefined {
  if (since === undefined) return undefined;
  const ms = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
  if (!Number.isFinite(ms)) {
    throw new BadRequestError("since", "since must be an ISO 8601 date-time or epoch milliseconds");
  }
  return ms;
}

/** The audit row as JSON: times as ISO strings. */
export function presentRecord(r: ExecutionRecord): Record<string, unknown> {
  return {
    ...r,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

const CSV_COLUMNS = [
  "id",
  "created_at",
  "api_key_id",
  "code_sha256",
  "code_size",
  "policy",
  "engine",
  "status",
  "exit_code",
  "duration_ms",
  "output_bytes",
  "score",
  "level",
  "finding_rule",
  "finding_category",
  "finding_severity",
  "finding_line",
  "finding_column",
  "finding_message",
] as const;

/**
 * One CSV cell: quoted when needed, and a leading `= + - @` (or tab/CR) neutralised with `'` so a
 * spreadsheet never evaluates text that came from submitted code as a formula.
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The report of one execution as CSV: one line per finding (or one line when there is none). */
export function executionCsv(r: ExecutionRecord): string {
  const base = [
    r.id,
    new Date(r.createdAt).toISOString(),
    r.apiKeyId,
    r.codeSha256,
    r.codeSize,
    r.policy,
    r.engine,
    r.status,
    r.exitCode,
    r.durationMs,
    r.outputBytes,
    r.score,
    r.level,
  ];
  const lines = (r.findings.length ? r.findings : [undefined]).map((f) =>
    [...base, f?.rule, f?.category, f?.severity, f?.line, f?.column, f?.message]
      .map(csvCell)
      .join(","),
  );
  return `${CSV_COLUMNS.join(",")}\r\n${lines.join("\r\n")}\r\n`;
}

export function auditRoutes(app: FastifyInstance, audit: AuditStore): void {
  const getOr404 = async (id: string) => {
    const row = await audit.get(id);
    if (!row)
      throw new NotFoundError(`no audit record for ${id} (unknown, or deleted by retention)`);
    return row;
  };

  app.get<{ Params: { id: string } }>(
    "/api/audit/execution/:id",
    { schema: { params: idParams } },
    async (request) => presentRecord(await getOr404(request.params.id)),
  );

  app.get<{
    Querystring: {
      limit?: string;
      cursor?: string;
      status?: string;
      level?: string;
      engine?: string;
      since?: string;
    };
  }>("/api/audit/executions", { schema: { querystring: executionsQuery } }, async (request) => {
    const q = request.query;
    const since = parseSince(q.since);
    const filter: ExecutionFilter = {
      limit: q.limit ? Number(q.limit) : 50,
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.status ? { status: q.status as AuditStatus } : {}),
      ...(q.level ? { level: q.level as ExecutionFilter["level"] & string } : {}),
      ...(q.engine ? { engine: q.engine } : {}),
      ...(since !== undefined ? { since } : {}),
    };
    try {
      const page = await audit.list(filter);
      return { items: page.items.map(presentRecord), nextCursor: page.nextCursor };
    } catch (e) {
      if (e instanceof RangeError)
        throw new BadRequestError("cursor", "cursor is not one this server issued");
      throw e;
    }
  });

  app.get<{ Querystring: { since?: string } }>(
    "/api/audit/security-summary",
    { schema: { querystring: summaryQuery } },
    async (request) => audit.securitySummary(parseSince(request.query.since)),
  );

  app.get("/api/audit/stats", async () => audit.stats());

  app.get<{ Params: { id: string }; Querystring: { format?: "json" | "csv" } }>(
    "/api/reports/execution/:id",
    { schema: { params: idParams, querystring: reportQuery } },
    async (request, reply) => {
      const row = await getOr404(request.params.id);
      if (request.query.format === "csv") {
        return reply
          .header("content-type", "text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="${row.id}.csv"`)
          .send(executionCsv(row));
      }
      return {
        report: "execution",
        generatedAt: new Date().toISOString(),
        execution: presentRecord(row),
      };
    },
  );
}
