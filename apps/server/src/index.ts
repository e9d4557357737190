export { createServer } from "./app.js";
export type { AirlockServer, CreateServerOptions } from "./app.js";
export { parseEnv, defaultSettings } from "./env.js";
export type { ServerSettings } from "./env.js";
export { main } from "./main.js";
export { createMcpServer } from "./mcp/tools.js";
export { mcpStdioMain } from "./mcp/stdio.js";
export { SqliteAuditStore } from "./audit/sqlite.js";
export type { SqliteAuditOptions } from "./audit/sqlite.js";
export { PostgresAuditStore } from "./audit/postgres.js";
export type { PostgresAuditOptions } from "./audit/postgres.js";
export { AUDIT_STATUSES } from "./audit/store.js";
export type * from "./audit/store.js";
export { ExecutionQueue, PRIORITIES } from "./queue/queue.js";
export type * from "./queue/queue.js";
export { createExecutionQueue } from "./queue/create.js";
export type { ExecutionQueueDeps } from "./queue/create.js";
export type * from "./queue/run-queue.js";
export { LocalRunQueue } from "./queue/local.js";
export { BullRunQueue } from "./queue/bullmq.js";
export type { BullRunQueueOptions } from "./queue/bullmq.js";
export { startWorker } from "./worker/worker.js";
export type { AirlockWorker, WorkerOptions } from "./worker/worker.js";
export { workerMain } from "./worker/main.js";
export { ENGINE_NAMES } from "./engines/registry.js";
export type { Engine, EngineInfo, EngineName, EngineRunOptions } from "./engines/registry.js";
export type * from "./execution/types.js";
export {
  ApiError,
  BadRequestError,
  UnauthorizedError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  EngineUnavailableError,
  ServerEnvError,
  QueueClosedError,
  QueueUnavailableError,
  WorkerLostError,
} from "./errors.js";
export * as errors from "./errors.js";
