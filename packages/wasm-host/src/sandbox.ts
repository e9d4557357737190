/** `createSandbox` and the {@link Sandbox} it returns: validation, queuing, output assembly. */
import { capabilitiesFromConfig, type CapabilityConfig } from "./capabilities.js";
import { SandboxDisposedError } from "./errors.js";
import { frozenRequest } from "./frozen-link.js";
import { resolveRun, sandboxLimits } from "./options.js";
import { sharedPool, type WorkerPool } from "./pool.js";
import type { FrozenRequest } from "./protocol.js";
import type {
  OutputChunk,
  RunLimits,
  RunOptions,
  RunResult,
  Sandbox,
  SandboxOptions,
} from "./types.js";

let nextSession = 1;

/**
 * Creates a sandbox. Runs execute in the shared worker pool, each in a fresh QuickJS-NG wasm
 * instance (or one kept instance with `keepState`). Throws `InvalidOptionError` for bad options.
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const limits = sandboxLimits(options);
  const frozen = frozenRequest(options.frozen);
  const pool = await sharedPool();
  return new WasmSandbox(
    pool,
    limits,
    options.keepState === true ? nextSession++ : null,
    capabilitiesFromConfig(options.config),
    frozen,
  );
}

class WasmSandbox implements Sandbox {
  private isDisposed = false;
  private readonly inflight = new Set<{ abort(): void; result: Promise<RunResult> }>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly limits: RunLimits,
    private readonly session: number | null,
    private readonly capabilities: CapabilityConfig,
    private readonly frozen?: FrozenRequest,
  ) {}

  get disposed(): boolean {
    return this.isDisposed;
  }

  run(code: string, options?: RunOptions): Promise<RunResult> {
    try {
      return this.start(code, options).result;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  stream(
    code: string,
    options?: RunOptions,
  ): AsyncIterable<OutputChunk> & { result: Promise<RunResult> } {
    const queue: OutputChunk[] = [];
    let wakeup: (() => void) | null = null;
    let finished = false;
    const notify = () => {
      wakeup?.();
      wakeup = null;
    };
    const forward =
      (stream: OutputChunk["stream"], user?: (chunk: string) => void) => (data: string) => {
        queue.push({ stream, data });
        notify();
        user?.(data);
      };
    const { result } = this.start(code, {
      ...options,
      onStdout: forward("stdout", options?.onStdout),
      onStderr: forward("stderr", options?.onStderr),
    });
    const done = result.finally(() => {
      finished = true;
      notify();
    });
    done.catch(() => undefined);
    return {
      result,
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const chunk = queue.shift();
          if (chunk !== undefined) {
            yield chunk;
            continue;
          }
          if (finished) return;
          await new Promise<void>((resolve) => (wakeup = resolve));
        }
      },
    };
  }

  private start(code: string, options: RunOptions | undefined): { result: Promise<RunResult> } {
    if (this.isDisposed) throw new SandboxDisposedError();
    const r = resolveRun(code, options, this.limits);
    const signal = options?.signal;
    const onStdout = options?.onStdout;
    const onStderr = options?.onStderr;
    const stdout: string[] = [];
    const stderr: string[] = [];
    const started = performance.now();
    let abort: () => void = () => undefined;
    const result = new Promise<RunResult>((resolve, reject) => {
      const job = {
        req: {
          ...r,
          code,
          session: this.session,
          capabilities: this.capabilities,
          ...(this.frozen ? { frozen: this.frozen } : {}),
        },
        onChunks: (chunks: [1 | 2, string][]) => {
          for (const [fd, data] of chunks) {
            if (fd === 1) {
              stdout.push(data);
              onStdout?.(data);
            } else {
              stderr.push(data);
              onStderr?.(data);
            }
          }
        },
        done: (outcome: import("./protocol.js").WorkerOutcome) => {
          signal?.removeEventListener("abort", onAbort);
          const res: RunResult = {
            status: outcome.status,
            exitCode: outcome.exitCode,
            stdout: stdout.join(""),
            stderr: stderr.join(""),
            durationMs: performance.now() - started,
            memory: { peakBytes: outcome.peakBytes },
          };
          if (outcome.error !== undefined) res.error = outcome.error;
          resolve(res);
        },
        fail: (err: Error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
        abort: undefined as undefined | (() => void),
      };
      const onAbort = () => job.abort?.();
      abort = onAbort;
      // An already-aborted signal never reaches a worker (a ready instance would finish a
      // short run before the abort message arrived).
      this.pool.submit(job, signal?.aborted === true);
      if (!signal?.aborted) signal?.addEventListener("abort", onAbort, { once: true });
    });
    const entry = { abort: () => abort(), result };
    this.inflight.add(entry);
    const forget = () => this.inflight.delete(entry);
    result.then(forget, forget);
    return { result };
  }

  /** Aborts runs still in flight (they resolve as `killed`) and frees kept state. Idempotent. */
  async dispose(): Promise<void> {
    if (this.isDisposed) return;
    this.isDisposed = true;
    const pending = [...this.inflight];
    for (const p of pending) p.abort();
    await Promise.allSettled(pending.map((p) => p.result));
    if (this.session !== null && !this.pool.isClosed) this.pool.dropSession(this.session);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
