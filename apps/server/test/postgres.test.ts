import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_MIGRATIONS, PostgresAuditStore } from "../src/audit/postgres.js";
import type { NewExecution } from "../src/audit/store.js";
import { startServer } from "./helpers/server.js";
import { startPostgres, type TestPostgres } from "./helpers/postgres.js";

let db: TestPostgres;
let store: PostgresAuditStore;
beforeAll(async () => {
  db = await startPostgres();
  store = await PostgresAuditStore.open({ url: db.url });
}, 60_000);
afterAll(async () => {
  await store?.close();
  await db?.stop();
}, 30_000);

let n = 0;
function execution(over: Partial<NewExecution> = {}): NewExecution {
  n++;
  return {
    id: `exe_00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    createdAt: Date.now(),
    requestId: `req-${n}`,
    apiKeyId: "key_abc",
    codeSha256: "0".repeat(64),
    codeSize: 10,
    policy: "standard",
    engine: "quickjs",
    status: "queued",
    score: 0,
    level: "none",
    findings: [],
    ...over,
  };
}
const done = {
  status: "completed",
  exitCode: 0,
  durationMs: 12.5,
  outputBytes: 6,
  errorCode: null,
  errorMessage: null,
} as const;

describe("PostgresAuditStore (real PostgreSQL)", () => {
  it("applies migrations once, even when several nodes open the database at the same time", async () => {
    const others = await Promise.all([1, 2, 3].map(() => PostgresAuditStore.open({ url: db.url })));
    await Promise.all(others.map((s) => s.close()));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query("SELECT version FROM schema_migrations ORDER BY version");
    await client.end();
    expect(rows).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version })));
  });

  it("queued → running → finished; writes are idempotent by execution id", async () => {
    const e = execution();
    await store.insert(e);
    await store.insert({ ...e, codeSize: 999 }); // a duplicate insert is ignored
    expect((await store.get(e.id))?.codeSize).toBe(10);
    await store.markRunning(e.id);
    expect((await store.get(e.id))?.status).toBe("running");
    await store.finish(e.id, done);
    // A second report (a retry, a late event) never overwrites the first outcome.
    await store.finish(e.id, { ...done, status: "error", errorCode: "AIRLOCK_WORKER_LOST" });
    await store.markRunning(e.id);
    const row = await store.get(e.id);
    expect(row).toMatchObject({
      status: "completed",
      exitCode: 0,
      durationMs: 12.5,
      outputBytes: 6,
    });
    expect(row?.errorCode).toBeNull();
    expect(await store.get("exe_missing")).toBeUndefined();
  });

  it("lists newest first with a cursor and filters; summarises findings; stats; prune", async () => {
    const since = Date.now();
    const finding = {
      rule: "eval-call",
      category: "code-execution",
      severity: "high",
      message: "eval",
      line: 1,
      column: 1,
    } as unknown as NewExecution["findings"][number];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const e = execution({
        createdAt: since + i,
        findings: i < 2 ? [finding] : [],
        level: i < 2 ? "high" : "none",
        score: i < 2 ? 40 : 0,
      });
      ids.push(e.id);
      await store.insert(e);
    }
    const first = await store.list({ limit: 2, since });
    expect(first.items.map((r) => r.id)).toEqual([ids[4], ids[3]]);
    const second = await store.list({ limit: 10, since, cursor: first.nextCursor! });
    expect(second.items.map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(second.nextCursor).toBeNull();
    expect((await store.list({ limit: 10, since, level: "high" })).items).toHaveLength(2);
    await expect(store.list({ limit: 1, cursor: "nonsense" })).rejects.toThrow(RangeError);
    const summary = await store.securitySummary(since);
    expect(summary).toMatchObject({ total: 5, byLevel: { high: 2, none: 3 } });
    expect(summary.topRules[0]).toEqual({ rule: "eval-call", severity: "high", count: 2 });
    expect(summary.byCategory).toEqual({ "code-execution": 2 });
    const stats = await store.stats();
    expect(stats.total).toBeGreaterThanOrEqual(5);
    expect(stats.byStatus.queued).toBeGreaterThanOrEqual(5);
    const old = execution({ createdAt: Date.now() - 40 * 86_400_000 });
    await store.insert(old);
    expect(await store.prune(30)).toBe(1);
    expect(await store.get(old.id)).toBeUndefined();
  });

  it("recovery only marks rows stale past the threshold (another live node may own younger ones)", async () => {
    const s = await PostgresAuditStore.open({ url: db.url, staleAfterMs: 60_000 });
    const young = execution();
    const stale = execution();
    await s.insert(young);
    await s.insert(stale);
    const later = Date.now() + 120_000;
    await s.markRunning(young.id);
    // Both were written just now: not stale yet (deny); two minutes on, both are (allow).
    expect(await s.recoverInterrupted()).toBe(0);
    expect(await s.recoverInterrupted(later)).toBeGreaterThanOrEqual(2);
    expect((await s.get(stale.id))?.status).toBe("interrupted");
    await s.close();
  });

  it("DATABASE_URL: the server audits to PostgreSQL", async () => {
    const t = await startServer({ databaseUrl: db.url });
    try {
      const res = await t.req("/api/execute", { body: { code: "console.log(1)" } });
      const { id, status } = (await res.json()) as { id: string; status: string };
      expect(status).toBe("completed");
      expect(await store.get(id)).toMatchObject({ id, status: "completed", outputBytes: 2 });
      const api = await t.req(`/api/audit/execution/${id}`);
      expect(await api.json()).toMatchObject({ id, status: "completed" });
    } finally {
      await t.close();
    }
  }, 30_000);
});
