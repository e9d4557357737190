/**
 * `airlock serve`: one app over HTTP in this process (no control socket). Returns a handle to
 * stop it gracefully.
 */
import type { Server } from "node:http";
import { availableParallelism } from "node:os";
import type { AirlockConfig } from "@airlock/config";
import { configureWorkerPool, shutdownWorkers } from "@airlock/wasm-host";
import { readApp } from "./app.js";
import { listenHttp } from "./http.js";
import { DaemonMetrics } from "./metrics.js";
import { AppRunner, type AppStats } from "./runner.js";

export interface ServeOptions {
  /** Default: config `daemon.port` (8787). 0 picks a free port. */
  port?: number;
  host?: string;
  /** Ready sandboxes over all workers. Default: config `daemon.pool_size` (4). */
  poolSize?: number;
  /** Per-request limit, ms. Default: config `daemon.exec_timeout_ms`. */
  timeoutMs?: number;
  /** The sandboxes' config; default: the artifact's embedded one, else none (standard limits). */
  config?: AirlockConfig;
  /** Worker threads (default `min(2, cores)`). */
  workers?: number;
  /** Queue beyond the running requests before 429 (default 256). */
  maxQueue?: number;
  /** Memory budget of the ready sandboxes, bytes (default 256 MiB). */
  poolBytes?: number;
  /**
   * Reset used sandboxes' memories to the app snapshot and reuse them (default true); false: a
   * new wasm memory per request.
   */
  recycle?: boolean;
  log?: (line: string) => void;
}

export interface Serving {
  readonly url: string;
  readonly port: number;
  stats(): AppStats;
  /** Stops listening, finishes running requests, stops the workers. */
  close(): Promise<void>;
}

/** Serves the app in `file` (artifact or `.js`/`.mjs`) over HTTP until `close()`. */
export async function serveApp(file: string, options: ServeOptions = {}): Promise<Serving> {
  const app = readApp(file);
  const config =
    options.config ?? (app.embeddedConfig ? { ...app.embeddedConfig, source: null } : undefined);
  const workers = options.workers ?? Math.min(2, availableParallelism());
  // A server: the engine may tier up to optimised code (see configureWorkerPool).
  configureWorkerPool({ size: workers, engineTiering: "throughput" });
  const metrics = new DaemonMetrics();
  const runner = await AppRunner.create(
    app,
    {
      poolSize: options.poolSize ?? config?.daemon.pool_size ?? 4,
      timeoutMs: options.timeoutMs ?? config?.daemon.exec_timeout_ms ?? 5_000,
      workers,
      ...(options.maxQueue !== undefined ? { maxQueue: options.maxQueue } : {}),
      ...(options.poolBytes !== undefined ? { poolBytes: options.poolBytes } : {}),
      ...(options.recycle !== undefined ? { recycle: options.recycle } : {}),
      ...(config ? { config } : {}),
    },
    metrics,
  );
  let server: Server;
  let port: number;
  let url: string;
  try {
    ({ server, port, url } = await listenHttp(runner, metrics, {
      port: options.port ?? config?.daemon.port ?? 8787,
      ...(options.host ? { host: options.host } : {}),
      ...(options.log ? { log: options.log } : {}),
    }));
  } catch (err) {
    await runner.close();
    await shutdownWorkers();
    throw err;
  }
  runner.port = port;
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    stats: () => runner.stats(),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        await runner.close();
        await closed;
        await shutdownWorkers();
      })();
      return closing;
    },
  };
}
