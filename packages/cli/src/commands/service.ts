import type { Io } from "../output.js";

/** Flags of `airlock server`; each maps to the service's environment variable of the same meaning. */
export interface ServerFlags {
  port?: string;
  host?: string;
  db?: string;
  redis?: string;
}

function serviceEnv(flags: ServerFlags): Record<string, string | undefined> {
  return {
    ...process.env,
    ...(flags.port !== undefined ? { PORT: flags.port } : {}),
    ...(flags.host !== undefined ? { HOST: flags.host } : {}),
    ...(flags.db !== undefined ? { DATABASE_PATH: flags.db } : {}),
    ...(flags.redis !== undefined ? { REDIS_URL: flags.redis } : {}),
  };
}

/**
 * `airlock server`, `airlock worker`, `airlock mcp`: thin entries into `@airlock/server`, loaded only when
 * used so the rest of the CLI starts fast. They run until a signal stops them.
 */
export async function serviceCommand(
  _io: Io,
  which: "server" | "worker" | "mcp",
  flags: ServerFlags,
): Promise<number> {
  const server = await import("@airlock/server");
  const env = serviceEnv(flags);
  if (which === "server") await server.main(env);
  else if (which === "worker") await server.workerMain(env);
  else await server.mcpStdioMain(env);
  // They keep running on their own (listening sockets, queues); the process ends on a signal.
  return await new Promise<number>(() => {});
}
