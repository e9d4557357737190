import type { Engine, EngineName } from "../engines/registry.js";
import type { ServerSettings } from "../env.js";
import { BullRunQueue, type BullRunQueueOptions } from "./bullmq.js";
import { LocalRunQueue } from "./local.js";
import type { RunQueue } from "./run-queue.js";

/** What {@link createExecutionQueue} needs besides the settings. */
export interface ExecutionQueueDeps {
  /** Engines of this process (used by the in-process queue only; with Redis the workers run their own). */
  engines: Record<EngineName, Engine>;
  log?: BullRunQueueOptions["log"];
}

/**
 * The execution queue the settings ask for: BullMQ over `settings.redisUrl` when it is set (this node
 * enqueues; `airlock-worker` processes run the sandboxes), otherwise the in-process queue.
 *
 * @throws QueueUnavailableError when Redis does not answer at startup.
 */
export async function createExecutionQueue(
  settings: Pick<
    ServerSettings,
    "redisUrl" | "redisPrefix" | "jobAttempts" | "queueConcurrency" | "queueMaxDepth"
  >,
  deps: ExecutionQueueDeps,
): Promise<RunQueue> {
  if (settings.redisUrl) {
    return BullRunQueue.open({
      url: settings.redisUrl,
      prefix: settings.redisPrefix,
      maxDepth: settings.queueMaxDepth,
      attempts: settings.jobAttempts,
      ...(deps.log ? { log: deps.log } : {}),
    });
  }
  return new LocalRunQueue({
    concurrency: settings.queueConcurrency,
    maxDepth: settings.queueMaxDepth,
    engines: deps.engines,
  });
}
