import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../src/audit/migrations.js";
import { GroupCommit } from "../src/audit/group-commit.js";
import { SqliteAuditStore } from "../src/audit/sqlite.js";
import type { NewExecution } from "../src/audit/store.js";

const dir = mkdtempSync(join(tmpdir(), "airlock-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

describe("SqliteAuditStore", () => {
  it("creates the schema once, records migrations, uses WAL and the chosen synchronous mode", async () => {
    const path = join(dir, "schema.db");
    await new SqliteAuditStore({ path, synchronous: "full" }).close();
    await new SqliteAuditStore({ path, synchronous: "full" }).close(); // second open: nothing re-applied
    const db = new Database(path);
    expect(db.prepare("SELECT version FROM schema_migrations").all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version })),
    );
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("writes a row as queued, then running, then finished", async () => {
    const store = new SqliteAuditStore({ path: join(dir, "life.db") });
    const e = execution();
    await store.insert(e);
    expect((await store.get(e.id))?.status).toBe("queued");
    await store.markRunning(e.id);
    expect((await store.get(e.id))?.status).toBe("running");
    await store.finish(e.id, {
      status: "completed",
      exitCode: 0,
      durationMs: 12.5,
      outputBytes: 6,
      errorCode: null,
      errorMessage: null,
    });
    expect(await store.get(e.id)).toMatchObject({
      id: e.id,
      status: "completed",
      exitCode: 0,
      durationMs: 12.5,
      outputBytes: 6,
      apiKeyId: "key_abc",
      codeSha256: "0".repeat(64),
      findings: [],
    });
    expect(await store.get("exe_missing")).toBeUndefined();
    await store.close();
  });

  it("finish is idempotent by id: a second report (retry, late event) never overwrites the first", async () => {
    const store = new SqliteAuditStore({ path: join(dir, "once.db") });
    const e = execution();
    await store.insert(e);
    await store.markRunning(e.id);
    const first = {
      status: "completed",
      exitCode: 0,
      durationMs: 5,
      outputBytes: 1,
      errorCode: null,
      errorMessage: null,
    } as const;
    await store.finish(e.id, first);
    await store.finish(e.id, { ...first, status: "error", errorCode: "AIRLOCK_WORKER_LOST" });
    await store.markRunning(e.id); // a retried job's start event: no effect on a finished row
    expect(await store.get(e.id)).toMatchObject({ status: "completed", errorCode: null });
    await store.close();
  });

  it("paginates newest first with an opaque cursor and filters by status, level, engine, since", async () => {
    const store = new SqliteAuditStore({ path: join(dir, "page.db") });
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const e = execution({
        createdAt: t0 + i,
        level: i % 2 ? "high" : "none",
        status: i === 3 ? "blocked" : "queued",
      });
      ids.push(e.id);
      await store.insert(e);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((r) => r.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    expect((await store.list({ limit: 50, level: "high" })).items).toHaveLength(3);
    expect((await store.list({ limit: 50, status: "blocked" })).items.map((r) => r.id)).toEqual([
      ids[3],
    ]);
    expect((await store.list({ limit: 50, engine: "microvm" })).items).toHaveLength(0);
    expect((await store.list({ limit: 50, since: t0 + 5 })).items).toHaveLength(2);
    await expect(store.list({ limit: 3, cursor: "garbage!" })).rejects.toThrow(RangeError);
    await store.close();
  });

  it("summarises findings by rule, category and level", async () => {
    const store = new SqliteAuditStore({ path: join(dir, "summary.db") });
    const finding = (rule: string, severity: "high" | "low") => ({
      category: "code-injection" as const,
      rule,
      severity,
      message: "m",
      line: 1,
      column: 1,
      snippet: "eval(x)",
    });
    await store.insert(
      execution({ level: "high", status: "blocked", findings: [finding("eval-call", "high")] }),
    );
    await store.insert(
      execution({
        level: "high",
        findings: [finding("eval-call", "high"), finding("function-constructor", "low")],
      }),
    );
    await store.insert(execution({ level: "none" }));
    const s = await store.securitySummary();
    expect(s).toMatchObject({
      total: 3,
      blocked: 1,
      byLevel: { high: 2, none: 1 },
      byCategory: { "code-injection": 3 },
    });
    expect(s.topRules[0]).toEqual({ rule: "eval-call", severity: "high", count: 2 });
    const stats = await store.stats();
    expect(stats).toMatchObject({
      total: 3,
      byStatus: { blocked: 1, queued: 2 },
      byEngine: { quickjs: 3 },
    });
    await store.close();
  });

  it("retention deletes only rows older than N days", async () => {
    const store = new SqliteAuditStore({ path: join(dir, "retention.db") });
    const now = Date.now();
    const old = execution({ createdAt: now - 10 * 86_400_000 });
    const fresh = execution({ createdAt: now - 2 * 86_400_000 });
    await store.insert(old);
    await store.insert(fresh);
    expect(await store.prune(5, now)).toBe(1);
    expect(await store.get(old.id)).toBeUndefined();
    expect(await store.get(fresh.id)).toBeDefined();
    await store.close();
  });

  it("marks rows a dead process left queued or running as interrupted, and leaves finished rows alone", async () => {
    const path = join(dir, "recover.db");
    const a = new SqliteAuditStore({ path });
    const q = execution();
    const r = execution();
    const done = execution();
    for (const e of [q, r, done]) await a.insert(e);
    await a.markRunning(r.id);
    await a.finish(done.id, {
      status: "completed",
      exitCode: 0,
      durationMs: 1,
      outputBytes: 0,
      errorCode: null,
      errorMessage: null,
    });
    await a.close();
    const b = new SqliteAuditStore({ path });
    expect(await b.recoverInterrupted()).toBe(2);
    expect((await b.get(q.id))?.status).toBe("interrupted");
    expect((await b.get(r.id))?.status).toBe("interrupted");
    expect((await b.get(done.id))?.status).toBe("completed");
    await b.close();
  });
});

describe("GroupCommit", () => {
  it("one fsync covers every commit made while another was in flight, and none is reported early", async () => {
    const path = join(dir, "group.db");
    const store = new SqliteAuditStore({ path });
    const group = new GroupCommit(`${path}-wal`);
    const first = group.durable(); // starts fsync 1
    let firstDone = false;
    void first.then(() => (firstDone = true));
    // Made while fsync 1 runs: it may not cover them, so they all wait for fsync 2.
    const later = Array.from({ length: 50 }, () =>
      group.durable().then(() => {
        expect(firstDone).toBe(true);
        return group.syncs;
      }),
    );
    await first;
    expect(await Promise.all(later)).toEqual(Array(50).fill(2));
    expect(group.syncs).toBe(2);
    await group.close();
    await expect(group.durable()).rejects.toThrow(/closed/);
    await store.close();
  });

  it("synced() waits for an fsync only when a commit is not yet covered by one", async () => {
    const path = join(dir, "synced.db");
    const store = new SqliteAuditStore({ path });
    const group = new GroupCommit(`${path}-wal`);
    await group.synced(); // nothing committed: no fsync
    expect(group.syncs).toBe(0);
    group.committed(); // a write nobody waited for (a running mark)
    await group.synced();
    expect(group.syncs).toBe(1);
    await group.synced(); // already covered
    expect(group.syncs).toBe(1);
    await group.close();
    await store.close();
  });

  it("a failed fsync fails its waiters and every later one (deny), where a good file syncs (allow)", async () => {
    // fdatasync of a character device fails with EINVAL, standing in for a disk error.
    const bad = new GroupCommit("/dev/null");
    await expect(bad.durable()).rejects.toMatchObject({ code: "EINVAL" });
    // Linux may drop the unsynced pages after a failed fsync: nothing later can be trusted durable.
    await expect(bad.durable()).rejects.toMatchObject({ code: "EINVAL" });
    expect(bad.syncs).toBe(1);
    await bad.close();
  });

  it("a store in full mode syncs through the group: concurrent writes share fsyncs and are all readable", async () => {
    const path = join(dir, "grouped.db");
    const store = new SqliteAuditStore({ path, synchronous: "full" });
    const rows = Array.from({ length: 40 }, () => execution());
    const before = store.fsyncs ?? NaN;
    await Promise.all(rows.map((e) => store.insert(e)));
    // The first insert started an fsync; the 39 made while it ran share the next one.
    expect(store.fsyncs).toBe(before + 2);
    await Promise.all(
      rows.map((e) =>
        store.finish(e.id, {
          status: "completed",
          exitCode: 0,
          durationMs: 1,
          outputBytes: 0,
          errorCode: null,
          errorMessage: null,
        }),
      ),
    );
    // Another connection (another process would do the same) sees every acknowledged row.
    const db = new Database(path, { readonly: true });
    const count = db
      .prepare("SELECT count(*) AS n FROM executions WHERE status = 'completed'")
      .get() as { n: number };
    db.close();
    expect(count.n).toBe(40);
    await store.close();
  });

  it("normal mode and :memory: leave syncing to SQLite (no group commit to wait for)", async () => {
    const normal = new SqliteAuditStore({ path: join(dir, "normal.db"), synchronous: "normal" });
    const memory = new SqliteAuditStore({ path: ":memory:" });
    expect([normal.fsyncs, memory.fsyncs]).toEqual([null, null]);
    await normal.insert(execution());
    await memory.insert(execution());
    await normal.close();
    await memory.close();
  });
});
