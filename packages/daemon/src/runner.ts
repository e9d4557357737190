/**
 * One loaded app: its sandbox (config, limits, frozen functions), its pool of ready sandboxes in
 * every worker, and admission control. A request runs in a fresh sandbox that is dropped
 * afterwards; beyond the workers, requests queue up to `maxQueue`, then get "busy" (HTTP 429).
 */
import type { AirlockConfig } from "@airlock/config";
import {
  createSandbox,
  type Sandbox,
  type ServeRequestInit,
  type ServeResult,
} from "@airlock/wasm-host";
import type { LoadedApp } from "./app.js";
import { DaemonOptionError } from "./errors.js";
import type { DaemonMetrics, PoolSource } from "./metrics.js";

/** How an app's requests are run. */
export interface RunnerOptions {
  /** Ready sandboxes to keep, over all workers (config `daemon.pool_size`). */
  poolSize: number;
  /** Per-request time limit, ms (config `daemon.exec_timeout_ms`). */
  timeoutMs: number;
  /** Requests allowed to wait beyond those running; more get 429. Default 256. */
  maxQueue?: number;
  /** Memory budget of the ready sandboxes, bytes, over all workers. Default 256 MiB. */
  poolBytes?: number;
  /** Worker threads the pool is split over (the wasm-host pool size). */
  workers: number;
  /** The sandboxes' config (limits and grants); default: the app's embedded one, else none. */
  config?: AirlockConfig;
  /**
   * Reset a used sandbox's memory to the app snapshot and reuse the memory (wasm-host
   * `pool.recycle`) instead of a new wasm memory per request. Default true: the guest state a
   * request sees is the snapshot's either way (see the README, "Fresh sandboxes"); false is the
   * opt-out (`--fresh-memory`).
   */
  recycle?: boolean;
}

/** What became of one request. */
export type Handled =
  { kind: "done"; result: ServeResult; ms: number } | { kind: "busy"; retryAfterS: number };

/** An app's counters and pool state (`airlock ps`). */
export interface AppStats {
  name: string;
  path: string;
  /** `app`: sandboxes start after the app's top level; `prelude`: it runs per request. */
  mode: "app" | "prelude" | "pending";
  reason?: string;
  /** Used memories are reset to the app snapshot and reused (false: a new one per request). */
  recycle: boolean;
  ready: number;
  poolSize: number;
  inflight: number;
  served: number;
  hits: number;
  misses: number;
  errors: number;
  rejected: number;
  limitTerminations: number;
  port?: number;
}

/** How long loading waits for the workers to prepare the app before answering anyway. */
const WARM_WAIT_MS = 10_000;

const LIMIT_STATUSES = new Set(["timeout", "out_of_memory", "output_limit", "killed"]);

export class AppRunner implements PoolSource {
  private pending = 0;
  private readonly idle: (() => void)[] = [];
  private counts = { served: 0, hits: 0, misses: 0, errors: 0, rejected: 0, limitTerminations: 0 };
  private readonly perWorker: { size: number; maxBytes: number; recycle: boolean };
  private readonly maxPending: number;
  port?: number;

  private constructor(
    readonly app: LoadedApp,
    private readonly sandbox: Sandbox,
    private readonly options: Required<Omit<RunnerOptions, "config">>,
    private readonly metrics?: DaemonMetrics,
  ) {
    this.perWorker = {
      size: Math.ceil(options.poolSize / options.workers),
      maxBytes: Math.floor(options.poolBytes / options.workers),
      recycle: options.recycle,
    };
    this.maxPending = options.workers * 2 + options.maxQueue;
  }

  get name(): string {
    return this.app.name;
  }

  /** Creates the app's sandbox and starts filling its pools. */
  static async create(
    app: LoadedApp,
    options: RunnerOptions,
    metrics?: DaemonMetrics,
  ): Promise<AppRunner> {
    const o = {
      poolSize: options.poolSize,
      timeoutMs: options.timeoutMs,
      maxQueue: options.maxQueue ?? 256,
      poolBytes: options.poolBytes ?? 256 * 1024 * 1024,
      workers: options.workers,
      recycle: options.recycle !== false,
    };
    const int = (field: string, v: number, min: number, max: number) => {
      if (!Number.isInteger(v) || v < min || v > max)
        throw new DaemonOptionError(field, `expected an integer in ${min}..${max}, got ${v}`);
    };
    int("pool_size", o.poolSize, 0, 4096);
    int("timeout", o.timeoutMs, 1, 3_600_000);
    int("max_queue", o.maxQueue, 0, 1_000_000);
    int("workers", o.workers, 1, 64);
    if (!(o.poolBytes >= 0)) throw new DaemonOptionError("pool_bytes", "expected bytes ≥ 0");
    const sandbox = await createSandbox({
      ...(options.config ? { config: options.config } : {}),
      limits: { timeoutMs: o.timeoutMs },
      ...(app.frozen ? { frozen: app.frozen } : {}),
    });
    const runner = new AppRunner(app, sandbox, o, metrics);
    await sandbox.warm(app.code, runner.serveOptions());
    // Preloaded means the app's snapshot is decided (its top level ran) in every worker.
    const deadline = performance.now() + WARM_WAIT_MS;
    while (performance.now() < deadline) {
      const pools = sandbox.poolStats(app.code, { filename: app.filename });
      if (pools.length >= o.workers && pools.every((p) => p.mode !== "pending")) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    metrics?.track(runner);
    return runner;
  }

  private serveOptions() {
    return { filename: this.app.filename, pool: this.perWorker };
  }

  /** Runs one request in a fresh sandbox, or reports "busy" when the queue is full. */
  async handle(request: ServeRequestInit, receivedAt = performance.now()): Promise<Handled> {
    if (this.pending >= this.maxPending) {
      this.counts.rejected++;
      this.metrics?.rejected.inc({ app: this.name });
      return { kind: "busy", retryAfterS: 1 };
    }
    this.pending++;
    const wall = performance.timeOrigin + receivedAt;
    try {
      const result = await this.sandbox.serve(this.app.code, request, this.serveOptions());
      const ms = performance.now() - receivedAt;
      this.count(result, ms, wall);
      return { kind: "done", result, ms };
    } finally {
      if (--this.pending === 0) for (const f of this.idle.splice(0)) f();
    }
  }

  private count(result: ServeResult, ms: number, wall: number): void {
    const c = this.counts;
    const app = this.name;
    c.served++;
    if (result.pool?.hit) {
      c.hits++;
      this.metrics?.hits.inc({ app });
      if (result.pool.startedAt !== undefined)
        this.metrics?.hitStart.observe({ app }, Math.max(0, result.pool.startedAt - wall) / 1000);
    } else if (result.pool) {
      c.misses++;
      this.metrics?.misses.inc({ app });
    }
    if (LIMIT_STATUSES.has(result.status)) {
      c.limitTerminations++;
      this.metrics?.limitTerminations.inc({ app, reason: result.status });
    }
    if (result.response === undefined) c.errors++;
    this.metrics?.latency.observe({ app }, ms / 1000);
  }

  poolReady(): number {
    return this.sandbox
      .poolStats(this.app.code, { filename: this.app.filename })
      .reduce((n, s) => n + s.ready, 0);
  }

  poolTarget(): number {
    return this.sandbox
      .poolStats(this.app.code, { filename: this.app.filename })
      .reduce((n, s) => n + s.target, 0);
  }

  inflight(): number {
    return this.pending;
  }

  stats(): AppStats {
    const pools = this.sandbox.poolStats(this.app.code, { filename: this.app.filename });
    const mode = pools.find((p) => p.mode !== "pending")?.mode ?? "pending";
    const reason = pools.find((p) => p.reason !== undefined)?.reason;
    return {
      name: this.name,
      path: this.app.path,
      mode,
      ...(reason !== undefined ? { reason } : {}),
      recycle: this.options.recycle,
      ready: pools.reduce((n, s) => n + s.ready, 0),
      poolSize: pools.reduce((n, s) => n + s.target, 0),
      inflight: this.pending,
      ...this.counts,
      ...(this.port !== undefined ? { port: this.port } : {}),
    };
  }

  /** Resolves when no request is running or queued. */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Waits for running requests, then frees the sandbox. */
  async close(): Promise<void> {
    await this.drain();
    this.metrics?.untrack(this);
    await this.sandbox.dispose();
  }
}
