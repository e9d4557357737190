import type { RunResult } from "@airlock/wasm-host";
import type { Engine, EngineName } from "../engines/registry.js";
import { runJob } from "../execution/run-job.js";
import { ExecutionQueue, type JobState, type QueueOptions } from "./queue.js";
import type { RunHandle, RunHooks, RunJob, RunQueue, RunQueueStats } from "./run-queue.js";

/** The embedded default: runs sandboxes in this process through an {@link ExecutionQueue}. */
export class LocalRunQueue implements RunQueue {
  readonly backend = "memory" as const;
  readonly #queue: ExecutionQueue;
  readonly #engines: Record<EngineName, Engine>;

  constructor(options: QueueOptions & { engines: Record<EngineName, Engine> }) {
    const { engines, ...queue } = options;
    this.#queue = new ExecutionQueue(queue);
    this.#engines = engines;
  }

  async assertAccepting(): Promise<void> {
    this.#queue.assertAccepting();
  }

  async submit(job: RunJob, hooks: RunHooks = {}): Promise<RunHandle> {
    const handle = this.#queue.submit<RunResult>({
      id: job.id,
      priority: job.priority,
      deadlineMs: job.deadlineMs,
      ...(hooks.onStart ? { onStart: hooks.onStart } : {}),
      run: (signal) => runJob(this.#engines, job, signal, hooks.onChunk),
    });
    return { id: handle.id, result: handle.result };
  }

  cancel(id: string, reason: string): boolean {
    return this.#queue.cancel(id, reason);
  }

  state(id: string): JobState | undefined {
    return this.#queue.state(id);
  }

  stats(): RunQueueStats {
    return { backend: "memory", ...this.#queue.stats() };
  }

  close(): Promise<void> {
    return this.#queue.close();
  }
}
