import type { FastifyInstance } from "fastify";
import type { AuditStore } from "../audit/store.js";
import { NotFoundError } from "../errors.js";
import type { ExecutionService } from "../execution/service.js";
import { idParams } from "./schemas.js";

export function resultRoutes(
  app: FastifyInstance,
  service: ExecutionService,
  audit: AuditStore,
): void {
  app.get<{ Params: { id: string } }>(
    "/api/result/:id",
    { schema: { params: idParams } },
    async (request) => {
      const { id } = request.params;
      const live = service.lookup(id);
      if (live) return live;
      // Output is kept in memory only; after a restart or cache eviction the audit row still answers.
      const row = await audit.get(id);
      if (!row) throw new NotFoundError(`no execution ${id}`);
      return {
        id,
        status: row.status,
        exitCode: row.exitCode,
        engine: row.engine,
        policy: row.policy,
        durationMs: row.durationMs,
        dangerAnalysis: { score: row.score, level: row.level, findings: row.findings },
        ...(row.errorCode
          ? { error: { code: row.errorCode, message: row.errorMessage ?? "" } }
          : {}),
        outputAvailable: false,
      };
    },
  );
}
