import type { RunResult } from "@airlock/wasm-host";
import { Queue, QueueEvents, type ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import {
  QueueClosedError,
  QueueUnavailableError,
  TooManyRequestsError,
  WorkerLostError,
} from "../errors.js";
import type { OutputChunk } from "../execution/types.js";
import type { JobOutcome, JobState, Priority } from "./queue.js";
import type { RunHandle, RunHooks, RunJob, RunQueue, RunQueueStats } from "./run-queue.js";
import { settleOnce, type SettleOnce } from "./settle.js";

/** The BullMQ queue's name; keys are `<REDIS_PREFIX>:executions:*`. */
export const QUEUE_NAME = "executions";

/** What travels in a BullMQ job: the run, and whether its output is streamed back over pub/sub. */
export interface BullJobData extends RunJob {
  stream: boolean;
}

/** A message on an execution's output channel: a chunk, or the end marker published after the last one. */
export type ChunkMessage = { t: "c"; s: OutputChunk["stream"]; d: string } | { t: "end" };

/** Pub/sub channel of one execution's streamed output. */
export const outputChannel = (prefix: string, id: string) => `${prefix}:out:${id}`;
/** Pub/sub channel every worker listens on for cancellations (the message is the execution id). */
export const cancelChannel = (prefix: string) => `${prefix}:cancel`;

/** BullMQ runs lower numbers first; 0 would mean "no priority" (plain FIFO ahead of everything). */
const BULL_PRIORITY: Record<Priority, number> = { high: 1, normal: 2, low: 3 };
/** The API's watchdog fires this long after the worker's own deadline should have. */
const API_WATCHDOG_GRACE_MS = 5000;
/** After the completion event, how long to wait for the last streamed chunks (they travel apart). */
const STREAM_TAIL_MS = 1000;

/**
 * Redis connections for BullMQ. Blocking readers (QueueEvents, pub/sub) retry forever
 * (`maxRetriesPerRequest: null`, as BullMQ requires); the producer fails fast instead
 * (`enableOfflineQueue: false`), so while Redis is down a request gets a 503 at once rather than hanging.
 */
export function redisOptions(kind: "blocking" | "producer"): RedisOptions {
  const retryStrategy = (times: number) => Math.min(100 * times, 2000);
  return kind === "blocking"
    ? { maxRetriesPerRequest: null, retryStrategy }
    : { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy };
}

export interface BullRunQueueOptions {
  /** `redis://…` */
  url: string;
  prefix: string;
  /** Jobs waiting in Redis (all API nodes together) at which submissions get 429. */
  maxDepth: number;
  /** BullMQ `attempts` of each job (see `JOB_ATTEMPTS`). */
  attempts: number;
  /** How often pending jobs are checked against Redis in case an event was missed, ms (default 5000). */
  reconcileMs?: number;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

interface Pending {
  id: string;
  state: "queued" | "running";
  outcome: SettleOnce<JobOutcome<RunResult>>;
  hooks: RunHooks;
  deadlineMs: number;
  /** True once the job is in Redis; the reconcile skips jobs still being added. */
  added: boolean;
  watchdog?: NodeJS.Timeout;
  /** Streamed jobs: resolves when the end marker arrived on the output channel. */
  streamEnd?: SettleOnce<void>;
}

/**
 * The execution queue over Redis with BullMQ: this (API) node enqueues, `airlock-worker` processes run the
 * sandboxes. Completion comes back through BullMQ's QueueEvents, streamed output through Redis pub/sub on a
 * channel per execution id. A periodic reconcile asks Redis about every pending job, so a missed event
 * (a Redis restart, a reconnect) delays an answer but never loses it.
 */
export class BullRunQueue implements RunQueue {
  readonly backend = "bullmq" as const;
  readonly #o: Required<Omit<BullRunQueueOptions, "log">> & Pick<BullRunQueueOptions, "log">;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #producer: Redis;
  readonly #subscriber: Redis;
  readonly #pending = new Map<string, Pending>();
  readonly #reconcileTimer: NodeJS.Timeout;
  #closed = false;
  #waitingSeen = 0;
  #avgRunMs = 1000;
  readonly #counts = { accepted: 0, rejected: 0, done: 0, failed: 0, timeout: 0, cancelled: 0 };

  private constructor(o: BullRunQueueOptions) {
    this.#o = { reconcileMs: 5000, ...o };
    this.#producer = new Redis(o.url, redisOptions("producer"));
    this.#subscriber = new Redis(o.url, redisOptions("blocking"));
    this.#producer.on("error", () => undefined); // reconnects on its own; failures surface per request
    this.#subscriber.on("error", () => undefined);
    this.#queue = new Queue(QUEUE_NAME, {
      connection: this.#producer as unknown as ConnectionOptions,
      prefix: o.prefix,
    });
    this.#queue.on("error", () => undefined);
    this.#events = new QueueEvents(QUEUE_NAME, {
      connection: { url: o.url, ...redisOptions("blocking") } as ConnectionOptions,
      prefix: o.prefix,
    });
    this.#events.on("error", () => undefined);
    this.#events.on("active", ({ jobId }) => this.#onActive(jobId));
    this.#events.on("completed", ({ jobId, returnvalue }) =>
      this.#onCompleted(jobId, returnvalue as unknown),
    );
    this.#events.on("failed", ({ jobId, failedReason }) => this.#onFailed(jobId, failedReason));
    this.#events.on("removed", ({ jobId }) =>
      this.#settle(jobId, { kind: "cancelled", reason: "removed from the queue" }),
    );
    this.#subscriber.on("message", (channel: string, message: string) =>
      this.#onMessage(channel, message),
    );
    this.#reconcileTimer = setInterval(() => void this.#reconcile(), this.#o.reconcileMs);
    this.#reconcileTimer.unref();
  }

  /** Connects and resolves once Redis answered, so the first request does not race the connection. */
  static async open(options: BullRunQueueOptions): Promise<BullRunQueue> {
    const q = new BullRunQueue(options);
    try {
      await Promise.all([q.#queue.waitUntilReady(), q.#events.waitUntilReady()]);
    } catch (error) {
      await q.close();
      throw new QueueUnavailableError(error);
    }
    return q;
  }

  get #retryAfterS(): number {
    return Math.max(1, Math.ceil(((this.#waitingSeen + 1) * this.#avgRunMs) / 1000));
  }

  async assertAccepting(): Promise<void> {
    if (this.#closed) throw new QueueClosedError();
    let waiting: number;
    try {
      const counts = await this.#queue.getJobCounts("waiting", "prioritized");
      waiting = Object.values(counts).reduce((a, b) => a + b, 0);
    } catch (error) {
      throw new QueueUnavailableError(error);
    }
    this.#waitingSeen = waiting;
    if (waiting >= this.#o.maxDepth) {
      this.#counts.rejected++;
      throw new TooManyRequestsError(
        "AIRLOCK_QUEUE_FULL",
        `the execution queue is full (${waiting} waiting for a worker, limit ${this.#o.maxDepth}); retry later or add workers`,
        this.#retryAfterS,
      );
    }
  }

  async submit(job: RunJob, hooks: RunHooks = {}): Promise<RunHandle> {
    if (this.#closed) throw new QueueClosedError();
    if (this.#pending.has(job.id)) throw new Error(`duplicate job id ${job.id}`);
    const started = performance.now();
    const entry: Pending = {
      id: job.id,
      state: "queued",
      added: false,
      hooks,
      deadlineMs: job.deadlineMs,
      outcome: settleOnce<JobOutcome<RunResult>>((o) => {
        this.#counts[o.kind]++;
        clearTimeout(entry.watchdog);
        this.#pending.delete(job.id);
        if (entry.streamEnd)
          void this.#subscriber.unsubscribe(outputChannel(this.#o.prefix, job.id));
        if (o.kind === "done")
          this.#avgRunMs = this.#avgRunMs * 0.8 + (performance.now() - started) * 0.2;
      }),
      ...(hooks.onChunk ? { streamEnd: settleOnce<void>() } : {}),
    };
    this.#pending.set(job.id, entry);
    try {
      // Subscribe before the job exists, so no chunk can be published before anyone listens.
      if (entry.streamEnd) await this.#subscriber.subscribe(outputChannel(this.#o.prefix, job.id));
      const data: BullJobData = { ...job, stream: entry.streamEnd !== undefined };
      await this.#queue.add("run", data, {
        jobId: job.id,
        priority: BULL_PRIORITY[job.priority],
        attempts: this.#o.attempts,
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 86_400, count: 10_000 },
      });
    } catch (error) {
      this.#pending.delete(job.id);
      if (entry.streamEnd) void this.#subscriber.unsubscribe(outputChannel(this.#o.prefix, job.id));
      throw new QueueUnavailableError(error);
    }
    entry.added = true;
    this.#counts.accepted++;
    return { id: job.id, result: entry.outcome.promise };
  }

  cancel(id: string, reason: string): boolean {
    const entry = this.#pending.get(id);
    if (!entry) return false;
    const won = entry.outcome.settle({ kind: "cancelled", reason });
    void this.#cancelRemote(id);
    return won;
  }

  state(id: string): JobState | undefined {
    return this.#pending.get(id)?.state;
  }

  stats(): RunQueueStats {
    let running = 0;
    for (const p of this.#pending.values()) if (p.state === "running") running++;
    return {
      backend: "bullmq",
      concurrency: 0, // set per worker (WORKER_CONCURRENCY); this node does not run sandboxes
      maxDepth: this.#o.maxDepth,
      running,
      queued: this.#pending.size - running,
      ...this.#counts,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#reconcileTimer);
    // This node writes the audit rows of its executions and holds their clients: it cancels them.
    const ids = [...this.#pending.keys()];
    for (const id of ids)
      this.#pending.get(id)?.outcome.settle({ kind: "cancelled", reason: "server shutting down" });
    await Promise.allSettled(ids.map((id) => this.#cancelRemote(id)));
    await Promise.allSettled([this.#events.close(), this.#queue.close()]);
    this.#subscriber.disconnect();
    this.#producer.disconnect();
  }

  /** Removes a waiting job, or tells the workers to abort a running one. Best effort. */
  async #cancelRemote(id: string): Promise<void> {
    try {
      const removed = await this.#queue.remove(id);
      if (removed === 0) await this.#producer.publish(cancelChannel(this.#o.prefix), id);
    } catch (error) {
      this.#o.log?.warn({ err: error, executionId: id }, "could not cancel the job in Redis");
    }
  }

  #settle(id: string, outcome: JobOutcome<RunResult>): void {
    this.#pending.get(id)?.outcome.settle(outcome);
  }

  #onActive(id: string): void {
    const entry = this.#pending.get(id);
    if (!entry || entry.state === "running") return; // a retry after a stall: already marked running
    entry.state = "running";
    entry.hooks.onStart?.();
    // Backstop for a worker that neither finishes nor dies visibly (the worker enforces the deadline itself).
    entry.watchdog = setTimeout(() => {
      if (entry.outcome.settle({ kind: "timeout" })) void this.#cancelRemote(id);
    }, entry.deadlineMs + API_WATCHDOG_GRACE_MS);
    entry.watchdog.unref?.();
  }

  #onCompleted(id: string, returnvalue: unknown): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    const value = (
      typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue
    ) as RunResult;
    const done = () => entry.outcome.settle({ kind: "done", value });
    if (!entry.streamEnd || entry.streamEnd.settled) return void done();
    // Chunks and the completion event travel on different connections: let the tail of the output arrive.
    const timer = setTimeout(done, STREAM_TAIL_MS);
    void entry.streamEnd.promise.then(() => {
      clearTimeout(timer);
      done();
    });
  }

  #onFailed(id: string, reason: string): void {
    const lost = /stall|lock/i.test(reason);
    this.#settle(id, {
      kind: "failed",
      error: lost ? new WorkerLostError(reason) : new Error(reason),
    });
  }

  #onMessage(channel: string, message: string): void {
    const id = channel.slice(`${this.#o.prefix}:out:`.length);
    const entry = this.#pending.get(id);
    if (!entry) return;
    let msg: ChunkMessage;
    try {
      msg = JSON.parse(message) as ChunkMessage;
    } catch {
      return;
    }
    if (msg.t === "end") entry.streamEnd?.settle();
    else if (!entry.outcome.settled) entry.hooks.onChunk?.({ stream: msg.s, data: msg.d });
  }

  /** Asks Redis for the state of every pending job: answers the ones whose event this node missed. */
  async #reconcile(): Promise<void> {
    for (const [id, entry] of [...this.#pending]) {
      if (!entry.added) continue;
      try {
        const job = await this.#queue.getJob(id);
        if (!this.#pending.has(id)) continue;
        if (!job) {
          entry.outcome.settle({
            kind: "failed",
            error: new WorkerLostError("the job is no longer in Redis"),
          });
          continue;
        }
        const state = await job.getState();
        if (state === "active" && entry.state === "queued") this.#onActive(id);
        else if (state === "completed") this.#onCompleted(id, job.returnvalue);
        else if (state === "failed") this.#onFailed(id, job.failedReason);
      } catch {
        return; // Redis is down: try again next round
      }
    }
  }
}
