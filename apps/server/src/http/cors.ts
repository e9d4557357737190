import type { FastifyInstance } from "fastify";

const ALLOWED_HEADERS = "authorization, content-type, x-request-id";
const ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS";

/**
 * CORS by allowlist. An allowed `Origin` is echoed (never `*` with credentials); any other origin gets
 * no CORS headers, so browsers refuse the response. Preflights from unlisted origins get 403.
 */
export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  const any = origins.includes("*");
  const allowed = new Set(origins);
  const isAllowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (any || allowed.has(origin));

  app.addHook("onRequest", async (request, reply) => {
    const origin = request.headers.origin;
    void reply.header("vary", "Origin");
    if (isAllowed(origin)) {
      void reply.header("access-control-allow-origin", origin);
      void reply.header(
        "access-control-expose-headers",
        "x-request-id, x-execution-id, retry-after",
      );
    }
  });

  app.options("/*", async (request, reply) => {
    const origin = request.headers.origin;
    if (!isAllowed(origin)) {
      return reply.status(403).send({
        error: {
          code: "AIRLOCK_CORS_DENIED",
          message: `origin ${origin ?? "(none)"} is not in CORS_ORIGINS`,
        },
      });
    }
    return reply
      .status(204)
      .header("access-control-allow-methods", ALLOWED_METHODS)
      .header("access-control-allow-headers", ALLOWED_HEADERS)
      .header("access-control-max-age", "600")
      .send();
  });
}
