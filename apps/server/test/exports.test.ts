import { describe, expect, it } from "vitest";
import * as server from "../src/index.js";

describe("public API", () => {
  it("exports exactly these runtime names", () => {
    expect(Object.keys(server).sort()).toEqual(
      [
        "ApiError",
        "AUDIT_STATUSES",
        "BadRequestError",
        "ENGINE_NAMES",
        "EngineUnavailableError",
        "ExecutionQueue",
        "NotFoundError",
        "PRIORITIES",
        "PayloadTooLargeError",
        "QueueClosedError",
        "ServerEnvError",
        "SqliteAuditStore",
        "PostgresAuditStore",
        "QueueUnavailableError",
        "WorkerLostError",
        "createExecutionQueue",
        "LocalRunQueue",
        "BullRunQueue",
        "startWorker",
        "workerMain",
        "TooManyRequestsError",
        "UnauthorizedError",
        "createMcpServer",
        "createServer",
        "mcpStdioMain",
        "defaultSettings",
        "errors",
        "main",
        "parseEnv",
      ].sort(),
    );
  });
  it("every error class is an AirlockError with an AIRLOCK_ code", () => {
    const e = new server.EngineUnavailableError("microvm", "not installed");
    expect(e.code).toBe("AIRLOCK_ENGINE_UNAVAILABLE");
    expect(e.status).toBe(501);
    expect(e.name).toBe("EngineUnavailableError");
  });
});
