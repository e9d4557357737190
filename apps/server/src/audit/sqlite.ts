import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { GroupCommit } from "./group-commit.js";
import { migrate } from "./migrations.js";
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

export interface SqliteAuditOptions {
  /** File path; `:memory:` for a throwaway store. */
  path: string;
  /**
   * `full` (default): a write resolves only once it is fsynced, so an accepted execution survives a power
   * loss, not only a crashed process. The fsync is a group commit off the event loop (see {@link GroupCommit}):
   * one fsync covers every commit made before it started, instead of SQLite's one per commit on the main thread.
   * `normal`: in WAL mode still safe against a killed process, but the last commits can be lost if the OS dies.
   */
  synchronous?: "normal" | "full";
}

/** The audit store in one SQLite file (WAL mode), through better-sqlite3. */
export class SqliteAuditStore implements AuditStore {
  readonly #db: Database.Database;
  readonly #stmt;
  /** Set with `synchronous: "full"` on a WAL file; null when SQLite syncs (or need not). */
  readonly #group: GroupCommit | null = null;

  constructor(options: SqliteAuditOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new Database(options.path);
    const wal = this.#db.pragma("journal_mode = WAL", { simple: true }) === "wal";
    const full = options.synchronous !== "normal";
    // FULL until the WAL file is known to exist: the migrations below are then synced by SQLite itself.
    this.#db.pragma(`synchronous = ${full ? "FULL" : "NORMAL"}`);
    this.#db.pragma("busy_timeout = 5000");
    this.#db.pragma("foreign_keys = ON");
    migrate(this.#db);
    const walPath = `${this.#db.name}-wal`;
    if (full && wal && options.path !== ":memory:" && existsSync(walPath)) {
      this.#group = new GroupCommit(walPath);
      this.#db.pragma("synchronous = NORMAL");
    }
    const db = this.#db;
    this.#stmt = {
      insert: db.prepare(`INSERT INTO executions
        (id, created_at, updated_at, request_id, api_key_id, code_sha256, code_size, policy, engine,
         status, score, level, findings)
        VALUES (@id, @createdAt, @createdAt, @requestId, @apiKeyId, @codeSha256, @codeSize, @policy, @engine,
         @status, @score, @level, @findings)`),
      running: db.prepare(
        "UPDATE executions SET status = 'running', updated_at = ? WHERE id = ? AND status = 'queued'",
      ),
      finish: db.prepare(`UPDATE executions SET status = @status, exit_code = @exitCode,
        duration_ms = @durationMs, output_bytes = @outputBytes, error_code = @errorCode,
        error_message = @errorMessage, updated_at = @now
        WHERE id = @id AND status IN ('queued', 'running')`),
      get: db.prepare("SELECT * FROM executions WHERE id = ?"),
      prune: db.prepare("DELETE FROM executions WHERE created_at < ?"),
      recover: db.prepare(
        "UPDATE executions SET status = 'interrupted', updated_at = ?, error_code = 'AIRLOCK_INTERRUPTED', error_message = 'the server stopped before this execution finished' WHERE status IN ('queued', 'running')",
      ),
      key: db.prepare("INSERT OR IGNORE INTO api_keys (id, sha256, first_seen) VALUES (?, ?, ?)"),
    };
  }

  /**
   * fsyncs the group commit has started (each covered every write made before it); null without one
   * (`synchronous: "normal"`, `:memory:`, or no WAL file), when syncing is left to SQLite's pragma.
   */
  get fsyncs(): number | null {
    return this.#group?.syncs ?? null;
  }

  /** Resolves once the last commit is durable; at once without a group commit (SQLite's pragma decides). */
  #durable(): Promise<void> | undefined {
    return this.#group?.durable();
  }

  async insert(e: NewExecution): Promise<void> {
    this.#stmt.insert.run({ ...e, findings: JSON.stringify(e.findings) });
    await this.#durable();
  }

  /**
   * Not waited for durability: a `running` mark lost in a power cut leaves the row `queued`, which the
   * restart marks `interrupted` exactly as it would a `running` one. The next synced write covers it.
   */
  async markRunning(id: string): Promise<void> {
    this.#stmt.running.run(Date.now(), id);
    this.#group?.committed();
  }

  /**
   * Before a read: waits until every write so far is durable, so a reader never sees a row a power cut
   * could still undo (committed rows are visible to this connection before their fsync ends). A failed
   * fsync fails the writes, not the reads.
   */
  async #readable(): Promise<void> {
    await this.#group?.synced().catch(() => undefined);
  }

  async finish(id: string, r: FinishedExecution): Promise<void> {
    this.#stmt.finish.run({ ...r, id, now: Date.now() });
    await this.#durable();
  }

  async get(id: string): Promise<ExecutionRecord | undefined> {
    await this.#readable();
    const row = this.#stmt.get.get(id) as AuditRow | undefined;
    return row && toRecord(row);
  }

  async list(f: ExecutionFilter): Promise<ExecutionPage> {
    await this.#readable();
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.cursor !== undefined) {
      // 15 digits keep the number exact as a JavaScript number.
      const seq = decodeCursor(f.cursor, 15);
      if (seq === undefined) throw new RangeError("cursor");
      where.push("seq < ?");
      args.push(Number(seq));
    }
    if (f.status) (where.push("status = ?"), args.push(f.status));
    if (f.level) (where.push("level = ?"), args.push(f.level));
    if (f.engine) (where.push("engine = ?"), args.push(f.engine));
    if (f.since !== undefined) (where.push("created_at >= ?"), args.push(f.since));
    const sql = `SELECT * FROM executions ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY seq DESC LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...args, f.limit + 1) as AuditRow[];
    const page = rows.slice(0, f.limit);
    const last = page.at(-1);
    return {
      items: page.map(toRecord),
      nextCursor: rows.length > f.limit && last ? encodeCursor(last.seq) : null,
    };
  }

  async securitySummary(since?: number): Promise<SecuritySummary> {
    await this.#readable();
    const cond = since === undefined ? "" : "WHERE created_at >= ?";
    const args = since === undefined ? [] : [since];
    const db = this.#db;
    const totals = db
      .prepare(
        `SELECT count(*) AS total, coalesce(sum(status = 'blocked'), 0) AS blocked FROM executions ${cond}`,
      )
      .get(...args) as { total: number; blocked: number };
    const byLevel = db
      .prepare(`SELECT level AS k, count(*) AS n FROM executions ${cond} GROUP BY level`)
      .all(...args) as { k: string; n: number }[];
    const rules = db
      .prepare(
        `SELECT f.value ->> '$.rule' AS rule, f.value ->> '$.severity' AS severity,
                f.value ->> '$.category' AS category, count(*) AS n
         FROM executions e, json_each(e.findings) f ${cond.replace("created_at", "e.created_at")}
         GROUP BY rule, severity, category ORDER BY n DESC, rule`,
      )
      .all(...args) as { rule: string; severity: string; category: string; n: number }[];
    return securitySummaryOf({
      since,
      total: totals.total,
      blocked: totals.blocked,
      byLevel,
      rules,
    });
  }

  async stats(): Promise<AuditStats> {
    await this.#readable();
    const db = this.#db;
    const group = (col: string) =>
      Object.fromEntries(
        (
          db.prepare(`SELECT ${col} AS k, count(*) AS n FROM executions GROUP BY ${col}`).all() as {
            k: string;
            n: number;
          }[]
        ).map((r) => [r.k, r.n]),
      );
    const agg = db
      .prepare(
        `SELECT count(*) AS total, avg(duration_ms) AS avg, max(duration_ms) AS max,
                coalesce(sum(output_bytes), 0) AS out, min(created_at) AS oldest, max(created_at) AS newest
         FROM executions`,
      )
      .get() as {
      total: number;
      avg: number | null;
      max: number | null;
      out: number;
      oldest: number | null;
      newest: number | null;
    };
    return {
      total: agg.total,
      byStatus: group("status"),
      byEngine: group("engine"),
      byPolicy: group("policy"),
      avgDurationMs: agg.avg,
      maxDurationMs: agg.max,
      totalOutputBytes: agg.out,
      oldest: agg.oldest,
      newest: agg.newest,
    };
  }

  async registerApiKey(id: string, sha256: string): Promise<void> {
    this.#stmt.key.run(id, sha256, Date.now());
    await this.#durable();
  }

  async prune(days: number, now = Date.now()): Promise<number> {
    const { changes } = this.#stmt.prune.run(now - days * 86_400_000);
    await this.#durable();
    return changes;
  }

  async recoverInterrupted(): Promise<number> {
    const { changes } = this.#stmt.recover.run(Date.now());
    await this.#durable();
    return changes;
  }

  async close(): Promise<void> {
    await this.#group?.close();
    if (this.#db.open) this.#db.close();
  }
}
