import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startServer, type TestServer } from "./helpers/server.js";

const KEY_A = "key-a-0123456789abcdef";
const KEY_B = "key-b-0123456789abcdef";
const json = async (res: Response) => (await res.json()) as Record<string, any>;

describe("API keys", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({
      apiKeys: [KEY_A, KEY_B],
      corsOrigins: ["https://app.example.com"],
      maxBodySize: 2048,
    });
  });
  afterAll(() => t.close());

  it("401 without a key, with a wrong key, with a non-Bearer scheme", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-key-0123456789" },
      { authorization: `Basic ${KEY_A}` },
    ];
    for (const headers of attempts) {
      const res = await t.req("/api/engines", { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await json(res)).error.code).toBe("AIRLOCK_UNAUTHORIZED");
    }
    // Not even the execute route runs anything for an unauthenticated caller.
    const exec = await t.req("/api/execute", { body: { code: "1" } });
    expect(exec.status).toBe(401);
  });

  it("200 with either configured key; /health needs none", async () => {
    expect((await t.req("/api/engines", { key: KEY_A })).status).toBe(200);
    expect((await t.req("/api/engines", { key: KEY_B })).status).toBe(200);
    expect((await t.req("/health")).status).toBe(200);
  });

  it("audits the key id (a hash prefix), and the database never holds a plain key", async () => {
    const res = await t.req("/api/execute", { body: { code: "console.log(1)" }, key: KEY_A });
    const body = await json(res);
    const row = await json(await t.req(`/api/audit/execution/${body.id}`, { key: KEY_A }));
    expect(row.apiKeyId).toMatch(/^key_[0-9a-f]{12}$/);
    const { createHash } = await import("node:crypto");
    expect(createHash("sha256").update(KEY_A).digest("hex").startsWith(row.apiKeyId.slice(4))).toBe(
      true,
    );
    await t.server.close(); // flush and close the file before reading it raw
    const bytes =
      readFileSync(t.dbPath).toString("latin1") +
      readFileSync(`${t.dbPath}-wal`, { flag: "a+" }).toString("latin1");
    expect(bytes).not.toContain(KEY_A);
    expect(bytes).toContain(createHash("sha256").update(KEY_A).digest("hex"));
    await t.close();
    t = await startServer({
      apiKeys: [KEY_A],
      corsOrigins: ["https://app.example.com"],
      maxBodySize: 2048,
    });
  });

  it("CORS: an allowed origin is echoed, another gets no CORS headers; preflights likewise", async () => {
    const ok = await t.req("/api/engines", {
      key: KEY_A,
      headers: { origin: "https://app.example.com" },
    });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const evil = await t.req("/api/engines", {
      key: KEY_A,
      headers: { origin: "https://evil.example.com" },
    });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await t.req("/api/execute", {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    const preEvil = await t.req("/api/execute", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
    });
    expect(preEvil.status).toBe(403);
    expect(preEvil.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("413 for a body over MAX_BODY_SIZE, 200 just under it", async () => {
    const big = await t.req("/api/execute", {
      body: { code: `// ${"x".repeat(3000)}` },
      key: KEY_A,
    });
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe("AIRLOCK_PAYLOAD_TOO_LARGE");
    const small = await t.req("/api/execute", {
      body: { code: `// ${"x".repeat(1500)}` },
      key: KEY_A,
    });
    expect(small.status).toBe(200);
  });
});

describe("rate limits and queue depth", () => {
  it("429 with Retry-After past RATE_LIMIT_MAX_REQUESTS, per key", async () => {
    const t = await startServer({
      apiKeys: [KEY_A, KEY_B],
      rateLimitMaxRequests: 3,
      rateLimitWindowMs: 60_000,
    });
    try {
      for (let i = 0; i < 3; i++)
        expect((await t.req("/api/engines", { key: KEY_A })).status).toBe(200);
      const limited = await t.req("/api/engines", { key: KEY_A });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await json(limited)).error.code).toBe("AIRLOCK_RATE_LIMITED");
      expect((await t.req("/api/engines", { key: KEY_B })).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it("429 AIRLOCK_QUEUE_FULL with Retry-After when the queue is full; nothing is audited for the refusal", async () => {
    const t = await startServer({ queueConcurrency: 1, queueMaxDepth: 1 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await t.req("/api/execute", {
          body: { code: "for(;;){}", timeout: 20_000, wait: false },
        });
        expect(res.status).toBe(202);
        ids.push((await json(res)).id);
      }
      const refused = await t.req("/api/execute", { body: { code: "1" } });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await json(refused)).error.code).toBe("AIRLOCK_QUEUE_FULL");
      const all = await json(await t.req("/api/audit/executions"));
      expect(all.items.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
      for (const id of ids) await t.req(`/api/execute/${id}`, { method: "DELETE" });
      await eventually(async () => (t.server.queue.stats().running === 0 ? true : undefined));
      expect((await t.req("/api/execute", { body: { code: "1" } })).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe("logging", () => {
  it("warns about open mode at startup and tags request logs with the request id (pino JSON)", async () => {
    const { Writable } = await import("node:stream");
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { createServer } = await import("../src/app.js");
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
        done();
      },
    });
    const dir = mkdtempSync(join(tmpdir(), "airlock-log-"));
    const open = await createServer({
      settings: { port: 0, databasePath: join(dir, "a.db") },
      logger: { level: "info", stream },
    });
    const url = await open.listen();
    await fetch(`${url}/health`, { headers: { "x-request-id": "trace-log-1" } });
    await open.close();
    const keyed = await createServer({
      settings: { port: 0, databasePath: join(dir, "b.db"), apiKeys: [KEY_A] },
      logger: { level: "info", stream },
    });
    await keyed.close();
    rmSync(dir, { recursive: true, force: true });
    const warnings = lines.filter((l) => l.level === 40 && /open mode/.test(String(l.msg)));
    expect(warnings).toHaveLength(1); // the keyed server did not warn
    expect(lines.some((l) => l.reqId === "trace-log-1")).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(KEY_A);
  });
});
