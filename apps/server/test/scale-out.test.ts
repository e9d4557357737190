import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditStatus } from "../src/audit/store.js";
import { eventually, startServer, type TestServer } from "./helpers/server.js";
import { startPostgres, type TestPostgres } from "./helpers/postgres.js";
import { spawnWorker, startRedis, type TestRedis, type WorkerProcess } from "./helpers/redis.js";

// API nodes run in this process (createServer with redisUrl); workers are real `airlock-worker`
// processes; Redis is a real redis-server. Each test uses its own REDIS_PREFIX, so queues never mix.

let redis: TestRedis;
let postgres: TestPostgres;
const servers: TestServer[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
}, 60_000);
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  await Promise.allSettled(servers.map((s) => s.close()));
  await Promise.allSettled([redis?.stop(), postgres?.stop()]);
}, 30_000);

const TERMINAL: AuditStatus[] = [
  "completed",
  "error",
  "timeout",
  "cancelled",
  "blocked",
  "rejected",
];
/** fib(n) in the guest: CPU-bound with a fixed amount of work (≈0.1–0.3 s at 27 under QuickJS-wasm). */
const fib = (n: number) => `function f(n){return n<2?n:f(n-1)+f(n-2)}; console.log(f(${n}))`;
const busy = (ms: number) =>
  `const e = Date.now() + ${ms}; while (Date.now() < e) {} console.log("done")`;

async function api(prefix: string, extra: Record<string, unknown> = {}): Promise<TestServer> {
  const t = await startServer({ redisUrl: redis.url, redisPrefix: prefix, ...extra });
  servers.push(t);
  return t;
}

async function worker(prefix: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const w = await spawnWorker({
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    WORKER_CONCURRENCY: "1",
    ...env,
  });
  workers.push(w);
  return w;
}

async function submit(t: TestServer, code: string, wait: boolean): Promise<Response> {
  return t.req("/api/execute", { body: { code, wait, timeout: 20_000 } });
}

/** Counts the service's results per execution id: a duplicate report shows up as 2. */
function resultCounter(t: TestServer): Map<string, number> {
  const seen = new Map<string, number>();
  t.server.service.onResult((r) => seen.set(r.id, (seen.get(r.id) ?? 0) + 1));
  return seen;
}

/** Waits until every id has a terminal audit row; returns the rows' statuses. */
async function settledRows(t: TestServer, ids: string[], ms: number) {
  return eventually(async () => {
    const rows = await Promise.all(ids.map((id) => t.server.audit.get(id)));
    return rows.every((r) => r && TERMINAL.includes(r.status)) ? rows.map((r) => r!) : undefined;
  }, ms);
}

describe("BullMQ queue: API node + airlock-worker processes over Redis", () => {
  it("runs through a worker, streams SSE chunks back, cancels a running job on the worker", async () => {
    const t = await api("sse");
    await worker("sse");
    const res = await submit(t, "console.log(6 * 7)", true);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "completed", output: "42\n", exitCode: 0 });
    const stats = (await (await t.req("/api/stats")).json()) as { queue: { backend: string } };
    expect(stats.queue.backend).toBe("bullmq");

    const stream = await t.req("/api/execute/stream", {
      body: {
        code: `console.log("one"); console.error("warn"); ${busy(300)}; console.log("two")`,
      },
    });
    expect(stream.status).toBe(200);
    const text = await stream.text();
    const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
      event: m[1]!,
      data: JSON.parse(m[2]!),
    }));
    expect(events[0]?.event).toBe("queued");
    expect(events.at(-1)?.event).toBe("complete");
    const chunks = events.filter((e) => e.event === "chunk").map((e) => e.data);
    const stdout = chunks
      .filter((c) => c.stream === "stdout")
      .map((c) => c.data)
      .join("");
    const stderr = chunks
      .filter((c) => c.stream === "stderr")
      .map((c) => c.data)
      .join("");
    // Every chunk arrived from the worker before `complete`, in order.
    expect(stdout).toBe("one\ndone\ntwo\n");
    expect(stderr).toBe("warn\n");
    expect(events.at(-1)?.data).toMatchObject({ status: "completed", output: "one\ndone\ntwo\n" });

    // DELETE of a job running on the worker: the client is answered and the worker is freed.
    const loop = await submit(t, "for(;;){}", false);
    expect(loop.status).toBe(202);
    const { id } = (await loop.json()) as { id: string };
    await eventually(
      async () => ((await t.server.audit.get(id))?.status === "running" ? true : undefined),
      15_000,
    );
    expect((await t.req(`/api/execute/${id}`, { method: "DELETE" })).status).toBe(200);
    const after = await submit(t, "console.log('free')", true);
    expect(await after.json()).toMatchObject({ status: "completed", output: "free\n" });
    expect((await t.server.audit.get(id))?.status).toBe("cancelled");
  }, 60_000);

  it("429 with Retry-After when too many jobs wait in Redis; the waiting ones run once a worker comes", async () => {
    const t = await api("depth", { queueMaxDepth: 3 });
    const accepted: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await submit(t, `console.log(${i})`, false);
      expect(res.status).toBe(202);
      accepted.push(((await res.json()) as { id: string }).id);
    }
    const before = (await t.server.audit.stats()).total;
    const refused = await submit(t, "console.log('no')", false);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { code: "AIRLOCK_QUEUE_FULL" } });
    expect((await t.server.audit.stats()).total).toBe(before); // a refusal is never audited
    await worker("depth");
    const rows = await settledRows(t, accepted, 20_000);
    expect(rows.map((r) => r.status)).toEqual(["completed", "completed", "completed"]);
  }, 60_000);

  it("throughput: 3 workers are not slower than 1 on a CPU-bound job", async () => {
    const t = await api("tput", { queueMaxDepth: 1000 });
    await worker("tput");
    const round = async (jobs: number) => {
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: jobs }, () => submit(t, fib(27), true).then((r) => r.json())),
      );
      for (const r of results) expect(r).toMatchObject({ status: "completed", output: "196418\n" });
      return jobs / ((performance.now() - started) / 1000);
    };
    await round(2); // warm: the first sandbox of a worker compiles the engine
    // Best of two rounds each: other suites share these 2 cores and their load comes in bursts.
    const one = Math.max(await round(8), await round(8));
    await Promise.all([worker("tput"), worker("tput")]);
    await round(6); // warm the two new workers the same way
    const three = Math.max(await round(8), await round(8));
    console.log(
      `throughput: 1 worker ${one.toFixed(1)} jobs/s, 3 workers ${three.toFixed(1)} jobs/s`,
    );
    // Only guard against a wide regression (e.g. jobs serialised behind one worker plus overhead),
    // never a tight speed-up: 2 shared cores cannot promise one.
    expect(three).toBeGreaterThan(one * 0.4);
  }, 90_000);

  it("kill -9 of a worker under load: every accepted execution ends completed or failed exactly once", async () => {
    // Two API nodes sharing PostgreSQL, as in production: the check runs on the shared audit.
    const settings = { queueMaxDepth: 1000, jobAttempts: 1, databaseUrl: postgres.url };
    const nodes = [await api("kill", settings), await api("kill", settings)];
    const counters = nodes.map(resultCounter);
    const reported = (id: string) => counters.reduce((sum, c) => sum + (c.get(id) ?? 0), 0);
    const audit = nodes[0]!.server.audit;
    const env = { WORKER_CONCURRENCY: "2", WORKER_LOCK_MS: "2000", JOB_ATTEMPTS: "1" };
    const [victim] = await Promise.all([worker("kill", env), worker("kill", env)]);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await submit(nodes[i % 2]!, i % 2 === 0 ? busy(1500) : fib(20), false);
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    // Both workers busy (4 running): the victim holds running jobs when it dies.
    await eventually(async () => {
      const rows = await Promise.all(ids.map((id) => audit.get(id)));
      return rows.filter((r) => r?.status === "running").length >= 4 ? true : undefined;
    }, 20_000);
    victim!.child.kill("SIGKILL");
    expect((await victim!.exited).signal).toBe("SIGKILL");
    const rows = await settledRows(nodes[0]!, ids, 45_000);
    const statuses = rows.map((r) => r.status);
    expect(
      statuses.every((s) => s === "completed" || s === "error"),
      statuses.join(),
    ).toBe(true);
    const lost = rows.filter((r) => r.status === "error");
    expect(lost.length).toBeGreaterThan(0);
    for (const r of lost) expect(r.errorCode).toBe("AIRLOCK_WORKER_LOST");
    // None duplicated: one row per id in the shared store, one reported result per id across nodes.
    expect((await audit.stats()).total).toBe(ids.length);
    await eventually(async () => (ids.every((id) => reported(id) > 0) ? true : undefined), 5000);
    for (const id of ids) expect(reported(id), id).toBe(1);
  }, 90_000);

  it("JOB_ATTEMPTS=2: the jobs of a killed worker are retried on another and complete once", async () => {
    const t = await api("retry", { queueMaxDepth: 1000, jobAttempts: 2 });
    const seen = resultCounter(t);
    const env = { WORKER_CONCURRENCY: "2", WORKER_LOCK_MS: "2000", JOB_ATTEMPTS: "2" };
    const [victim] = await Promise.all([worker("retry", env), worker("retry", env)]);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await submit(t, busy(1200), false);
      ids.push(((await res.json()) as { id: string }).id);
    }
    await eventually(async () => {
      const rows = await Promise.all(ids.map((id) => t.server.audit.get(id)));
      return rows.filter((r) => r?.status === "running").length >= 4 ? true : undefined;
    }, 20_000);
    victim!.child.kill("SIGKILL");
    const rows = await settledRows(t, ids, 45_000);
    expect(rows.map((r) => r.status)).toEqual(["completed", "completed", "completed", "completed"]);
    await eventually(async () => (ids.every((id) => seen.has(id)) ? true : undefined), 5000);
    for (const id of ids) expect(seen.get(id), id).toBe(1);
  }, 90_000);

  it("Redis restart under load: requests fail fast while it is down, then everything recovers", async () => {
    const t = await api("restart", { queueMaxDepth: 1000 });
    const seen = resultCounter(t);
    await worker("restart", { WORKER_CONCURRENCY: "2", WORKER_LOCK_MS: "5000" });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await submit(t, busy(400), false);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const restarted = redis.restart(1500);
    // While Redis is down the API answers at once with 503 instead of hanging (no offline queue).
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    const down = await submit(t, "console.log(1)", false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: { code: "AIRLOCK_QUEUE_UNAVAILABLE" } });
    await restarted;
    // Later jobs succeed once the connections are back (retry while they reconnect).
    const ok = await eventually(async () => {
      const res = await submit(t, "console.log('back')", true);
      return res.status === 200 ? ((await res.json()) as { status: string }) : undefined;
    }, 30_000);
    expect(ok.status).toBe("completed");
    // Jobs accepted before the restart all end, and only once.
    const rows = await settledRows(t, ids, 45_000);
    expect(rows.every((r) => r.status === "completed" || r.status === "error")).toBe(true);
    for (const id of ids) expect(seen.get(id) ?? 0, id).toBeLessThanOrEqual(1);
  }, 90_000);

  it("SIGTERM drains a worker: it takes no new job, finishes the running one, exits 0", async () => {
    const t = await api("drain", { queueMaxDepth: 1000 });
    const w = await worker("drain");
    const running = submit(t, busy(1500), true).then((r) => r.json());
    const id = await eventually(async () => {
      const page = await t.server.audit.list({ limit: 5, status: "running" });
      return page.items[0]?.id;
    }, 15_000);
    w.child.kill("SIGTERM");
    const later = await submit(t, "console.log('later')", false);
    const laterId = ((await later.json()) as { id: string }).id;
    expect(await running).toMatchObject({ id, status: "completed", output: "done\n" });
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(w.output()).toContain('"msg":"drained"');
    // The job submitted during the drain waited for another worker.
    expect((await t.server.audit.get(laterId))?.status).toBe("queued");
    await worker("drain");
    const rows = await settledRows(t, [laterId], 20_000);
    expect(rows[0]?.status).toBe("completed");
  }, 60_000);
});
