import { shutdownWorkers } from "@airlock/wasm-host";
import { createServer } from "./app.js";
import { parseEnv } from "./env.js";
import { ServerEnvError } from "./errors.js";

/**
 * The `airlock-server` entry: settings from the environment, listen, stop cleanly on SIGINT/SIGTERM.
 * A bad variable exits with status 2 and one line naming it.
 */
export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  let settings;
  try {
    settings = parseEnv(env);
  } catch (err) {
    if (err instanceof ServerEnvError) {
      process.stderr.write(`airlock-server: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const server = await createServer({ settings });
  const address = await server.listen();
  server.app.log.info({ address }, "airlock server listening");
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, "shutting down");
    void server
      .close()
      .then(() => shutdownWorkers())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          server.app.log.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}
