import pg from "pg";
import { decodeCursor, encodeCursor, securitySummaryOf, toRecord, type AuditRow } from "./rows.js";
import type {
  AuditStats,
  AuditStore,
  ExecutionFilter,
  ExecutionPage,
  ExecutionRecord,
  FinishedExecution,
  NewExecution,
  SecuritySummary,
} from "./store.js";

export interface PostgresAuditOptions {
  /** `postgres://user:password@host:5432/db` (`DATABASE_URL`). */
  url: string;
  /** Connections in the pool (default 5). */
  poolSize?: number;
  /**
   * `recoverInterrupted` only marks rows left `queued`/`running` for longer than this, ms (default 1 hour,
   * above every tier's timeout). The database is shared: a younger row may belong to another API node
   * that is alive and still waiting for its result.
   */
  staleAfterMs?: number;
}

/** Ordered schema changes. Append only, as the SQLite ones; applied under an advisory lock so API nodes starting together don't race. */
export const PG_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "executions and api keys",
    sql: `
      CREATE TABLE executions (
        seq           BIGSERIAL PRIMARY KEY,
        id            TEXT    NOT NULL UNIQUE,
        created_at    BIGINT  NOT NULL,
        updated_at    BIGINT  NOT NULL,
        request_id    TEXT,
        api_key_id    TEXT,
        code_sha256   TEXT    NOT NULL,
        code_size     INTEGER NOT NULL,
        policy        TEXT    NOT NULL,
        engine        TEXT    NOT NULL,
        status        TEXT    NOT NULL,
        exit_code     INTEGER,
        duration_ms   DOUBLE PRECISION,
        output_bytes  BIGINT,
        score         INTEGER NOT NULL,
        level         TEXT    NOT NULL,
        findings      JSONB   NOT NULL,
        error_code    TEXT,
        error_message TEXT
      );
      CREATE INDEX executions_created_at ON executions (created_at);
      CREATE INDEX executions_status ON executions (status, seq);
      CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY,
        sha256     TEXT NOT NULL,
        first_seen BIGINT NOT NULL
      );
    `,
  },
];

/** An arbitrary constant: the advisory lock that serialises migrations across nodes. */
const MIGRATION_LOCK = 7_411_923;

/**
 * The audit store in PostgreSQL (`DATABASE_URL`): the one to use with several API nodes, which all write
 * the same tables. Every write is idempotent by execution id: a second insert is ignored, `finish` only
 * changes a `queued`/`running` row.
 */
export class PostgresAuditStore implements AuditStore {
  readonly #pool: pg.Pool;
  readonly #staleAfterMs: number;
  #closed = false;

  private constructor(options: PostgresAuditOptions) {
    this.#pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 5 });
    // An idle client losing its connection (database restart) must not crash the process.
    this.#pool.on("error", () => undefined);
    this.#staleAfterMs = options.staleAfterMs ?? 3_600_000;
  }

  /** Connects and applies pending migrations. */
  static async open(options: PostgresAuditOptions): Promise<PostgresAuditStore> {
    const store = new PostgresAuditStore(options);
    try {
      await store.#migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async #migrate(): Promise<number[]> {
    const client = await this.#pool.connect();
    const ran: number[] = [];
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
      const { rows } = await client.query<{ version: number }>(
        "SELECT version FROM schema_migrations",
      );
      const applied = new Set(rows.map((r) => r.version));
      for (const m of PG_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            [m.version, m.name, Date.now()],
          );
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
        ran.push(m.version);
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
    return ran;
  }

  async insert(e: NewExecution): Promise<void> {
    await this.#pool.query(
      `INSERT INTO executions (id, created_at, updated_at, request_id, api_key_id, code_sha256, code_size,
         policy, engine, status, score, level, findings)
       VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO NOTHING`,
      [
        e.id,
        e.createdAt,
        e.requestId,
        e.apiKeyId,
        e.codeSha256,
        e.codeSize,
        e.policy,
        e.engine,
        e.status,
        e.score,
        e.level,
        JSON.stringify(e.findings),
      ],
    );
  }

  async markRunning(id: string): Promise<void> {
    await this.#pool.query(
      "UPDATE executions SET status = 'running', updated_at = $1 WHERE id = $2 AND status = 'queued'",
      [Date.now(), id],
    );
  }

  async finish(id: string, r: FinishedExecution): Promise<void> {
    await this.#pool.query(
      `UPDATE executions SET status = $1, exit_code = $2, duration_ms = $3, output_bytes = $4,
         error_code = $5, error_message = $6, updated_at = $7
       WHERE id = $8 AND status IN ('queued', 'running')`,
      [
        r.status,
        r.exitCode,
        r.durationMs,
        r.outputBytes,
        r.errorCode,
        r.errorMessage,
        Date.now(),
        id,
      ],
    );
  }

  async get(id: string): Promise<ExecutionRecord | undefined> {
    const { rows } = await this.#pool.query<AuditRow>("SELECT * FROM executions WHERE id = $1", [
      id,
    ]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(f: ExecutionFilter): Promise<ExecutionPage> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, v: string | number) => {
      args.push(v);
      where.push(sql.replace("?", `$${args.length}`));
    };
    if (f.cursor !== undefined) {
      const seq = decodeCursor(f.cursor, 18);
      if (seq === undefined) throw new RangeError("cursor");
      add("seq < ?", seq);
    }
    if (f.status) add("status = ?", f.status);
    if (f.level) add("level = ?", f.level);
    if (f.engine) add("engine = ?", f.engine);
    if (f.since !== undefined) add("created_at >= ?", f.since);
    args.push(f.limit + 1);
    const { rows } = await this.#pool.query<AuditRow>(
      `SELECT * FROM executions ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY seq DESC LIMIT $${args.length}`,
      args,
    );
    const page = rows.slice(0, f.limit);
    const last = page.at(-1);
    return {
      items: page.map(toRecord),
      nextCursor: rows.length > f.limit && last ? encodeCursor(last.seq) : null,
    };
  }

  async securitySummary(since?: number): Promise<SecuritySummary> {
    const cond = since === undefined ? "" : "WHERE created_at >= $1";
    const args = since === undefined ? [] : [since];
    const totals = await this.#pool.query<{ total: string; blocked: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'blocked') AS blocked FROM executions ${cond}`,
      args,
    );
    const byLevel = await this.#pool.query<{ k: string; n: string }>(
      `SELECT level AS k, count(*) AS n FROM executions ${cond} GROUP BY level`,
      args,
    );
    const rules = await this.#pool.query<{
      rule: string;
      severity: string;
      category: string;
      n: string;
    }>(
      `SELECT f ->> 'rule' AS rule, f ->> 'severity' AS severity, f ->> 'category' AS category, count(*) AS n
       FROM executions e, jsonb_array_elements(e.findings) f ${cond.replace("created_at", "e.created_at")}
       GROUP BY 1, 2, 3 ORDER BY n DESC, rule`,
      args,
    );
    return securitySummaryOf({
      since,
      total: totals.rows[0]?.total,
      blocked: totals.rows[0]?.blocked,
      byLevel: byLevel.rows,
      rules: rules.rows,
    });
  }

  async stats(): Promise<AuditStats> {
    const group = async (col: "status" | "engine" | "policy") => {
      const { rows } = await this.#pool.query<{ k: string; n: string }>(
        `SELECT ${col} AS k, count(*) AS n FROM executions GROUP BY ${col}`,
      );
      return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
    };
    const { rows } = await this.#pool.query<{
      total: string;
      avg: number | null;
      max: number | null;
      out: string;
      oldest: string | null;
      newest: string | null;
    }>(
      `SELECT count(*) AS total, avg(duration_ms) AS avg, max(duration_ms) AS max,
              coalesce(sum(output_bytes), 0) AS out, min(created_at) AS oldest, max(created_at) AS newest
       FROM executions`,
    );
    const agg = rows[0]!;
    const num = (v: string | null) => (v === null ? null : Number(v));
    return {
      total: Number(agg.total),
      byStatus: await group("status"),
      byEngine: await group("engine"),
      byPolicy: await group("policy"),
      avgDurationMs: agg.avg === null ? null : Number(agg.avg),
      maxDurationMs: agg.max === null ? null : Number(agg.max),
      totalOutputBytes: Number(agg.out),
      oldest: num(agg.oldest),
      newest: num(agg.newest),
    };
  }

  async registerApiKey(id: string, sha256: string): Promise<void> {
    await this.#pool.query(
      "INSERT INTO api_keys (id, sha256, first_seen) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
      [id, sha256, Date.now()],
    );
  }

  async prune(days: number, now = Date.now()): Promise<number> {
    const r = await this.#pool.query("DELETE FROM executions WHERE created_at < $1", [
      now - days * 86_400_000,
    ]);
    return r.rowCount ?? 0;
  }

  async recoverInterrupted(now = Date.now()): Promise<number> {
    const r = await this.#pool.query(
      `UPDATE executions SET status = 'interrupted', updated_at = $1, error_code = 'AIRLOCK_INTERRUPTED',
         error_message = 'the server stopped before this execution finished'
       WHERE status IN ('queued', 'running') AND updated_at < $2`,
      [now, now - this.#staleAfterMs],
    );
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
