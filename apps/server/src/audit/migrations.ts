import type { Database } from "better-sqlite3";

/** Ordered schema changes. Append only: an applied migration is never edited, a new one is added. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "executions and api keys",
    sql: `
      CREATE TABLE executions (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        id            TEXT    NOT NULL UNIQUE,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        request_id    TEXT,
        api_key_id    TEXT,
        code_sha256   TEXT    NOT NULL,
        code_size     INTEGER NOT NULL,
        policy        TEXT    NOT NULL,
        engine        TEXT    NOT NULL,
        status        TEXT    NOT NULL,
        exit_code     INTEGER,
        duration_ms   REAL,
        output_bytes  INTEGER,
        score         INTEGER NOT NULL,
        level         TEXT    NOT NULL,
        findings      TEXT    NOT NULL,
        error_code    TEXT,
        error_message TEXT
      );
      CREATE INDEX executions_created_at ON executions (created_at);
      CREATE INDEX executions_status ON executions (status, seq);
      CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY,
        sha256     TEXT NOT NULL,
        first_seen INTEGER NOT NULL
      );
    `,
  },
];

/** Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction. */
export function migrate(db: Database): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = new Set(
    db
      .prepare("SELECT version FROM schema_migrations")
      .all()
      .map((r) => (r as { version: number }).version),
  );
  const ran: number[] = [];
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        Date.now(),
      );
    })();
    ran.push(m.version);
  }
  return ran;
}
