import type { FastifyInstance } from "fastify";
import type { Engine, EngineName } from "../engines/registry.js";
import type { ExecutionService } from "../execution/service.js";
import type { RunQueue } from "../queue/run-queue.js";

export function infoRoutes(
  app: FastifyInstance,
  deps: { service: ExecutionService; queue: RunQueue; engines: Record<EngineName, Engine> },
): void {
  const startedAt = Date.now();

  app.get("/health", async () => ({
    status: "ok",
    uptimeS: Math.round((Date.now() - startedAt) / 1000),
  }));

  app.get("/api/engines", async () => ({
    default: "quickjs",
    engines: Object.values(deps.engines).map((e) => e.info),
  }));

  app.get("/api/stats", async () => ({
    uptimeS: Math.round((Date.now() - startedAt) / 1000),
    queue: deps.queue.stats(),
    executions: deps.service.counts,
    latencyMs: deps.service.latency.summary(),
    memory: { rssBytes: process.memoryUsage().rss },
  }));
}
