/**
 * The run loop of a pool worker, independent of how messages arrive: a worker thread wires it
 * to its `parentPort` (main.ts); an inline pool (`configureWorkerPool({ inline: true })`) drives
 * it on the calling thread. It receives the compiled engine first, runs one request at a time,
 * and keeps restored instances ready for the next.
 */
import {
  AppCodeCache,
  type FromWorker,
  type RunRequest,
  type ToWorker,
  type WireChunk,
  type WorkerOutcome,
} from "../protocol.js";
import { AppPools } from "./app-pool.js";
import { enginePages } from "../limits.js";
import { syntheticOutcome } from "../outcome.js";
import { hostNow } from "./bridge.js";
import type { EntryGuard } from "./guard.js";
import { Instance, InstanceFactory } from "./instance.js";
import { Run, executeRun } from "./run.js";
import { debug } from "./snapshot.js";
import { monoNow } from "../clock.js";

/** How long a new worker waits for a first run before it warms up in the background. */
const STARTUP_IDLE_MS = 20;

export interface RuntimeInit {
  ctrl: SharedArrayBuffer;
  warmPages: number;
  /** On-disk snapshot cache directory, or null. */
  snapshotCacheDir: string | null;
}

/** How the runtime behaves when it runs on the calling thread rather than in a worker. */
export interface RuntimeOptions {
  /**
   * Prepare spare instances between runs (default true). A one-shot process (the CLI) runs one
   * program and exits: warming would only delay its exit.
   */
  warm?: boolean;
  /** Bounds each entry into the engine by the run's deadline (inline pools; see guard.ts). */
  guard?: EntryGuard;
}

/** Starts a runtime; returns the handler for messages from the pool. */
export function startRuntime(
  init: RuntimeInit,
  post: (m: FromWorker) => void,
  options: RuntimeOptions = {},
): (msg: ToWorker) => void {
  const warm = options.warm !== false;
  const guard = options.guard;

  const ctrl = new Int32Array(init.ctrl);
  /** Set when the compiled engine arrives (compiled on the main thread while this worker boots). */
  let factory: InstanceFactory | null = null;
  /** Ready instances of fetch-handler apps (`Sandbox.serve`). */
  let apps: AppPools | null = null;
  /** Runs that arrived before the engine (not expected: the pool posts the engine first). */
  const early: RunRequest[] = [];
  /** keepState sessions: session id → its instance. */
  const sessions = new Map<number, Instance>();
  let current: Run | null = null;
  /** Code of the apps served here, mirroring the pool's copy (see AppCodeCache). */
  const codes = new AppCodeCache();

  async function handleRun(req: RunRequest): Promise<void> {
    const run = new Run(req, ctrl, (chunks: WireChunk[]) =>
      post({ type: "out", id: req.id, chunks }),
    );
    current = run;
    factory!.busy = true;
    let inst: Instance | undefined;
    try {
      inst = req.session === null ? undefined : sessions.get(req.session);
      const pages = enginePages(req.limits);
      if (inst !== undefined && (inst.broken || inst.pages !== pages)) {
        factory!.release(inst);
        inst = undefined;
      }
      const t0 = monoNow();
      let pool: WorkerOutcome["pool"];
      if (req.serve !== undefined) {
        const got = await apps!.take(req);
        inst = got.inst;
        pool = { hit: got.hit, mode: got.mode, takeMs: monoNow() - t0 };
      }
      inst ??= await factory!.take(pages, req.limits.stackBytes);
      debug("run %d: instance in %s ms", req.id, (monoNow() - t0).toFixed(2));
      if (req.session !== null) sessions.set(req.session, inst);
      post({ type: "started", id: req.id });
      guard?.arm(inst, hostNow() + req.limits.timeoutMs + guard.graceMs);
      let outcome: WorkerOutcome;
      try {
        outcome = await executeRun(inst, run, guard);
      } catch (err) {
        if (guard?.tripped !== true) throw err;
        outcome = { status: "error", exitCode: 1, peakBytes: 0 };
      }
      if (guard?.tripped === true) {
        // However the run reported it, the engine was stopped at the deadline. What it wrote
        // before is host-side and intact: deliver it.
        run.flush();
        outcome = syntheticOutcome(
          "timeout",
          `run exceeded its ${req.limits.timeoutMs} ms time limit (timeoutMs); it was stuck in one long builtin call, so its engine was stopped`,
        );
      }
      if (pool !== undefined) {
        outcome.pool = run.servedAt !== undefined ? { ...pool, startedAt: run.servedAt } : pool;
      }
      post({ type: "done", id: req.id, outcome });
    } catch (err) {
      post({
        type: "done",
        id: req.id,
        outcome: syntheticOutcome(
          "error",
          `could not start the engine: ${(err as Error).message}`,
          "ENGINE_FAILURE",
        ),
      });
    } finally {
      const stopped = guard?.tripped === true;
      guard?.disarm();
      current = null;
      factory!.busy = false;
      if (stopped && inst !== undefined) {
        // Stopped mid-operation: its memory is inconsistent. Dropped without touching it.
        inst.broken = true;
        if (req.session !== null) sessions.delete(req.session);
      } else if (req.serve !== undefined) {
        // A fetch-handler instance serves one request and is dropped, never reset and reused.
        if (inst !== undefined && inst.snapshot === null) inst.dispose();
        if (inst !== undefined) apps!.release(inst, req);
        else apps!.schedule();
      } else {
        if (inst !== undefined && (req.session === null || inst.broken)) {
          factory!.release(inst);
          if (req.session !== null) sessions.delete(req.session);
        }
        if (warm) factory!.warm(enginePages(req.limits));
      }
    }
  }

  function onEngine(wasmModule: WebAssembly.Module, engineId: string): void {
    factory = new InstanceFactory(wasmModule, engineId, {}, init.snapshotCacheDir);
    apps = new AppPools(
      wasmModule,
      engineId,
      factory,
      ctrl,
      () => current !== null,
      (stats) => post({ type: "app-stats", stats }),
    );
    // A snapshot cached on disk makes an instance cheap: prepare one now. The rest of the warm-up
    // (template and snapshot if not cached, more ready instances) waits until the worker has been
    // idle a moment: a one-shot run arriving right after start-up should not queue behind it.
    // (Without warming, the run restores its own instance: its page limit may differ.)
    if (factory.loadCached() && warm) factory.warm(init.warmPages, 1);
    if (warm) {
      setTimeout(() => {
        if (current === null) factory?.warm(init.warmPages);
      }, STARTUP_IDLE_MS).unref();
    }
    post({ type: "ready" });
    debug("worker ready after %s ms", (process.uptime() * 1000).toFixed(1));
    for (const req of early.splice(0)) {
      if (req.id === 0) apps.warm(req);
      else void handleRun(req);
    }
  }

  return (msg: ToWorker) => {
    switch (msg.type) {
      case "engine":
        onEngine(msg.wasmModule, msg.engineId);
        break;
      case "run":
        if (msg.serve !== undefined && msg.serve.request !== null) {
          if (msg.codeRef !== true) codes.add(msg.serve.app, msg.code);
          else {
            const code = codes.get(msg.serve.app);
            if (code === undefined) {
              // The caches disagree: a bug, never a reason to run other code.
              post({
                type: "done",
                id: msg.id,
                outcome: {
                  status: "error",
                  exitCode: 1,
                  error: { code: "ENGINE_FAILURE", message: "the app's code was not sent" },
                  peakBytes: 0,
                },
              });
              break;
            }
            msg = { ...msg, code };
          }
        }
        if (factory === null) early.push(msg);
        else void handleRun(msg);
        break;
      case "warm-app":
        if (apps === null) early.push({ ...msg.req, type: "run", id: 0 });
        else apps.warm({ ...msg.req, type: "run", id: 0 });
        break;
      case "abort":
        if (current?.runId === msg.id) current.halt("killed");
        break;
      case "drop-session": {
        const inst = sessions.get(msg.session);
        sessions.delete(msg.session);
        if (inst !== undefined) factory?.release(inst);
        break;
      }
    }
  };
}
