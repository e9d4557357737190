import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteAuditStore } from "../src/audit/sqlite.js";
import { eventually, startServer, type TestServer } from "./helpers/server.js";

let t: TestServer;
const SECRET = "s3cr3t-value-that-must-not-leak";

beforeAll(async () => {
  process.env.AIRLOCK_TEST_SECRET = SECRET;
  t = await startServer();
});
afterAll(async () => {
  delete process.env.AIRLOCK_TEST_SECRET;
  await t.close();
});

const json = async (res: Response) => (await res.json()) as Record<string, any>;
const execute = async (body: Record<string, unknown>) => {
  const res = await t.req("/api/execute", { body });
  return { res, body: await json(res) };
};

describe("POST /api/execute", () => {
  it("runs code in a sandbox and answers output, status, analysis and limits", async () => {
    const { res, body } = await execute({ code: "console.log('hello', 6 * 7)" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-execution-id")).toBe(body.id);
    expect(body).toMatchObject({
      status: "completed",
      output: "hello 42\n",
      stderr: "",
      exitCode: 0,
      engine: "quickjs",
      policy: "standard",
      dangerAnalysis: { score: 0, level: "none", findings: [] },
    });
    expect(body.id).toMatch(/^exe_[0-9a-f-]{36}$/);
    expect(body.durationMs).toBeGreaterThan(0);
  });

  it("reports guest errors as status error with the guest's error", async () => {
    const { body } = await execute({ code: "null.x" });
    expect(body.status).toBe("error");
    expect(body.error.message).toMatch(/null/);
  });

  it("defines context values as globals, as plain JSON data", async () => {
    const { body } = await execute({
      code: "console.log(JSON.stringify([user, n, list, typeof user.toJSON, Object.getPrototypeOf(user) === Object.prototype]))",
      context: { user: { name: "ada", admin: false }, n: 3, list: [1, "2", null] },
    });
    expect(body.status).toBe("completed");
    expect(JSON.parse(body.output)).toEqual([
      { name: "ada", admin: false },
      3,
      [1, "2", null],
      "undefined",
      true,
    ]);
  });

  it("a body with a __proto__ key is refused before it reaches the service", async () => {
    const res = await t.req("/api/execute", {
      body: '{"code":"1","context":{"__proto__":{"polluted":1}}}',
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("AIRLOCK_BAD_REQUEST");
  });

  it("no variable of the server's environment reaches the code (deny), while context does (allow)", async () => {
    expect(process.env.AIRLOCK_TEST_SECRET).toBe(SECRET);
    const { body } = await execute({
      code: "console.log(JSON.stringify(process.env), String(process.env.AIRLOCK_TEST_SECRET), given)",
      context: { given: "ok" },
    });
    expect(body.status).toBe("completed");
    expect(body.output).toBe("{} undefined ok\n");
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });

  it("caps request overrides at the tier's maximums", async () => {
    const { body } = await execute({
      code: "1",
      policy: "strict",
      timeout: 3_600_000,
      memory: 4000,
    });
    expect(body.limits).toEqual({
      timeoutMs: 5000,
      memoryBytes: 32 * 1024 * 1024,
      maxOutputBytes: 1024 * 1024,
    });
    const lower = await execute({ code: "1", policy: "extended", timeout: 1234, memory: 16 });
    expect(lower.body.limits).toMatchObject({ timeoutMs: 1234, memoryBytes: 16 * 1024 * 1024 });
  });

  it("enforces the timeout: an endless loop ends as status timeout", async () => {
    const started = Date.now();
    const { body } = await execute({ code: "for(;;){}", timeout: 300 });
    expect(body.status).toBe("timeout");
    expect(body.violations).toContainEqual(
      expect.objectContaining({ type: "limit", rule: "timeout" }),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("enforces the memory limit", async () => {
    const { body } = await execute({
      code: "const a = []; for (let i = 0; i < 1e7; i++) a.push('x'.repeat(64) + i); console.log(a.length)",
      memory: 8,
    });
    expect(body.status).toBe("error");
    expect(body.output).toBe("");
  });

  it("blocks critical code under strict without running it, and records it", async () => {
    const code = "console.log('ran'); require('child_process').execSync('id')";
    const accepted = t.server.queue.stats().accepted;
    const { res, body } = await execute({ code, policy: "strict" });
    expect(res.status).toBe(200);
    expect(body.status).toBe("blocked");
    expect(body.output).toBe("");
    expect(body.dangerAnalysis.level).toBe("critical");
    expect(body.violations.map((v: { rule: string }) => v.rule)).toContain("child-process-call");
    expect(t.server.queue.stats().accepted).toBe(accepted); // never queued, so never run
    const audit = await json(await t.req(`/api/audit/execution/${body.id}`));
    expect(audit).toMatchObject({ status: "blocked", level: "critical", policy: "strict" });
  });

  it("runs the same code under a tier that does not block it (allow beside the deny)", async () => {
    const { body } = await execute({ code: "console.log('ran'); eval('1')", policy: "extended" });
    expect(body.status).toBe("completed");
    expect(body.output).toBe("ran\n");
    expect(body.dangerAnalysis.findings.length).toBeGreaterThan(0);
  });

  it("resubmitted code reuses its analysis, yet blocking is decided per request's policy", async () => {
    const code = "console.log('again'); require('child_process').execSync('id')";
    const first = await execute({ code, policy: "strict" });
    // The same code, analysis from the cache: extended blocks nothing, so it runs (and the sandbox,
    // which lends no host commands, refuses child_process).
    const allowed = await execute({ code, policy: "extended" });
    const again = await execute({ code, policy: "strict" });
    expect([first.body.status, again.body.status]).toEqual(["blocked", "blocked"]);
    expect(allowed.body.status).not.toBe("blocked");
    expect(allowed.body.output).toBe("again\n");
    expect(again.body.dangerAnalysis).toEqual(first.body.dangerAnalysis);
    expect(again.body.id).not.toBe(first.body.id);
    // Each request still has its own audit row.
    const audit = await json(await t.req(`/api/audit/execution/${again.body.id}`));
    expect(audit).toMatchObject({ status: "blocked", level: "critical", policy: "strict" });
  });

  it("requests with different limits never share a resolved config", async () => {
    const short = await execute({ code: "console.log(1)", timeout: 1000, memory: 16 });
    const long = await execute({ code: "console.log(1)", timeout: 2000, memory: 32 });
    const again = await execute({ code: "console.log(1)", timeout: 1000, memory: 16 });
    expect([short.body.limits, long.body.limits, again.body.limits]).toMatchObject([
      { timeoutMs: 1000, memoryBytes: 16 * 1024 * 1024 },
      { timeoutMs: 2000, memoryBytes: 32 * 1024 * 1024 },
      { timeoutMs: 1000, memoryBytes: 16 * 1024 * 1024 },
    ]);
  });
});

describe("validation and errors", () => {
  it.each([
    [{}, "code", /code is required/],
    [{ code: "1", extra: 1 }, "extra", /not a known field/],
    [{ code: 1 }, "code", /string/],
    [{ code: "1", timeout: "100" }, "timeout", /integer/],
    [{ code: "1", timeout: 0 }, "timeout", />= 1/],
    [{ code: "1", engine: "v8" }, "engine", /one of "quickjs", "quickjs-frozen", "microvm"/],
    [{ code: "1", policy: "root" }, "policy", /one of/],
    [{ code: "1", context: [1] }, "context", /object/],
    [{ code: "1", context: { "bad-key": 1 } }, "context.bad-key", /identifier/],
    [{ code: "1", language: "python" }, "language", /javascript/],
  ])("400 for %j names %s", async (payload, field, message) => {
    const res = await t.req("/api/execute", { body: payload });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("AIRLOCK_BAD_REQUEST");
    expect(body.error.field).toBe(field);
    expect(body.error.message).toMatch(message);
  });

  it("400 for a body that is not JSON", async () => {
    const res = await t.req("/api/execute", { body: "{nope" });
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toMatch(/not valid JSON/);
  });

  it("501 for an engine the API knows but this server lacks, and /api/engines says so", async () => {
    const res = await t.req("/api/execute", { body: { code: "1", engine: "microvm" } });
    expect(res.status).toBe(501);
    expect((await json(res)).error).toMatchObject({
      code: "AIRLOCK_ENGINE_UNAVAILABLE",
      field: "engine",
    });
    const engines = await json(await t.req("/api/engines"));
    expect(engines.engines).toEqual([
      expect.objectContaining({ name: "quickjs", available: true }),
      expect.objectContaining({
        name: "quickjs-frozen",
        available: false,
        reason: expect.any(String),
      }),
      expect.objectContaining({ name: "microvm", available: false, reason: expect.any(String) }),
    ]);
  });

  it("JSON 404 for unknown routes and ids", async () => {
    const res = await t.req("/api/nope");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("AIRLOCK_NOT_FOUND");
    const missing = await t.req("/api/result/exe_00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect((await t.req("/api/result/not-an-id")).status).toBe(400);
  });

  it("echoes a plain x-request-id and replaces an unsafe one", async () => {
    const ok = await t.req("/health", { headers: { "x-request-id": "trace-123.abc" } });
    expect(ok.headers.get("x-request-id")).toBe("trace-123.abc");
    const bad = await t.req("/health", { headers: { "x-request-id": "a b\u00e9<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("analysis, results, cancellation, stats", () => {
  it("POST /api/analyze scores code without running it", async () => {
    const res = await t.req("/api/analyze", {
      body: { code: "eval(atob('eA=='))", policy: "strict" },
    });
    const body = await json(res);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ policy: "strict", blocked: true, level: "critical" });
    expect(body.findings[0]).toMatchObject({ rule: expect.any(String), line: 1 });
    const clean = await json(await t.req("/api/analyze", { body: { code: "1+1" } }));
    expect(clean).toMatchObject({ score: 0, level: "none", blocked: false });
  });

  it("wait:false answers 202, GET /api/result/:id shows progress then the result with output", async () => {
    const res = await t.req("/api/execute", {
      body: { code: "console.log('later')", wait: false },
    });
    expect(res.status).toBe(202);
    const { id, status } = await json(res);
    expect(["queued", "running"]).toContain(status);
    const done = await eventually(async () => {
      const r = await json(await t.req(`/api/result/${id}`));
      return r.status === "completed" ? r : undefined;
    });
    expect(done.output).toBe("later\n");
  });

  it("DELETE /api/execute/:id aborts a running execution; the audit row says cancelled", async () => {
    const res = await t.req("/api/execute", { body: { code: "for(;;){}", wait: false } });
    const { id } = await json(res);
    await eventually(async () =>
      (await json(await t.req(`/api/result/${id}`))).status === "running" ? true : undefined,
    );
    const del = await t.req(`/api/execute/${id}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    const row = await eventually(async () => {
      const r = await json(await t.req(`/api/audit/execution/${id}`));
      return r.status === "cancelled" ? r : undefined;
    });
    expect(row.errorCode).toBe("AIRLOCK_CANCELLED");
    expect((await json(await t.req(`/api/result/${id}`))).status).toBe("cancelled");
    expect((await t.req(`/api/execute/${id}`, { method: "DELETE" })).status).toBe(404);
    await eventually(async () => (t.server.queue.stats().running === 0 ? true : undefined));
  });

  it("a client that hangs up on a waiting POST /api/execute cancels the run", async () => {
    const controller = new AbortController();
    const pending = t
      .req("/api/execute", {
        body: { code: "for(;;){}", timeout: 20_000 },
        signal: controller.signal,
      })
      .catch(() => undefined);
    const id = await eventually(async () => {
      const page = await json(await t.req("/api/audit/executions?status=running&limit=1"));
      return page.items[0]?.id as string | undefined;
    });
    controller.abort();
    await pending;
    const row = await eventually(async () => {
      const r = await json(await t.req(`/api/audit/execution/${id}`));
      return r.status === "cancelled" ? r : undefined;
    });
    expect(row.errorMessage).toBe("client disconnected");
  });

  it("GET /api/stats counts executions and latency", async () => {
    const stats = await json(await t.req("/api/stats"));
    expect(stats.queue).toMatchObject({ concurrency: 2, running: expect.any(Number) });
    expect(stats.executions.completed).toBeGreaterThan(0);
    expect(stats.latencyMs.p50).toBeGreaterThan(0);
    expect((await json(await t.req("/health"))).status).toBe("ok");
  });
});

describe("audit endpoints", () => {
  it("every execution has a row: hash and size of the code, never the code", async () => {
    const code = "console.log('audited-marker')";
    const { body } = await execute({ code });
    const row = await json(await t.req(`/api/audit/execution/${body.id}`));
    const { createHash } = await import("node:crypto");
    expect(row).toMatchObject({
      id: body.id,
      status: "completed",
      exitCode: 0,
      codeSha256: createHash("sha256").update(code).digest("hex"),
      codeSize: code.length,
      outputBytes: "audited-marker\n".length,
      engine: "quickjs",
      policy: "standard",
      level: "none",
      apiKeyId: null,
    });
    expect(JSON.stringify(row)).not.toContain("audited-marker");
  });

  it("lists executions newest first, paginated by cursor, filtered", async () => {
    const page1 = await json(await t.req("/api/audit/executions?limit=2"));
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await json(
      await t.req(`/api/audit/executions?limit=2&cursor=${page1.nextCursor}`),
    );
    expect(page2.items[0].id).not.toBe(page1.items[1].id);
    expect(Date.parse(page2.items[0].createdAt)).toBeLessThanOrEqual(
      Date.parse(page1.items[1].createdAt),
    );
    const blocked = await json(await t.req("/api/audit/executions?status=blocked&engine=quickjs"));
    expect(blocked.items.length).toBeGreaterThan(0);
    expect(blocked.items.every((r: { status: string }) => r.status === "blocked")).toBe(true);
    const critical = await json(await t.req("/api/audit/executions?level=critical"));
    expect(critical.items.every((r: { level: string }) => r.level === "critical")).toBe(true);
    const future = await json(
      await t.req(`/api/audit/executions?since=${new Date(Date.now() + 60_000).toISOString()}`),
    );
    expect(future.items).toEqual([]);
    expect((await t.req("/api/audit/executions?limit=0")).status).toBe(400);
    expect((await t.req("/api/audit/executions?status=weird")).status).toBe(400);
    expect((await t.req("/api/audit/executions?since=yesterday")).status).toBe(400);
  });

  it("security summary and stats aggregate the table", async () => {
    const summary = await json(await t.req("/api/audit/security-summary"));
    expect(summary.blocked).toBeGreaterThan(0);
    expect(summary.byLevel.critical).toBeGreaterThan(0);
    expect(summary.topRules.map((r: { rule: string }) => r.rule)).toContain("child-process-call");
    const stats = await json(await t.req("/api/audit/stats"));
    expect(stats.total).toBeGreaterThan(5);
    expect(stats.byStatus.completed).toBeGreaterThan(0);
  });

  it("reports one execution as JSON or CSV", async () => {
    const { body } = await execute({ code: "=1+eval('2')", policy: "extended" });
    const asJson = await json(await t.req(`/api/reports/execution/${body.id}?format=json`));
    expect(asJson.execution.id).toBe(body.id);
    const csvRes = await t.req(`/api/reports/execution/${body.id}?format=csv`);
    expect(csvRes.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await csvRes.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^id,created_at,api_key_id,code_sha256/);
    expect(lines.length).toBe(1 + Math.max(1, asJson.execution.findings.length));
    expect(lines[1]!.startsWith(`${body.id},`)).toBe(true);
    expect((await t.req(`/api/reports/execution/${body.id}?format=xml`)).status).toBe(400);
  });
});

describe("retention", () => {
  it("deletes rows older than AUDIT_RETENTION_DAYS when the server starts", async () => {
    const seed = await startServer();
    await seed.server.close();
    const store = new SqliteAuditStore({ path: seed.dbPath });
    const base = {
      requestId: null,
      apiKeyId: null,
      codeSha256: "0".repeat(64),
      codeSize: 1,
      policy: "standard",
      engine: "quickjs",
      status: "queued" as const,
      score: 0,
      level: "none" as const,
      findings: [],
    };
    await store.insert({ ...base, id: "exe_old", createdAt: Date.now() - 40 * 86_400_000 });
    await store.insert({ ...base, id: "exe_new", createdAt: Date.now() - 1 * 86_400_000 });
    await store.close();
    const { createServer } = await import("../src/app.js");
    const again = await createServer({
      settings: { databasePath: seed.dbPath, auditRetentionDays: 30 },
      logger: false,
    });
    expect(await again.audit.get("exe_old")).toBeUndefined();
    expect(await again.audit.get("exe_new")).toMatchObject({ status: "interrupted" });
    await again.close();
    await seed.close();
  });
});
