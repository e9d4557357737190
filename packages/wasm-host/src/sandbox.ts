/** `createSandbox` and the {@link Sandbox} it returns: validation, queuing, output assembly. */
import { nodeCrypto } from "./builtins.js";
import { capabilitiesFromConfig, type CapabilityConfig } from "./capabilities.js";
import { InvalidOptionError, SandboxDisposedError } from "./errors.js";
import { frozenRequest } from "./frozen-link.js";
import { resolveRun, sandboxLimits } from "./options.js";
import { sharedPool, type WorkerPool } from "./pool.js";
import type { FrozenRequest, HttpRequestData, ServeRequest } from "./protocol.js";
import type {
  AppPoolState,
  OutputChunk,
  RunLimits,
  RunOptions,
  RunResult,
  Sandbox,
  SandboxOptions,
  ServeOptions,
  ServeRequestInit,
  ServeResult,
} from "./types.js";
import { monoNow } from "./clock.js";

let nextSession = 1;

const DEFAULT_POOL_SIZE = 2;
const DEFAULT_POOL_BYTES = 64 * 1024 * 1024;

/**
 * App keys by code, then filename, so a request does not hash its app's source again: keyed by
 * the code string itself (V8 caches a string's hash), never by a new concatenation (bounded).
 */
const appKeys = new Map<string, Map<string, string>>();
function appKey(code: string, filename: string): string {
  let byName = appKeys.get(code);
  if (byName === undefined) {
    if (appKeys.size >= 64) appKeys.delete(appKeys.keys().next().value!);
    appKeys.set(code, (byName = new Map()));
  }
  let key = byName.get(filename);
  if (key === undefined) {
    key = nodeCrypto().createHash("sha256").update(`${filename}\0${code}`).digest("hex");
    byName.set(filename, key);
  }
  return key;
}

function checkRequest(r: ServeRequestInit): HttpRequestData {
  if (r === null || typeof r !== "object")
    throw new InvalidOptionError("request", "expected an object");
  if (typeof r.method !== "string" || !/^[A-Za-z]+$/.test(r.method))
    throw new InvalidOptionError("request.method", "expected an HTTP method such as GET");
  if (typeof r.url !== "string" || !URL.canParse(r.url))
    throw new InvalidOptionError("request.url", "expected an absolute URL (http://host/path)");
  const headers: [string, string][] = [];
  for (const h of r.headers ?? []) {
    if (!Array.isArray(h) || typeof h[0] !== "string" || typeof h[1] !== "string")
      throw new InvalidOptionError("request.headers", "expected [name, value] string pairs");
    headers.push([h[0], h[1]]);
  }
  const body = r.body ?? null;
  if (body !== null && !(body instanceof Uint8Array))
    throw new InvalidOptionError("request.body", "expected a Uint8Array or null");
  return { method: r.method.toUpperCase(), url: r.url, headers, body };
}

function poolOf(options: ServeOptions | undefined): {
  size: number;
  bytes: number;
  recycle: boolean;
} {
  const size = options?.pool?.size ?? DEFAULT_POOL_SIZE;
  const bytes = options?.pool?.maxBytes ?? DEFAULT_POOL_BYTES;
  if (!Number.isInteger(size) || size < 0 || size > 1024)
    throw new InvalidOptionError("pool.size", "expected an integer in 0..1024");
  if (!Number.isFinite(bytes) || bytes < 0)
    throw new InvalidOptionError("pool.maxBytes", "expected a number of bytes ≥ 0");
  return { size, bytes, recycle: options?.pool?.recycle === true };
}

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

  serve(code: string, request: ServeRequestInit, options?: ServeOptions): Promise<ServeResult> {
    try {
      const req = checkRequest(request);
      const { pool, ...rest } = options ?? {};
      const filename = rest.filename ?? "app.mjs";
      const { size, bytes, recycle } = poolOf(options);
      const serve: ServeRequest = {
        app: appKey(code, filename),
        request: req,
        poolSize: size,
        poolBytes: bytes,
        recycle,
      };
      void pool;
      return this.start(code, { ...rest, filename, type: "module" }, serve).result;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async warm(code: string, options?: ServeOptions): Promise<void> {
    if (this.isDisposed) throw new SandboxDisposedError();
    const { pool: _pool, ...rest } = options ?? {};
    const filename = rest.filename ?? "app.mjs";
    const { size, bytes, recycle } = poolOf(options);
    const r = resolveRun(code, { ...rest, filename, type: "module" }, this.limits);
    this.pool.warmApp({
      ...r,
      code,
      session: null,
      capabilities: this.capabilities,
      ...(this.frozen ? { frozen: this.frozen } : {}),
      serve: {
        app: appKey(code, filename),
        request: null,
        poolSize: size,
        poolBytes: bytes,
        recycle,
      },
    });
  }

  poolStats(code: string, options?: Pick<ServeOptions, "filename">): AppPoolState[] {
    return this.pool
      .appPoolStats(appKey(code, options?.filename ?? "app.mjs"))
      .map(({ app: _app, ...state }) => state);
  }

  private start(
    code: string,
    options: RunOptions | undefined,
    serve?: ServeRequest,
  ): { result: Promise<ServeResult> } {
    if (this.isDisposed) throw new SandboxDisposedError();
    const r = resolveRun(code, options, this.limits);
    const signal = options?.signal;
    const onStdout = options?.onStdout;
    const onStderr = options?.onStderr;
    const stdout: string[] = [];
    const stderr: string[] = [];
    const started = monoNow();
    let abort: () => void = () => undefined;
    const result = new Promise<ServeResult>((resolve, reject) => {
      const job = {
        req: {
          ...r,
          code,
          // A fetch-handler run always gets a fresh instance, even in a keepState sandbox.
          session: serve ? null : this.session,
          capabilities: this.capabilities,
          ...(this.frozen ? { frozen: this.frozen } : {}),
          ...(serve ? { serve } : {}),
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
          const res: ServeResult = {
            status: outcome.status,
            exitCode: outcome.exitCode,
            stdout: stdout.join(""),
            stderr: stderr.join(""),
            durationMs: monoNow() - started,
            memory: { peakBytes: outcome.peakBytes },
          };
          if (outcome.error !== undefined) res.error = outcome.error;
          if (outcome.response !== undefined) res.response = outcome.response;
          if (outcome.pool !== undefined) res.pool = outcome.pool;
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
