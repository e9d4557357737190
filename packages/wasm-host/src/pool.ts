/**
 * The shared pool of worker threads that run guests. The engine is compiled once on the main
 * thread and handed to each worker (a `WebAssembly.Module` is cloneable); each worker runs one
 * run at a time. A main-thread timer backs up the worker's own deadline: a worker stuck in one
 * long builtin (which the interrupt handler cannot stop) is terminated and replaced.
 */
import { createRequire } from "node:module";
import { existsSync, readFileSync, statSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { nodeV8, workerThreads } from "./builtins.js";
import { InvalidOptionError, WorkerPoolClosedError } from "./errors.js";
import { InlineWorker, inlineStackCapacity, type WorkerLike } from "./inline.js";
import { DEFAULT_LIMITS, MAX_STACK_BYTES, enginePages } from "./limits.js";
import { startupFlag } from "./node-flags.js";
import { syntheticOutcome } from "./outcome.js";
import {
  AppCodeCache,
  CTRL_ABORT,
  WORKER_ARGV,
  CTRL_SLOTS,
  type AppPoolStats,
  type FromWorker,
  type RunRequest,
  type ToWorker,
  type WireChunk,
  type WorkerOutcome,
} from "./protocol.js";
import { monoNow } from "./clock.js";

/** How long after its deadline a run may stay silent before its worker is terminated. */
export const TERMINATE_GRACE_MS = 1000;
/**
 * Worker native stack. QuickJS-in-wasm recurses on it: measured, 1 MiB of QuickJS stack needs
 * up to ~3 MiB of native stack (Array.prototype.sort comparators are the worst case), so 4×
 * the largest allowed QuickJS stack plus headroom makes `setMaxStackSize` always trip first.
 */
export const WORKER_STACK_MB = Math.ceil((MAX_STACK_BYTES * 4) / 2 ** 20) + 4;
/** Caps the worker's own V8 heap (guest memory lives in the wasm memory, outside it). */
const WORKER_HEAP_MB = 256;
/**
 * The worker's young generation. A worker's own heap holds only host glue (per-run wrappers,
 * messages, output chunks) that dies within a request, so a small nursery is collected in well
 * under a millisecond; V8's default lets it grow to 16 MiB semi-spaces, whose scavenges took
 * 4-10 ms under `airlock serve` load and set its p99 latency (measured: p99 6.0 → 4.5 ms).
 */
const WORKER_YOUNG_GEN_MB = 3;

export interface Job {
  req: Omit<RunRequest, "id" | "type">;
  onChunks(chunks: WireChunk[]): void;
  done(outcome: WorkerOutcome): void;
  fail(err: Error): void;
  /** Set by the pool while the job runs; calling it aborts the run. */
  abort?: (() => void) | undefined;
  /** Main-thread backstop timer (pool-internal). */
  timer?: NodeJS.Timeout;
}

interface Slot {
  /** When its last run ended: the least recently used idle worker has its warm spare ready. */
  idleSince: number;
  worker: WorkerLike;
  /** Largest QuickJS stack (bytes) this slot can run: all of them for a worker thread. */
  stackCap: number;
  ctrl: Int32Array;
  /** Apps whose code this worker already has (mirrors the worker's cache). */
  codes: AppCodeCache;
  job: (Job & { id: number; timer?: NodeJS.Timeout }) | null;
  alive: boolean;
}

/** This code is the CommonJS bundle (dist/index.cjs, see scripts/bundle.mjs). */
const COMMONJS = import.meta.url.endsWith(".cjs");

/**
 * The runtime's entry: for a worker thread, or (`inline`) for this thread — the CommonJS bundle
 * of it when this is the CommonJS host, so an inline pool starts no ES module loader.
 */
function workerUrl(inline = false): URL {
  // Running from src/ (tests under vitest): use the built worker.
  const dist = existsSync(fileURLToPath(new URL("./worker/main.js", import.meta.url)))
    ? "./"
    : "../dist/";
  // `build` bundles the worker into one file (esbuild): loading ~90 modules costs a cold start
  // more than anything else. A bundle older than tsc's output (a `tsc`-only rebuild) is stale.
  const name = inline && COMMONJS ? "worker.cjs" : "worker.js";
  const bundle = fileURLToPath(new URL(`${dist}${name}`, import.meta.url));
  const modules = new URL(`${dist}worker/main.js`, import.meta.url);
  const mtime = (path: string) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  return mtime(bundle) >= mtime(fileURLToPath(modules)) ? pathToFileURL(bundle) : modules;
}

/**
 * The engine compiled once per process, and what identifies its build for snapshots: the .wasm's
 * path (the package's version is in it), size and modification time. Hashing its ~1 MB instead
 * cost every start a few milliseconds plus loading node:crypto.
 */
interface CompiledEngine {
  module: WebAssembly.Module;
  id: string;
}

/**
 * V8's dynamic tiering budget for the engine module ("bytes executed" before a function is
 * recompiled with TurboFan; V8's default is 1,800,000). With the default, QuickJS's interpreter
 * loop and a dozen other big functions start recompiling within the first milliseconds of any
 * run; those compiles take 60-160 ms of CPU, compete with the guest on small machines, and a
 * process exit waits for one in flight. Measured here: hello 285 → 186 ms (whole process),
 * fib(27) in-process 176 → 92 ms; long runs still tier up. V8 reads the flag when a module is
 * compiled, so it is set for this module only. (V8 also re-arms each tier-up check from the
 * process-wide value; `bin/airlock.js` sets that too, which is what loop.js needs: 2.5 → 1.7 s.)
 */
const ENGINE_TIERING_BUDGET = 1_000_000_000;
const V8_DEFAULT_TIERING_BUDGET = 1_800_000;

/** How the engine is compiled: see `configureWorkerPool({ engineTiering })`. */
export type EngineTiering = "startup" | "throughput";
let engineTiering: EngineTiering = "startup";

function compileWithTieringBudget(bytes: Uint8Array): Promise<WebAssembly.Module> {
  if (engineTiering === "throughput") {
    // Long-lived servers want TurboFan code soon. The process-wide value is reset too: it is
    // what V8 re-arms each tier-up check from, and bin/airlock.js starts node with the high one.
    nodeV8().setFlagsFromString(`--wasm-tiering-budget=${V8_DEFAULT_TIERING_BUDGET}`);
    return WebAssembly.compile(bytes);
  }
  // A budget the process was started with is the user's choice: leave it alone.
  if (startupFlag("wasm-tiering-budget") !== undefined) return WebAssembly.compile(bytes);
  nodeV8().setFlagsFromString(`--wasm-tiering-budget=${ENGINE_TIERING_BUDGET}`);
  // Until the compile settles: V8 may create the module on a background task.
  return WebAssembly.compile(bytes).finally(() =>
    nodeV8().setFlagsFromString(`--wasm-tiering-budget=${V8_DEFAULT_TIERING_BUDGET}`),
  );
}

let compiled: Promise<CompiledEngine> | null = null;
function compileEngine(): Promise<CompiledEngine> {
  if (compiled !== null) return compiled;
  // Read synchronously (~0.5 MB, under a millisecond) so that V8's background compilation
  // starts now and overlaps whatever this thread does next (loading the worker runtime).
  let bytes: Buffer;
  let id: string;
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve("@jitl/quickjs-ng-wasmfile-release-sync/wasm");
    bytes = readFileSync(path);
    id = `${path}:${bytes.length}:${statSync(path).mtimeMs}`;
  } catch (err) {
    return (compiled = Promise.reject(err as Error));
  }
  compiled = compileWithTieringBudget(bytes).then((module) => ({ module, id }));
  return compiled;
}

let nextRunId = 1;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly sessionSlots = new Map<number, Slot>();
  private closed = false;
  /** Each live worker's last report on its pool for each app (`Sandbox.serve`). */
  private readonly appStats = new Map<string, Map<Slot, AppPoolStats>>();

  private constructor(
    readonly size: number,
    private readonly engine: Promise<CompiledEngine>,
    /** QuickJS stack that fits on this thread (inline pools), or 0: worker threads only. */
    private readonly inlineCap: number,
  ) {}

  static async create(size: number, inline = false): Promise<WorkerPool> {
    // Workers boot (a new isolate, their modules) while the engine compiles; each gets the
    // compiled module as its first message.
    const engine = compileEngine();
    const cap = inline ? inlineStackCapacity() : 0;
    const pool = new WorkerPool(size, engine, cap >= DEFAULT_LIMITS.stackBytes ? cap : 0);
    while (pool.slots.length < size) pool.spawn();
    try {
      await engine;
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues `job`; with `aborted` it ends at once as `killed` without starting. */
  submit(job: Job, aborted = false): void {
    if (this.closed) {
      job.fail(new WorkerPoolClosedError());
      return;
    }
    this.queue.push(job);
    job.abort = () => {
      const i = this.queue.indexOf(job);
      if (i >= 0) {
        this.queue.splice(i, 1);
        job.done(syntheticOutcome("killed", "run was aborted by its signal before it started"));
      }
    };
    if (aborted) job.abort();
    else this.pump();
  }

  /**
   * Asks every worker (spawning up to the pool size) to prepare a pool of ready instances for
   * the app of `req` (`req.serve` set, `request` null).
   */
  warmApp(req: Omit<RunRequest, "id" | "type">): void {
    if (this.closed) throw new WorkerPoolClosedError();
    while (this.slots.length < this.size) this.spawn();
    for (const slot of this.slots) {
      slot.worker.postMessage({ type: "warm-app", req } satisfies ToWorker);
    }
  }

  /** The workers' last reports on their pools for `app`, one per live worker that has one. */
  appPoolStats(app: string): AppPoolStats[] {
    return [...(this.appStats.get(app)?.values() ?? [])];
  }

  /** Forget a keepState session (its instance is freed in the worker). */
  dropSession(session: number): void {
    const slot = this.sessionSlots.get(session);
    this.sessionSlots.delete(session);
    if (slot?.alive) slot.worker.postMessage({ type: "drop-session", session });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.fail(new WorkerPoolClosedError());
    await Promise.all(
      this.slots.splice(0).map((slot) => {
        slot.alive = false;
        const job = slot.job;
        slot.job = null;
        if (job) {
          clearTimeout(job.timer);
          job.fail(new WorkerPoolClosedError());
        }
        return slot.worker.terminate();
      }),
    );
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length; i++) {
      const job = this.queue[i]!;
      let slot: Slot | undefined;
      const session = job.req.session;
      const pinned = session === null ? undefined : this.sessionSlots.get(session);
      if (pinned !== undefined && pinned.alive) {
        if (pinned.job !== null) continue;
        slot = pinned;
      } else {
        slot = this.idleSlot(job.req.limits.stackBytes);
        if (slot === undefined) continue;
        if (session !== null) this.sessionSlots.set(session, slot);
      }
      this.queue.splice(i--, 1);
      this.start(slot, job);
    }
  }

  private idleSlot(stackBytes: number): Slot | undefined {
    const fits = (s: Slot) => s.alive && s.stackCap >= stackBytes;
    const idle = this.slots.filter((s) => fits(s) && s.job === null);
    if (idle.length > 0) {
      // Prefer a worker holding fewer keepState sessions so pinned runs queue less.
      // Then the one idle longest: it has had time to prepare its warm spare instance.
      const load = (s: Slot) => [...this.sessionSlots.values()].filter((x) => x === s).length;
      return idle.sort((a, b) => load(a) - load(b) || a.idleSince - b.idleSince)[0];
    }
    // An inline pool's thread cannot hold this run's stack: it gets a worker thread of its own.
    if (this.slots.length < this.size || !this.slots.some(fits)) {
      return this.spawn(stackBytes <= this.inlineCap);
    }
    return undefined;
  }

  private spawn(inline = this.inlineCap > 0): Slot {
    const sab = new SharedArrayBuffer(CTRL_SLOTS * 4);
    const init = {
      snapshotCacheDir: snapshotCacheDir === undefined ? defaultSnapshotCache() : snapshotCacheDir,
      ctrl: sab,
      warmPages: enginePages(DEFAULT_LIMITS),
    };
    const worker: WorkerLike = inline
      ? new InlineWorker(workerUrl(true), init)
      : new (workerThreads().Worker)(workerUrl(), {
          workerData: { ...init, airlockWorker: true },
          argv: [WORKER_ARGV],
          resourceLimits: {
            stackSizeMb: WORKER_STACK_MB,
            maxOldGenerationSizeMb: WORKER_HEAP_MB,
            maxYoungGenerationSizeMb: WORKER_YOUNG_GEN_MB,
          },
          stdout: false,
          stderr: false,
        });
    void this.engine.then(
      ({ module, id }) => {
        if (slot.alive) {
          worker.postMessage({
            type: "engine",
            wasmModule: module,
            engineId: id,
          } satisfies ToWorker);
        }
      },
      () => undefined, // surfaced by create()
    );
    const slot: Slot = {
      idleSince: 0,
      worker,
      stackCap: inline ? this.inlineCap : MAX_STACK_BYTES,
      ctrl: new Int32Array(sab),
      codes: new AppCodeCache(),
      job: null,
      alive: true,
    };
    worker.unref();
    worker.on("message", (msg: FromWorker) => this.onMessage(slot, msg));
    worker.on("error", (err: Error & { code?: string }) => this.onCrash(slot, err));
    worker.on("exit", (code) => {
      if (slot.alive) this.onCrash(slot, new Error(`worker exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    const id = nextRunId++;
    const active = Object.assign(job, { id });
    slot.job = active;
    slot.worker.ref();
    Atomics.store(slot.ctrl, CTRL_ABORT, 0);
    const app = job.req.serve?.request != null ? job.req.serve.app : null;
    if (app !== null && slot.codes.has(app)) {
      // The worker has this app's code: a bundle is not cloned again for every request.
      slot.worker.postMessage({ ...job.req, code: "", codeRef: true, type: "run", id });
    } else {
      if (app !== null) slot.codes.add(app, job.req.code);
      slot.worker.postMessage({ ...job.req, type: "run", id } satisfies RunRequest);
    }
    job.abort = () => {
      if (slot.job !== active) return;
      // Busy in guest code: the interrupt handler reads the shared flag. Waiting on timers:
      // the worker's message handler sees the message. Stuck in a builtin: terminate.
      Atomics.store(slot.ctrl, CTRL_ABORT, id);
      slot.worker.postMessage({ type: "abort", id });
      clearTimeout(active.timer);
      active.timer = setTimeout(
        () =>
          this.kill(
            slot,
            syntheticOutcome("killed", "run was aborted by its signal; its worker was terminated"),
          ),
        TERMINATE_GRACE_MS,
      );
    };
  }

  /** Armed when the worker starts the run (not when queued), so slow startup is not "stuck". */
  private armBackstop(slot: Slot, job: Job & { id: number }): void {
    if (job.timer !== undefined) return; // an abort already armed a shorter one
    job.timer = setTimeout(() => {
      this.kill(
        slot,
        syntheticOutcome(
          "timeout",
          `run exceeded its ${job.req.limits.timeoutMs} ms time limit (timeoutMs); it was stuck in one long builtin call, so its worker was terminated`,
          "TIMEOUT",
        ),
      );
    }, job.req.limits.timeoutMs + TERMINATE_GRACE_MS);
  }

  private finish(slot: Slot): (Job & { id: number }) | null {
    const job = slot.job;
    if (job === null) return null;
    clearTimeout(job.timer);
    slot.job = null;
    slot.idleSince = monoNow();
    if (slot.alive) slot.worker.unref();
    return job;
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.type === "ready") return;
    if (msg.type === "app-stats") {
      let bySlot = this.appStats.get(msg.stats.app);
      if (bySlot === undefined) this.appStats.set(msg.stats.app, (bySlot = new Map()));
      if (slot.alive) bySlot.set(slot, msg.stats);
      return;
    }
    if (slot.job === null || slot.job.id !== msg.id) return;
    if (msg.type === "started") this.armBackstop(slot, slot.job);
    else if (msg.type === "out") slot.job.onChunks(msg.chunks);
    else if (msg.type === "done") {
      const job = this.finish(slot);
      job?.done(msg.outcome);
      this.pump();
    }
  }

  /** Terminates a worker whose run overran, reports `outcome` for it, and replaces it. */
  private kill(slot: Slot, outcome: WorkerOutcome): void {
    const job = this.finish(slot);
    this.retire(slot);
    void slot.worker.terminate();
    job?.done(outcome);
    this.pump();
  }

  private onCrash(slot: Slot, err: Error & { code?: string }): void {
    if (!slot.alive) return;
    const job = this.finish(slot);
    this.retire(slot);
    void slot.worker.terminate();
    if (job !== null) {
      if (err.code === "ERR_WORKER_OUT_OF_MEMORY") {
        job.done(
          syntheticOutcome(
            "out_of_memory",
            `the worker ran out of memory: ${err.message}`,
            "OUT_OF_MEMORY",
          ),
        );
      } else {
        job.done(
          syntheticOutcome("error", `the sandbox worker crashed: ${err.message}`, "WORKER_CRASHED"),
        );
      }
    }
    this.pump();
  }

  private retire(slot: Slot): void {
    slot.alive = false;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    for (const [session, s] of this.sessionSlots) if (s === slot) this.sessionSlots.delete(session);
    for (const bySlot of this.appStats.values()) bySlot.delete(slot);
  }
}

// ---- the shared pool -------------------------------------------------------------------------

let poolSize = Math.min(2, availableParallelism());
let poolInline = false;
let shared: Promise<WorkerPool> | null = null;

/** The process-wide pool, created on first use. */
export function sharedPool(): Promise<WorkerPool> {
  shared ??= WorkerPool.create(poolSize, poolInline);
  return shared;
}

/**
 * Where workers keep the engine snapshot between processes: `AIRLOCK_SNAPSHOT_CACHE` (a
 * directory, or `off`), else `$XDG_CACHE_HOME/airlock`, else `~/.cache/airlock`.
 */
function defaultSnapshotCache(): string | null {
  const env = process.env["AIRLOCK_SNAPSHOT_CACHE"];
  if (env !== undefined && /^(0|off|false|no)$/i.test(env)) return null;
  if (env) return resolve(env);
  const base = process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache");
  return join(base, "airlock");
}

/** Set by `configureWorkerPool({ snapshotCache })`; undefined: the default, read at spawn time. */
let snapshotCacheDir: string | null | undefined;

/**
 * Sets the size of the shared worker pool (default `min(2, os.availableParallelism())`) and
 * where the engine snapshot is cached on disk (`snapshotCache`: a directory, or `false` for
 * none; default `AIRLOCK_SNAPSHOT_CACHE`, else `$XDG_CACHE_HOME/airlock` or `~/.cache/airlock`).
 *
 * `inline: true` runs guests on the calling thread instead of worker threads, for one-shot
 * processes that run one program and exit (it saves the ~50 ms a worker takes to start). It
 * applies only when node was started with a `--stack-size` big enough for the run's QuickJS
 * stack (`node --stack-size=6144` fits the default 1 MiB); other runs still get a worker. A
 * builtin that overruns the deadline is stopped with V8's TerminateExecution (node:vm timeout)
 * instead of a worker termination. Not for servers: a guest's synchronous work blocks the thread.
 *
 * `engineTiering` says what the engine's compiled code is tuned for. `"startup"` (default)
 * holds back V8's optimising recompiles of the engine, which would otherwise compete with the
 * first milliseconds of every run: right for one-shot processes. `"throughput"` lets them happen
 * at V8's usual pace: right for servers (`airlock serve`, the daemon), where every request after
 * the first few seconds runs on optimised code (measured: ~8% more requests per second). The
 * engine is compiled once per process, so set it before the first sandbox.
 *
 * Applies to the next pool: call it before the first sandbox, or after `shutdownWorkers()`.
 */
export function configureWorkerPool(options: {
  size?: number;
  snapshotCache?: string | false;
  inline?: boolean;
  engineTiering?: EngineTiering;
}): void {
  if (options.engineTiering !== undefined) {
    if (options.engineTiering !== "startup" && options.engineTiering !== "throughput") {
      throw new InvalidOptionError(
        "engineTiering",
        `expected "startup" or "throughput", got ${String(options.engineTiering)}`,
      );
    }
    engineTiering = options.engineTiering;
  }
  if (options.inline !== undefined) {
    if (typeof options.inline !== "boolean") {
      throw new InvalidOptionError(
        "inline",
        `expected true or false, got ${String(options.inline)}`,
      );
    }
    poolInline = options.inline;
  }
  if (options.snapshotCache !== undefined) {
    if (
      options.snapshotCache !== false &&
      (typeof options.snapshotCache !== "string" || options.snapshotCache === "")
    ) {
      throw new InvalidOptionError(
        "snapshotCache",
        `expected a directory path or false, got ${String(options.snapshotCache)}`,
      );
    }
    snapshotCacheDir = options.snapshotCache === false ? null : resolve(options.snapshotCache);
  }
  if (options.size !== undefined) {
    if (!Number.isInteger(options.size) || options.size < 1 || options.size > 64) {
      throw new InvalidOptionError(
        "size",
        `expected an integer in 1..64, got ${String(options.size)}`,
      );
    }
    poolSize = options.size;
  }
}

/** Terminates the shared pool's workers; queued and running runs fail with AIRLOCK_POOL_CLOSED. */
export async function shutdownWorkers(): Promise<void> {
  const pool = shared;
  shared = null;
  if (pool !== null) await (await pool).close();
}
