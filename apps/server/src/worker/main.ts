import { configureWorkerPool, shutdownWorkers } from "@airlock/wasm-host";
import { parseEnv } from "../env.js";
import { ServerEnvError } from "../errors.js";
import { startWorker } from "./worker.js";

/** One JSON line per event on stdout, pino-style, so API and worker logs read the same. */
function log(level: "info" | "warn" | "error", msg: string, fields: object = {}): void {
  const levels = { info: 30, warn: 40, error: 50 };
  process.stdout.write(
    `${JSON.stringify({ level: levels[level], time: Date.now(), pid: process.pid, msg, ...fields })}\n`,
  );
}

/**
 * The `airlock-worker` entry: runs executions from the Redis queue (`REDIS_URL`), `WORKER_CONCURRENCY`
 * at a time. SIGTERM/SIGINT drain: no new job is taken, running ones finish and report, then exit 0.
 * A bad or missing variable exits with status 2 and one line naming it.
 */
export async function workerMain(
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  let settings;
  try {
    settings = parseEnv(env);
    if (!settings.redisUrl)
      throw new ServerEnvError("REDIS_URL", "required by airlock-worker (redis://host:6379)");
  } catch (err) {
    if (err instanceof ServerEnvError) {
      process.stderr.write(`airlock-worker: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // One wasm worker thread per concurrent sandbox.
  // A server: the engine may tier up to optimised code (see configureWorkerPool).
  configureWorkerPool({
    size: Math.min(64, settings.workerConcurrency),
    engineTiering: "throughput",
  });
  const worker = await startWorker({
    redisUrl: settings.redisUrl,
    prefix: settings.redisPrefix,
    concurrency: settings.workerConcurrency,
    lockMs: settings.workerLockMs,
    attempts: settings.jobAttempts,
    log,
  });
  log("info", "airlock worker ready", {
    concurrency: settings.workerConcurrency,
    prefix: settings.redisPrefix,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "draining", { signal, running: worker.running });
    void worker
      .close()
      .then(() => shutdownWorkers())
      .then(
        () => {
          log("info", "drained");
          process.exit(0);
        },
        (err: unknown) => {
          log("error", "drain failed", { err: String(err) });
          process.exit(1);
        },
      );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}
