/**
 * Inline pools: guests run on the calling thread instead of a worker thread.
 *
 * A one-shot process (`airlock run`) spends ~50 ms waiting for a worker thread to boot and load
 * its bundle — most of its start-up. Running the same runtime (worker/runtime.ts) on the main
 * thread skips that. What a worker gave for free is provided here instead:
 *
 * - **a hard deadline**: a worker stuck in one long builtin is terminated; inline, each entry
 *   into the engine runs under node:vm's `timeout`, whose watchdog stops wasm code with V8's
 *   TerminateExecution (worker/guard.ts). The stopped engine is dropped.
 * - **a big native stack**: QuickJS-in-wasm recurses on the thread's stack (~4 bytes of it per
 *   byte of QuickJS stack). A worker is given 20 MiB; the main thread has what node was started
 *   with (`--stack-size`, KiB), bounded by the OS limit. {@link inlineStackCapacity} says which
 *   QuickJS stack sizes fit; larger ones still go to a worker.
 *
 * The rest is the same code: messages keep worker semantics (delivered asynchronously, plain
 * data), so the pool cannot tell the difference.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { requireWithCodeCache } from "./code-cache.js";
import { startupFlag } from "./node-flags.js";
import type { FromWorker, ToWorker } from "./protocol.js";

type Listener = (value: never) => void;

/** What a pool needs of a worker; `node:worker_threads`' `Worker` has it too. */
export interface WorkerLike {
  postMessage(msg: ToWorker): void;
  on(event: "message", fn: (msg: FromWorker) => void): unknown;
  on(event: "error", fn: (err: Error & { code?: string }) => void): unknown;
  on(event: "exit", fn: (code: number) => void): unknown;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

interface RuntimeBundle {
  startRuntime(
    init: { ctrl: SharedArrayBuffer; warmPages: number; snapshotCacheDir: string | null },
    post: (m: FromWorker) => void,
    options: { warm?: boolean; guard?: unknown },
  ): (msg: ToWorker) => void;
  EntryGuard: new (graceMs?: number) => unknown;
}

/** The runtime on this thread, driven through the worker message protocol. */
export class InlineWorker implements WorkerLike {
  private handle: ((msg: ToWorker) => void) | null = null;
  private readonly queued: ToWorker[] = [];
  private readonly listeners = new Map<string, Listener[]>();
  private closed = false;

  constructor(
    bundleUrl: URL,
    init: { ctrl: SharedArrayBuffer; warmPages: number; snapshotCacheDir: string | null },
  ) {
    // A CommonJS runtime bundle is required (no ES module loader to start), an ES module imported.
    const load = bundleUrl.pathname.endsWith(".cjs")
      ? new Promise<RuntimeBundle>((resolve) =>
          resolve(
            requireWithCodeCache(fileURLToPath(bundleUrl), init.snapshotCacheDir) as RuntimeBundle,
          ),
        )
      : (import(bundleUrl.href) as Promise<RuntimeBundle>);
    void load.then(
      (bundle) => {
        if (this.closed) return;
        this.handle = bundle.startRuntime(
          init,
          (m) => queueMicrotask(() => !this.closed && this.emit("message", m)),
          // One program per process: no spare instances; the guard stands in for terminate().
          { warm: false, guard: new bundle.EntryGuard() },
        );
        for (const m of this.queued.splice(0)) this.handle(m);
      },
      (err: Error) => this.emit("error", err),
    );
  }

  postMessage(msg: ToWorker): void {
    if (this.closed) return;
    // Asynchronous like a port: the sender finishes its bookkeeping first.
    queueMicrotask(() => {
      if (this.closed) return;
      if (this.handle === null) this.queued.push(msg);
      else this.handle(msg);
    });
  }

  on(event: string, fn: Listener): this {
    const list = this.listeners.get(event) ?? [];
    list.push(fn);
    this.listeners.set(event, list);
    return this;
  }

  ref(): void {
    // Nothing to hold: a run keeps the loop alive through its own timers and host operations.
  }

  unref(): void {}

  /**
   * Stops delivering messages. A run in progress cannot be cut short from outside on this
   * thread; it still ends at its own deadline, and its results are dropped.
   */
  terminate(): Promise<number> {
    this.closed = true;
    return Promise.resolve(1);
  }

  private emit(event: string, value: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) (fn as (v: unknown) => void)(value);
  }
}

/** Native stack needed per byte of QuickJS stack (see pool.ts, WORKER_STACK_MB). */
const STACK_FACTOR = 4;
/** Room for the host's own frames below the guest's. */
const STACK_HEADROOM = 1024 * 1024;

/**
 * The largest QuickJS stack (`stackBytes`) a guest may have when it runs on this thread: from
 * node's `--stack-size` (in `execArgv` or `NODE_OPTIONS`; V8's default is ~984 KiB) and the OS
 * stack limit, which `--stack-size` must stay under. 0 when nothing useful fits.
 */
export function inlineStackCapacity(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env["NODE_OPTIONS"] ?? "",
  osLimitBytes: number = osStackLimit(),
): number {
  const given = startupFlag("stack-size", execArgv, nodeOptions);
  const kib = given !== undefined && /^\d+$/.test(given) ? Number(given) : 984;
  const v8Bytes = kib * 1024;
  // Over the OS limit, V8 would let recursion run off the real stack: a crash, not an error.
  if (v8Bytes + 512 * 1024 > osLimitBytes) return 0;
  return Math.max(0, Math.floor((v8Bytes - STACK_HEADROOM) / STACK_FACTOR));
}

/** The soft stack limit of this process (bytes, Infinity for unlimited). */
function osStackLimit(): number {
  // Unknown (not Linux): main threads get 8 MiB on the other platforms Node supports.
  const fallback = 8 * 1024 * 1024;
  try {
    const line = /^Max stack size\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (line === null) return fallback;
    return line[1] === "unlimited" ? Infinity : Number(line[1]);
  } catch {
    return fallback;
  }
}
