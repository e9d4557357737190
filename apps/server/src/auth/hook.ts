import type { FastifyInstance, FastifyRequest } from "fastify";
import { TooManyRequestsError, UnauthorizedError } from "../errors.js";
import { bearerToken, type KeyRing } from "./keys.js";
import type { SlidingWindowLimiter } from "./rate-limit.js";
import { DASHBOARD_ASSETS } from "../routes/dashboard.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Id of the API key that authenticated this request; null in open mode. */
    apiKeyId: string | null;
  }
}

/** Paths anyone may reach: liveness and the dashboard's data-free static files. */
const PUBLIC = new Set<string>(["/health", ...DASHBOARD_ASSETS]);

/**
 * Authenticates every non-public request with `Authorization: Bearer <key>` (unless no keys are
 * configured), then charges it to the key's rate limit (the client IP's in open mode).
 */
export function installAuth(
  app: FastifyInstance,
  keys: KeyRing,
  limiter: SlidingWindowLimiter,
): void {
  app.decorateRequest("apiKeyId", null);
  app.addHook("onRequest", async (request: FastifyRequest, reply) => {
    const path = request.url.split("?")[0] ?? "";
    if (request.method === "OPTIONS" || PUBLIC.has(path)) return;
    let bucket = `ip:${request.ip}`;
    if (!keys.open) {
      const token = bearerToken(request.headers.authorization);
      if (!token) throw new UnauthorizedError("send your API key as Authorization: Bearer <key>");
      const entry = keys.verify(token);
      if (!entry) throw new UnauthorizedError("this API key is not accepted by the server");
      request.apiKeyId = entry.id;
      bucket = entry.id;
    }
    const decision = limiter.hit(bucket);
    if (decision.limit > 0) {
      void reply.header("x-ratelimit-limit", String(decision.limit));
      void reply.header("x-ratelimit-remaining", String(decision.remaining));
    }
    if (!decision.allowed) {
      throw new TooManyRequestsError(
        "AIRLOCK_RATE_LIMITED",
        `rate limit of ${decision.limit} requests per ${limiter.windowMs} ms exceeded; retry after ${decision.retryAfterS} s`,
        decision.retryAfterS,
      );
    }
  });
}
