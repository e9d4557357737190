import { shutdownWorkers } from "@airlock/wasm-host";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createServer } from "../app.js";
import { parseEnv } from "../env.js";
import { ServerEnvError } from "../errors.js";
import { SERVER_VERSION } from "../version.js";
import { createMcpServer } from "./tools.js";

/**
 * The `airlock-mcp` entry: MCP over stdin/stdout for a local agent. Same pipeline and audit database as
 * the HTTP server (settings from the same variables); logs go to stderr since stdout carries the protocol.
 */
export async function mcpStdioMain(
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  let settings;
  try {
    settings = parseEnv(env);
  } catch (err) {
    if (err instanceof ServerEnvError) {
      process.stderr.write(`airlock-mcp: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const server = await createServer({
    settings,
    logger: { level: settings.logLevel, stream: process.stderr },
  });
  const mcp = createMcpServer(server.service, {
    apiKeyId: "stdio",
    requestId: null,
    defaultPolicy: settings.defaultPolicy,
    version: SERVER_VERSION,
  });
  const transport = new StdioServerTransport();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void mcp
      .close()
      .then(() => server.close())
      .then(() => shutdownWorkers())
      .finally(() => process.exit(0));
  };
  transport.onclose = stop;
  process.stdin.once("end", stop);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await mcp.connect(transport);
}
