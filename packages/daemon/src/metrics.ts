/**
 * Prometheus metrics (`prom-client`), one registry per daemon: pool fill, hits, misses, request
 * latency, time from request to user code on a pool hit, limit terminations, rejections.
 * Pool gauges are read from the runners when scraped.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** What the gauges read at scrape time. */
export interface PoolSource {
  readonly name: string;
  poolReady(): number;
  poolTarget(): number;
  inflight(): number;
}

/** Fine buckets: the goal is milliseconds, the limit is seconds. */
const LATENCY_BUCKETS = [
  0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  10,
];
const START_BUCKETS = [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05];

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly sources = new Set<PoolSource>();
  readonly requests: Counter<"app" | "status">;
  readonly hits: Counter<"app">;
  readonly misses: Counter<"app">;
  readonly rejected: Counter<"app">;
  readonly limitTerminations: Counter<"app" | "reason">;
  readonly latency: Histogram<"app">;
  readonly hitStart: Histogram<"app">;

  constructor() {
    const registers = [this.registry];
    const sources = this.sources;
    this.requests = new Counter({
      name: "airlock_requests_total",
      help: "Requests handled, by outcome (HTTP status)",
      labelNames: ["app", "status"],
      registers,
    });
    this.hits = new Counter({
      name: "airlock_pool_hits_total",
      help: "Requests that took a ready sandbox from the pool",
      labelNames: ["app"],
      registers,
    });
    this.misses = new Counter({
      name: "airlock_pool_misses_total",
      help: "Requests whose sandbox was created on demand (pool empty)",
      labelNames: ["app"],
      registers,
    });
    this.rejected = new Counter({
      name: "airlock_rejected_total",
      help: "Requests refused with 429 because the queue was full",
      labelNames: ["app"],
      registers,
    });
    this.limitTerminations = new Counter({
      name: "airlock_limit_terminations_total",
      help: "Sandboxes stopped by a limit (timeout, out_of_memory, output_limit, killed)",
      labelNames: ["app", "reason"],
      registers,
    });
    this.latency = new Histogram({
      name: "airlock_request_duration_seconds",
      help: "Time from request received to response ready",
      labelNames: ["app"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.hitStart = new Histogram({
      name: "airlock_pool_hit_start_seconds",
      help: "On a pool hit: time from request received to the sandbox running user code",
      labelNames: ["app"],
      buckets: START_BUCKETS,
      registers,
    });
    new Gauge({
      name: "airlock_pool_ready",
      help: "Sandboxes ready in the pool",
      labelNames: ["app"],
      registers,
      collect() {
        this.reset();
        for (const s of sources) this.set({ app: s.name }, s.poolReady());
      },
    });
    new Gauge({
      name: "airlock_pool_size",
      help: "Sandboxes the pool keeps ready (pool size, lowered by the memory budget)",
      labelNames: ["app"],
      registers,
      collect() {
        this.reset();
        for (const s of sources) this.set({ app: s.name }, s.poolTarget());
      },
    });
    new Gauge({
      name: "airlock_requests_in_flight",
      help: "Requests running or queued",
      labelNames: ["app"],
      registers,
      collect() {
        this.reset();
        for (const s of sources) this.set({ app: s.name }, s.inflight());
      },
    });
  }

  track(source: PoolSource): void {
    this.sources.add(source);
  }

  untrack(source: PoolSource): void {
    this.sources.delete(source);
  }

  /** The text exposition format and its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
