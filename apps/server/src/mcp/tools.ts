import { POLICY_TIERS, type PolicyTier } from "@airlock/config";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { ApiError } from "../errors.js";
import type { ExecutionService } from "../execution/service.js";

const policy = z.enum(POLICY_TIERS as [PolicyTier, ...PolicyTier[]]);

const text = (value: unknown, isError = false): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(value, null, 2) }],
  ...(isError ? { isError: true } : {}),
});

/**
 * An MCP server exposing `execute_code` and `analyze_code` over the same pipeline as the HTTP API
 * (tier limits, analysis, queue, audit). `apiKeyId` is charged in the audit rows it writes.
 */
export function createMcpServer(
  service: ExecutionService,
  opts: {
    apiKeyId: string | null;
    requestId: string | null;
    defaultPolicy: PolicyTier;
    version: string;
  },
): McpServer {
  const server = new McpServer({ name: "airlock", version: opts.version });
  server.registerTool(
    "execute_code",
    {
      title: "Execute JavaScript in an Airlock sandbox",
      description:
        "Runs JavaScript in a fresh QuickJS WebAssembly sandbox (no host files, env or commands) under a policy tier's limits and returns stdout, stderr, status and a risk analysis.",
      inputSchema: {
        code: z.string().min(1).describe("JavaScript source; console.log output is returned"),
        policy: policy.optional().describe("strict | standard | extended | agent"),
        timeout: z
          .number()
          .int()
          .min(1)
          .max(3_600_000)
          .optional()
          .describe("milliseconds, capped by the tier"),
        memory: z
          .number()
          .int()
          .min(1)
          .max(4032)
          .optional()
          .describe("heap MiB, capped by the tier"),
        context: z
          .record(z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/), z.unknown())
          .optional()
          .describe("JSON values defined as globals before the code runs"),
      },
    },
    async (args) => {
      try {
        const { done } = await service.submit(
          {
            code: args.code,
            ...(args.policy ? { policy: args.policy } : {}),
            ...(args.timeout ? { timeout: args.timeout } : {}),
            ...(args.memory ? { memory: args.memory } : {}),
            ...(args.context ? { context: args.context } : {}),
          },
          { apiKeyId: opts.apiKeyId, requestId: opts.requestId },
        );
        const result = await done;
        return text(result, result.status !== "completed");
      } catch (err) {
        if (err instanceof ApiError)
          return text({ error: { code: err.code, message: err.message } }, true);
        throw err;
      }
    },
  );
  server.registerTool(
    "analyze_code",
    {
      title: "Analyse JavaScript for risky behaviour",
      description:
        "Static analysis without running: risk score 0-100, level, findings (rule, line, message), and whether the policy would block it.",
      inputSchema: { code: z.string().min(1), policy: policy.optional() },
    },
    async (args) =>
      text({
        policy: args.policy ?? opts.defaultPolicy,
        ...service.analyze(args.code, args.policy ?? opts.defaultPolicy),
      }),
  );
  return server;
}
