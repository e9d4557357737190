import type { PolicyTier } from "@airlock/config";
import type { FastifyInstance } from "fastify";
import type { ExecutionService } from "../execution/service.js";
import { analyzeBody } from "./schemas.js";

export function analyzeRoutes(
  app: FastifyInstance,
  service: ExecutionService,
  defaultPolicy: PolicyTier,
): void {
  app.post<{ Body: { code: string; policy?: PolicyTier; language?: "javascript" } }>(
    "/api/analyze",
    { schema: { body: analyzeBody } },
    async (request) => {
      const policy = request.body.policy ?? defaultPolicy;
      return { policy, ...service.analyze(request.body.code, policy) };
    },
  );
}
