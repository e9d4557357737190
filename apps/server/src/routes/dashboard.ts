import type { FastifyInstance } from "fastify";
import type { AuditStore, ExecutionRecord } from "../audit/store.js";
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_JS } from "../dashboard/page.js";
import type { ExecutionService } from "../execution/service.js";
import type { ExecutionResult } from "../execution/types.js";
import type { RunQueue } from "../queue/run-queue.js";
import { openEventStream, sseFrame } from "../http/sse.js";

/** Paths of the dashboard's static, data-free assets (reachable without a key). */
export const DASHBOARD_ASSETS = ["/dashboard", "/dashboard/app.js", "/dashboard/app.css"] as const;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What the feed sends per execution: counts and names, never code or output. */
interface ExecutionSummary {
  id: string;
  status: string;
  policy: string;
  engine: string;
  durationMs: number;
  score: number;
  level: string;
  rules: string[];
}

const uniqueRules = (findings: readonly { rule: string }[]) => [
  ...new Set(findings.map((f) => f.rule)),
];

function fromResult(r: ExecutionResult): ExecutionSummary {
  return {
    id: r.id,
    status: r.status,
    policy: r.policy,
    engine: r.engine,
    durationMs: r.durationMs,
    score: r.dangerAnalysis.score,
    level: r.dangerAnalysis.level,
    rules: uniqueRules(r.dangerAnalysis.findings),
  };
}

function fromRecord(r: ExecutionRecord): ExecutionSummary {
  return {
    id: r.id,
    status: r.status,
    policy: r.policy,
    engine: r.engine,
    durationMs: r.durationMs ?? 0,
    score: r.score,
    level: r.level,
    rules: uniqueRules(r.findings),
  };
}

export function dashboardRoutes(
  app: FastifyInstance,
  deps: {
    service: ExecutionService;
    queue: RunQueue;
    audit: AuditStore;
    heartbeatMs: number;
    statsIntervalMs: number;
  },
): void {
  const asset =
    (type: string, body: string) => async (_req: unknown, reply: import("fastify").FastifyReply) =>
      reply
        .header("content-type", type)
        .header("content-security-policy", CSP)
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header("cache-control", "no-cache")
        .send(body);
  app.get("/dashboard", asset("text/html; charset=utf-8", DASHBOARD_HTML));
  app.get("/dashboard/app.js", asset("text/javascript; charset=utf-8", DASHBOARD_JS));
  app.get("/dashboard/app.css", asset("text/css; charset=utf-8", DASHBOARD_CSS));

  // Open feeds end when the server closes, so app.close() is not held open by dashboards.
  const feeds = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const end of feeds) end();
    feeds.clear();
  });

  const stats = () => ({
    queue: deps.queue.stats(),
    executions: deps.service.counts,
    latencyMs: deps.service.latency.summary(),
  });

  app.get("/api/dashboard/events", async (request, reply) => {
    const recent = await deps.audit.list({ limit: 20 });
    const raw = openEventStream(request, reply);
    const send = (event: string, data: unknown) => {
      if (!raw.destroyed) raw.write(sseFrame(event, data));
    };
    send("snapshot", { stats: stats(), recent: recent.items.map(fromRecord) });
    const unsubscribe = deps.service.onResult((r) => send("execution", fromResult(r)));
    const statsTimer = setInterval(() => send("stats", stats()), deps.statsIntervalMs);
    const heartbeat = setInterval(() => {
      if (!raw.destroyed) raw.write(": heartbeat\n\n");
    }, deps.heartbeatMs);
    const stop = () => {
      unsubscribe();
      clearInterval(statsTimer);
      clearInterval(heartbeat);
    };
    const end = () => {
      stop();
      raw.end();
    };
    feeds.add(end);
    raw.on("close", () => {
      feeds.delete(end);
      stop();
    });
  });
}
