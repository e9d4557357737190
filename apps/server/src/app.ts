import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { installAuth } from "./auth/hook.js";
import { KeyRing } from "./auth/keys.js";
import { SlidingWindowLimiter } from "./auth/rate-limit.js";
import { PostgresAuditStore } from "./audit/postgres.js";
import { SqliteAuditStore } from "./audit/sqlite.js";
import type { AuditStore } from "./audit/store.js";
import { defaultEngines, type Engine, type EngineName } from "./engines/registry.js";
import { defaultSettings, type ServerSettings } from "./env.js";
import { ExecutionService } from "./execution/service.js";
import { installCors } from "./http/cors.js";
import { installErrorHandlers } from "./http/errors.js";
import { createExecutionQueue } from "./queue/create.js";
import type { RunQueue } from "./queue/run-queue.js";
import { analyzeRoutes } from "./routes/analyze.js";
import { auditRoutes } from "./routes/audit.js";
import { executeRoutes } from "./routes/execute.js";
import { infoRoutes } from "./routes/info.js";
import { resultRoutes } from "./routes/results.js";
import { mcpRoutes } from "./mcp/http.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { SERVER_VERSION } from "./version.js";

/** Options of {@link createServer}. */
export interface CreateServerOptions {
  /** Settings; unset fields take the defaults of an empty environment (see `parseEnv`). */
  settings?: Partial<ServerSettings>;
  /** fastify's logger option (pino). Default: pino at `settings.logLevel`. `false` silences it. */
  logger?: FastifyServerOptions["logger"];
  /** Replace engines by name (e.g. to plug in a microVM runtime). */
  engines?: Partial<Record<EngineName, Engine>>;
  /** Use this audit store instead of opening `settings.databasePath`. It is closed with the server. */
  audit?: AuditStore;
}

/** A created server: the fastify app (not yet listening) and what it owns. */
export interface AirlockServer {
  readonly app: FastifyInstance;
  readonly settings: ServerSettings;
  readonly audit: AuditStore;
  /** In-process, or BullMQ when `settings.redisUrl` is set. */
  readonly queue: RunQueue;
  readonly service: ExecutionService;
  /** Listens on `settings.host:settings.port`; resolves with the address (`http://127.0.0.1:8787`). */
  listen(): Promise<string>;
  /** Stops accepting, cancels queued and running executions, writes their audit rows, closes the database. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const HOUR_MS = 3_600_000;
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A client's `x-request-id` is reused when it is short and plain (it ends up in logs); otherwise a UUID. */
function requestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Builds the Airlock HTTP service: routes, auth, rate limits, CORS, the queue and the audit database.
 *
 * @example
 * const server = await createServer({ settings: { port: 0, databasePath: "/tmp/audit.db" } });
 * console.log(await server.listen());
 * // … later
 * await server.close();
 */
export async function createServer(options: CreateServerOptions = {}): Promise<AirlockServer> {
  const settings: ServerSettings = { ...defaultSettings(), ...options.settings };
  const app = Fastify({
    logger: options.logger ?? { level: settings.logLevel },
    bodyLimit: settings.maxBodySize,
    genReqId: requestId,
    requestIdHeader: false,
    // Bodies are validated as sent: no coercion, no silently dropped fields, no injected defaults.
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: false,
      },
    },
  });
  // PostgreSQL when DATABASE_URL is set (shared by every API node), else the node's own SQLite file.
  const audit =
    options.audit ??
    (settings.databaseUrl
      ? await PostgresAuditStore.open({ url: settings.databaseUrl })
      : new SqliteAuditStore({
          path: settings.databasePath,
          synchronous: settings.auditSynchronous,
        }));
  const keys = new KeyRing(settings.apiKeys);
  for (const k of keys.entries) await audit.registerApiKey(k.id, k.sha256);
  if (keys.open) {
    app.log.warn("no API_KEYS configured: the API is open to anyone who can reach it (open mode)");
  }
  const recovered = await audit.recoverInterrupted();
  if (recovered > 0)
    app.log.warn({ recovered }, "marked executions left by a previous process as interrupted");

  const retention = async () => {
    if (settings.auditRetentionDays <= 0) return;
    const deleted = await audit.prune(settings.auditRetentionDays);
    if (deleted > 0)
      app.log.info({ deleted, days: settings.auditRetentionDays }, "audit retention");
  };
  await retention();
  const retentionTimer = setInterval(
    () => void retention().catch((err) => app.log.error({ err }, "retention failed")),
    HOUR_MS,
  );
  retentionTimer.unref();

  const limiter = new SlidingWindowLimiter(
    settings.rateLimitWindowMs,
    settings.rateLimitMaxRequests,
  );
  const sweepTimer = setInterval(
    () => limiter.sweep(),
    Math.max(settings.rateLimitWindowMs, 10_000),
  );
  sweepTimer.unref();

  const engines = { ...defaultEngines(), ...options.engines } as Record<EngineName, Engine>;
  let queue: RunQueue;
  try {
    queue = await createExecutionQueue(settings, { engines, log: app.log });
  } catch (error) {
    clearInterval(retentionTimer);
    clearInterval(sweepTimer);
    await audit.close();
    throw error;
  }
  const service = new ExecutionService({
    queue,
    audit,
    engines,
    defaultPolicy: settings.defaultPolicy,
    log: app.log,
  });

  app.addHook("onSend", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });
  installErrorHandlers(app, settings.maxBodySize);
  installCors(app, settings.corsOrigins);
  installAuth(app, keys, limiter);
  executeRoutes(app, service, { heartbeatMs: settings.sseHeartbeatMs });
  analyzeRoutes(app, service, settings.defaultPolicy);
  resultRoutes(app, service, audit);
  infoRoutes(app, { service, queue, engines });
  auditRoutes(app, audit);
  dashboardRoutes(app, {
    service,
    queue,
    audit,
    heartbeatMs: settings.sseHeartbeatMs,
    statsIntervalMs: 2000,
  });
  mcpRoutes(app, service, { defaultPolicy: settings.defaultPolicy, version: SERVER_VERSION });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(retentionTimer);
      clearInterval(sweepTimer);
      await queue.close();
      await service.drain();
      await app.close();
      await audit.close();
    })());

  return {
    app,
    settings,
    audit,
    queue,
    service,
    listen: () => app.listen({ port: settings.port, host: settings.host }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
