import { QueueClosedError, TooManyRequestsError } from "../errors.js";
import { settleOnce, type SettleOnce } from "./settle.js";

/** Jobs of a higher priority start first; within a priority, first come first served. */
export type Priority = "high" | "normal" | "low";
export const PRIORITIES: readonly Priority[] = ["high", "normal", "low"];

/** How a job ended. Exactly one outcome is delivered per job. */
export type JobOutcome<T> =
  | { kind: "done"; value: T }
  | { kind: "timeout" }
  | { kind: "cancelled"; reason: string }
  | { kind: "failed"; error: unknown };

export interface JobSpec<T> {
  id: string;
  priority?: Priority;
  /**
   * Hard deadline of the run, from its start, ms. The engine enforces its own timeout; this watchdog is
   * the backstop when it does not: it settles `timeout` and aborts the run's signal.
   */
  deadlineMs: number;
  /** Does the work. Must stop soon after `signal` aborts; its late result is then ignored. */
  run(signal: AbortSignal): Promise<T>;
  /** Called when the job leaves the queue and starts running. */
  onStart?(): void;
}

export type JobState = "queued" | "running" | "settled";

export interface JobHandle<T> {
  readonly id: string;
  readonly state: JobState;
  /** Resolves once with the outcome; never rejects. */
  readonly result: Promise<JobOutcome<T>>;
  /** Cancels a queued job (it never runs) or aborts a running one. False when already settled. */
  cancel(reason: string): boolean;
}

export interface QueueOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs waiting at most (running ones not counted); more are refused with 429. */
  maxDepth: number;
  /**
   * After a running job was settled by timeout or cancel, how long its slot stays taken waiting for the
   * run to actually stop, ms (default 5000). Past that the slot is freed so one stuck run can't wedge the queue.
   */
  releaseGraceMs?: number;
}

export interface QueueStats {
  concurrency: number;
  maxDepth: number;
  running: number;
  queued: number;
  accepted: number;
  rejected: number;
  done: number;
  failed: number;
  timeout: number;
  cancelled: number;
}

interface Job<T> {
  spec: JobSpec<T>;
  state: JobState;
  outcome: SettleOnce<JobOutcome<T>>;
  controller: AbortController;
}

/**
 * An in-process execution queue: priorities, a concurrency limit, a bounded depth, settle-once
 * outcomes, cancellation. Refusal is synchronous (`submit` throws), so a caller can write its audit
 * row and submit in one tick without a race.
 */
export class ExecutionQueue {
  readonly #opts: Required<QueueOptions>;
  readonly #waiting: Record<Priority, Job<unknown>[]> = { high: [], normal: [], low: [] };
  readonly #jobs = new Map<string, Job<unknown>>();
  #slotsTaken = 0;
  #closed = false;
  #idle: (() => void)[] = [];
  #avgRunMs = 100;
  readonly #counts = { accepted: 0, rejected: 0, done: 0, failed: 0, timeout: 0, cancelled: 0 };

  constructor(options: QueueOptions) {
    this.#opts = { releaseGraceMs: 5000, ...options };
  }

  get queued(): number {
    return PRIORITIES.reduce((n, p) => n + this.#waiting[p].length, 0);
  }

  /** True when `submit` would be refused right now. */
  get full(): boolean {
    return this.queued >= this.#opts.maxDepth && this.#slotsTaken >= this.#opts.concurrency;
  }

  /** Seconds a refused client should wait: the queue's expected drain time, at least 1. */
  get retryAfterS(): number {
    const drainMs = ((this.queued + 1) * this.#avgRunMs) / this.#opts.concurrency;
    return Math.max(1, Math.ceil(drainMs / 1000));
  }

  /** Throws what `submit` would throw right now, so a caller can refuse before doing any work. */
  assertAccepting(): void {
    if (this.#closed) throw new QueueClosedError();
    if (this.full) {
      this.#counts.rejected++;
      throw new TooManyRequestsError(
        "AIRLOCK_QUEUE_FULL",
        `the execution queue is full (${this.#opts.maxDepth} waiting, ${this.#opts.concurrency} running); retry later`,
        this.retryAfterS,
      );
    }
  }

  /**
   * Accepts a job or throws: {@link TooManyRequestsError} (`AIRLOCK_QUEUE_FULL`) when the queue is full,
   * {@link QueueClosedError} after `close()`.
   */
  submit<T>(spec: JobSpec<T>): JobHandle<T> {
    this.assertAccepting();
    if (this.#jobs.has(spec.id)) throw new Error(`duplicate job id ${spec.id}`);
    const job: Job<T> = {
      spec,
      state: "queued",
      controller: new AbortController(),
      outcome: settleOnce<JobOutcome<T>>((o) => {
        this.#counts[o.kind]++;
        job.state = "settled";
        this.#jobs.delete(spec.id);
      }),
    };
    this.#jobs.set(spec.id, job as Job<unknown>);
    this.#waiting[spec.priority ?? "normal"].push(job as Job<unknown>);
    this.#counts.accepted++;
    this.#pump();
    return {
      id: spec.id,
      get state() {
        return job.state;
      },
      result: job.outcome.promise,
      cancel: (reason) => this.#cancel(job as Job<unknown>, reason),
    };
  }

  /** Cancels the job with this id. False when it is unknown or already settled. */
  cancel(id: string, reason: string): boolean {
    const job = this.#jobs.get(id);
    return job ? this.#cancel(job, reason) : false;
  }

  /** State of a job still queued or running; undefined once settled. */
  state(id: string): JobState | undefined {
    return this.#jobs.get(id)?.state;
  }

  stats(): QueueStats {
    return {
      concurrency: this.#opts.concurrency,
      maxDepth: this.#opts.maxDepth,
      running: this.#slotsTaken,
      queued: this.queued,
      ...this.#counts,
    };
  }

  /** Refuses new jobs, cancels waiting ones, aborts running ones and waits until every slot is free. */
  async close(reason = "server shutting down"): Promise<void> {
    this.#closed = true;
    for (const job of [...this.#jobs.values()]) this.#cancel(job, reason);
    if (this.#slotsTaken > 0) await new Promise<void>((r) => this.#idle.push(r));
  }

  #cancel(job: Job<unknown>, reason: string): boolean {
    if (job.state === "settled") return false;
    if (job.state === "queued") {
      const list = this.#waiting[job.spec.priority ?? "normal"];
      list.splice(list.indexOf(job), 1);
    }
    const won = job.outcome.settle({ kind: "cancelled", reason });
    job.controller.abort(new Error(reason));
    return won;
  }

  #next(): Job<unknown> | undefined {
    for (const p of PRIORITIES) {
      const job = this.#waiting[p].shift();
      if (job) return job;
    }
    return undefined;
  }

  #pump(): void {
    while (this.#slotsTaken < this.#opts.concurrency) {
      const job = this.#next();
      if (!job) break;
      this.#start(job);
    }
  }

  #start(job: Job<unknown>): void {
    this.#slotsTaken++;
    job.state = "running";
    const started = performance.now();
    let released = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(graceTimer);
      this.#slotsTaken--;
      this.#pump();
      if (this.#slotsTaken === 0) for (const r of this.#idle.splice(0)) r();
    };
    const watchdog = setTimeout(() => {
      job.outcome.settle({ kind: "timeout" });
      job.controller.abort(new Error("deadline exceeded"));
    }, job.spec.deadlineMs);
    // A cancel or timeout settles first; the slot stays taken while the run winds down, up to the grace.
    void job.outcome.promise.then(() => {
      clearTimeout(watchdog);
      if (!released) graceTimer = setTimeout(release, this.#opts.releaseGraceMs);
      graceTimer?.unref?.();
    });
    let promise: Promise<unknown>;
    try {
      job.spec.onStart?.();
      promise = job.spec.run(job.controller.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise
      .then(
        (value) => job.outcome.settle({ kind: "done", value }),
        (error: unknown) => job.outcome.settle({ kind: "failed", error }),
      )
      .finally(() => {
        this.#avgRunMs = this.#avgRunMs * 0.8 + (performance.now() - started) * 0.2;
        release();
      });
  }
}
