import type { RunResult } from "@airlock/wasm-host";
import { Worker, type ConnectionOptions, type Job } from "bullmq";
import { Redis } from "ioredis";
import { defaultEngines, type Engine, type EngineName } from "../engines/registry.js";
import { runJob } from "../execution/run-job.js";
import {
  QUEUE_NAME,
  cancelChannel,
  outputChannel,
  redisOptions,
  type BullJobData,
  type ChunkMessage,
} from "../queue/bullmq.js";

/** Options of {@link startWorker}; `airlock-worker` reads them from the environment. */
export interface WorkerOptions {
  /** `REDIS_URL` */
  redisUrl: string;
  /** `REDIS_PREFIX`, the same as the API nodes'. */
  prefix: string;
  /** Sandboxes run at once (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /** BullMQ lock duration, ms (`WORKER_LOCK_MS`); stalled jobs are checked at the same interval. */
  lockMs: number;
  /** `JOB_ATTEMPTS`: 1 fails a job whose worker died; n lets it be picked up again n-1 times. */
  attempts: number;
  engines?: Record<EngineName, Engine>;
  log?: (level: "info" | "warn" | "error", msg: string, fields?: object) => void;
}

/** A running worker. `close()` stops taking jobs and resolves when the running ones have finished. */
export interface AirlockWorker {
  readonly running: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Takes executions from the BullMQ queue and runs them in sandboxes on this machine, `concurrency` at a
 * time. Output of streamed executions is published on their channel as it is written, then an end marker;
 * the result is the job's return value, which reaches the API node through BullMQ's QueueEvents.
 * Cancellations arrive on the shared cancel channel and abort the matching run.
 */
export async function startWorker(options: WorkerOptions): Promise<AirlockWorker> {
  const engines = options.engines ?? defaultEngines();
  const log = options.log ?? (() => undefined);
  const publisher = new Redis(options.redisUrl, redisOptions("blocking"));
  const cancels = new Redis(options.redisUrl, redisOptions("blocking"));
  publisher.on("error", (err: Error) => log("warn", "redis publisher", { err: err.message }));
  cancels.on("error", () => undefined);
  const runs = new Map<string, AbortController>();
  await cancels.subscribe(cancelChannel(options.prefix));
  cancels.on("message", (_channel: string, id: string) => {
    runs.get(id)?.abort(new Error("cancelled"));
  });

  const process = async (job: Job<BullJobData>): Promise<RunResult> => {
    const data = job.data;
    const controller = new AbortController();
    runs.set(data.id, controller);
    let timedOut = false;
    const watchdog = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error("deadline exceeded"));
    }, data.deadlineMs);
    const channel = outputChannel(options.prefix, data.id);
    const publish = (m: ChunkMessage) =>
      publisher.publish(channel, JSON.stringify(m)).catch(() => undefined);
    try {
      const result = await runJob(
        engines,
        data,
        controller.signal,
        data.stream ? (c) => void publish({ t: "c", s: c.stream, d: c.data }) : undefined,
      );
      // The engine ignored its own deadline and was aborted: report a timeout, not a cancellation.
      return timedOut && result.status === "killed" ? { ...result, status: "timeout" } : result;
    } finally {
      clearTimeout(watchdog);
      runs.delete(data.id);
      // Published on the same connection after every chunk, so it arrives after them.
      if (data.stream) await publish({ t: "end" });
    }
  };

  const worker = new Worker<BullJobData, RunResult>(QUEUE_NAME, process, {
    connection: { url: options.redisUrl, ...redisOptions("blocking") } as ConnectionOptions,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: options.attempts - 1,
    autorun: true,
  });
  worker.on("error", (err) => log("warn", "worker", { err: err.message }));
  worker.on("failed", (job, err) =>
    log("warn", "job failed", { executionId: job?.id, err: err.message }),
  );
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Not forced: stops fetching, lets running jobs finish and report, then disconnects.
      await worker.close();
      await cancels.quit().catch(() => cancels.disconnect());
      await publisher.quit().catch(() => publisher.disconnect());
    })());
  return {
    get running() {
      return runs.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
