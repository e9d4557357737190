import type { PolicyTier } from "@airlock/config";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { FastifyInstance } from "fastify";
import type { ExecutionService } from "../execution/service.js";
import { createMcpServer } from "./tools.js";

/**
 * MCP over streamable HTTP at `/mcp`, stateless: each POST gets its own MCP server and transport, so
 * no session state outlives a request and auth/rate limits apply per call like any other route.
 */
export function mcpRoutes(
  app: FastifyInstance,
  service: ExecutionService,
  opts: { defaultPolicy: PolicyTier; version: string },
): void {
  app.post("/mcp", async (request, reply) => {
    const server = createMcpServer(service, {
      apiKeyId: request.apiKeyId,
      requestId: request.id,
      defaultPolicy: opts.defaultPolicy,
      version: opts.version,
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    reply.hijack();
    reply.raw.setHeader("x-request-id", request.id);
    for (const [k, v] of Object.entries(reply.getHeaders()))
      if (v !== undefined) reply.raw.setHeader(k, v);
    reply.raw.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body);
  });
  const notAllowed = {
    error: {
      code: "AIRLOCK_METHOD_NOT_ALLOWED",
      message: "this MCP endpoint is stateless: use POST",
    },
  };
  app.get("/mcp", async (_request, reply) =>
    reply.status(405).header("allow", "POST").send(notAllowed),
  );
  app.delete("/mcp", async (_request, reply) =>
    reply.status(405).header("allow", "POST").send(notAllowed),
  );
}
