/**
 * Per-worker pools of ready instances for fetch-handler apps (`Sandbox.serve`/`warm`). For each
 * app the worker runs the app's top-level code once in an instance restored from the prelude
 * snapshot and snapshots that (an "app snapshot"), so a request starts with the handler already
 * defined; it refuses when the top level read the clock or randomness, or left timers, jobs or
 * host operations pending (the snapshot would freeze or drop them) and then keeps prelude-only
 * instances, the app's code running per request. Each instance serves one request; then it is
 * dropped, or, when the app recycles, its memory is reset to the app snapshot (every byte a run
 * can write, see `Snapshot.reset`) and it is rebuilt as a new instance on that memory. Refills
 * and resets happen one per event-loop turn while the worker is idle.
 */
import { DEFAULT_LIMITS, WASM_PAGE, enginePages } from "../limits.js";
import type { AppPoolStats, RunRequest } from "../protocol.js";
import type { RunLimits } from "../types.js";
import { Instance, type InstanceFactory } from "./instance.js";
import { Run, applyRunInfo, executeRun, runInfoOf } from "./run.js";
import { Snapshot, debug } from "./snapshot.js";

/** Per-instance overhead beyond the copied snapshot pages (glue objects, page tables). */
const INSTANCE_OVERHEAD = 256 * 1024;
/** Room an app instance's memory has beyond the snapshot and the request's heap (allocator slack). */
const APP_HEAP_SLACK_BYTES = 1024 * 1024;
/** Apps with pools kept at once per worker; the least recently used is dropped. */
const MAX_APPS = 8;
/** Delay of the report of a pool full again, cancelled by a request in between. */
const SETTLED_REPORT_MS = 1;
/** The init run's id: never a real run id (those start at 1), never the "no abort" 0. */
const INIT_RUN_ID = -1;

interface AppState {
  key: string;
  /** The request the pool was configured with (limits, grants, pool size; `request` unused). */
  spec: RunRequest;
  /** undefined: not tried yet; null: refused (see `reason`). */
  snapshot: Snapshot | null | undefined;
  /** The run info (`runInfoOf`) applied in the app snapshot. */
  runInfo?: string;
  reason?: string;
  preparing: Promise<void> | null;
  ready: Instance[];
  /** Used instances waiting to be reset (`recycle`). */
  used: Instance[];
  /** The pool changed since its stats were last reported. */
  changed: boolean;
  /** Pending report of a full pool (see `reportIfSettled`). */
  settled: NodeJS.Timeout | null;
}

export class AppPools {
  private readonly apps = new Map<string, AppState>();
  private refill: NodeJS.Immediate | null = null;

  constructor(
    private readonly wasmModule: WebAssembly.Module,
    private readonly engineId: string,
    private readonly factory: InstanceFactory,
    private readonly ctrl: Int32Array,
    private readonly isBusy: () => boolean,
    private readonly report: (stats: AppPoolStats) => void,
  ) {}

  /** Configures (or refreshes) the app of `req` and starts filling its pool. */
  warm(req: RunRequest): void {
    this.state(req);
    this.schedule();
  }

  /**
   * An instance for `req`: a ready one (hit) or one made now (miss). An instance restored from
   * the app snapshot has `app` set; the run then skips the app's top level.
   */
  async take(
    req: RunRequest,
  ): Promise<{ inst: Instance; hit: boolean; mode: AppPoolStats["mode"] }> {
    const app = this.state(req);
    const ready = app.ready.shift();
    app.changed = true;
    if (app.settled !== null) {
      clearTimeout(app.settled); // this report says as much
      app.settled = null;
    }
    if (ready !== undefined && ready.pages === this.pagesFor(app, req.limits)) {
      // Reported now as well as when refilled: whoever waits for a full pool (an idle worker)
      // must not see the count from before this request.
      this.report(this.stats(app));
      return { inst: ready, hit: true, mode: ready.app !== null ? "app" : "prelude" };
    }
    // A burst beyond the pool: create on demand (from the app snapshot when there is one).
    const inst = await this.make(app, req.limits);
    return { inst, hit: false, mode: inst.app !== null ? "app" : "prelude" };
  }

  /**
   * Takes back an instance after its request. Dropped, unless the app recycles and the instance
   * came from its snapshot: then it is reset to the snapshot in the background (or dropped if it
   * cannot be proven clean).
   */
  release(inst: Instance, req: RunRequest): void {
    const app = this.apps.get(req.serve!.app);
    if (
      app !== undefined &&
      req.serve!.recycle === true &&
      !inst.broken &&
      app.snapshot != null &&
      inst.snapshot === app.snapshot &&
      app.used.length + app.ready.length < this.target(app)
    ) {
      app.used.push(inst);
    }
    this.schedule();
  }

  /** Schedule refills (after a run ends). */
  schedule(): void {
    if (this.apps.size === 0) return;
    this.refill ??= setImmediate(() => {
      this.refill = null;
      void this.step().then(
        (more) => {
          if (more) this.schedule();
        },
        (err: unknown) => debug("app pool refill failed: %s", (err as Error).message),
      );
    });
  }

  private state(req: RunRequest): AppState {
    const key = req.serve!.app;
    let app = this.apps.get(key);
    if (app === undefined) {
      app = {
        key,
        spec: req,
        snapshot: undefined,
        preparing: null,
        ready: [],
        used: [],
        changed: true,
        settled: null,
      };
      while (this.apps.size >= MAX_APPS) this.apps.delete(this.apps.keys().next().value!);
    } else {
      this.apps.delete(key); // most recently used last
      app.spec = req;
      if (app.ready.some((i) => i.pages !== this.pagesFor(app!, req.limits))) app.ready = [];
    }
    this.apps.set(key, app);
    return app;
  }

  private instanceBytes(app: AppState): number {
    const snap = app.snapshot ?? this.factory.current ?? null;
    return (snap?.residentBytes ?? 2 * 1024 * 1024) + INSTANCE_OVERHEAD;
  }

  private target(app: AppState): number {
    const s = app.spec.serve!;
    return Math.max(0, Math.min(s.poolSize, Math.floor(s.poolBytes / this.instanceBytes(app))));
  }

  stats(app: AppState): AppPoolStats {
    return {
      app: app.key,
      ready: app.ready.length,
      target: this.target(app),
      mode: app.snapshot === undefined ? "pending" : app.snapshot === null ? "prelude" : "app",
      ...(app.reason !== undefined ? { reason: app.reason } : {}),
      instanceBytes: this.instanceBytes(app),
    };
  }

  /**
   * One unit of background work; true if there may be more. An app's stats are reported once
   * its pool is full again (refilled or its used instances reset), sent while the worker is idle.
   */
  private async step(): Promise<boolean> {
    if (this.isBusy()) return false; // the run's end schedules us again
    for (const app of [...this.apps.values()].reverse()) {
      if (app.snapshot === undefined) {
        await this.prepare(app);
        this.report(this.stats(app));
        return true;
      }
      const used = app.used.shift();
      if (used !== undefined) {
        const snap = app.snapshot!;
        if (snap.reset(used.engine) && used.pages === this.pagesFor(app, app.spec.limits)) {
          const inst = Instance.restore(snap, used.engine, used.stackBytes);
          inst.app = app.key;
          inst.runInfo = app.runInfo ?? null;
          app.ready.push(inst);
        } else debug("app %s: used instance not reusable; dropped", app.key.slice(0, 12));
        this.reportIfSettled(app);
        return true;
      }
      if (app.ready.length < this.target(app)) {
        const inst = await this.make(app, app.spec.limits);
        if (this.apps.get(app.key) === app) app.ready.push(inst);
        this.reportIfSettled(app);
        return true;
      }
      this.reportIfSettled(app);
    }
    return false;
  }

  /**
   * Reports `app` if it changed since its last report and has no refill work left: a moment
   * later, and only if no request took an instance meanwhile (that request's report says as
   * much), so back-to-back requests cost no extra message.
   */
  private reportIfSettled(app: AppState): void {
    const due = () => app.changed && app.used.length === 0 && app.ready.length >= this.target(app);
    if (!due()) return;
    app.settled ??= setTimeout(() => {
      app.settled = null;
      if (!due()) return;
      app.changed = false;
      this.report(this.stats(app));
    }, SETTLED_REPORT_MS);
    app.settled.unref();
  }

  /**
   * The memory cap (pages) of an instance serving `app` under `limits`: what `enginePages` is
   * for plain runs. An instance restored from the app snapshot starts at the snapshot's size (the
   * top level's heap is already there) and a request may grow the heap by `heapBytes` (checked
   * at every interrupt poll, see `Snapshot.heapGrowth`); capping the memory there as well makes
   * one huge allocation fail at once instead of growing the memory until the next poll.
   * Prelude-only instances run the top level per request: the plain-run cap.
   */
  private pagesFor(app: AppState, limits: Pick<RunLimits, "heapBytes" | "maxMemoryPages">): number {
    const snap = app.snapshot;
    if (snap === undefined || snap === null) return enginePages(limits);
    const growth = Math.ceil((limits.heapBytes + APP_HEAP_SLACK_BYTES) / WASM_PAGE);
    return Math.min(limits.maxMemoryPages, snap.pages + growth);
  }

  private async make(
    app: AppState,
    limits: Pick<RunLimits, "heapBytes" | "maxMemoryPages" | "stackBytes">,
  ): Promise<Instance> {
    if (app.snapshot === undefined) await this.prepare(app);
    const { stackBytes } = limits;
    const pages = this.pagesFor(app, limits);
    // A new engine (used ones come back through `used`, reset, when the app recycles).
    const snap = app.snapshot ?? (await this.factory.snapshotNow());
    if (snap === null) {
      return Instance.create(this.wasmModule, this.engineId, pages, stackBytes);
    }
    const engine = await snap.freshEngine(this.wasmModule, pages);
    const inst = Instance.restore(snap, engine, stackBytes);
    if (snap === app.snapshot) {
      inst.app = app.key;
      inst.runInfo = app.runInfo ?? null;
    }
    return inst;
  }

  /** Runs the app's top level in a prelude instance and snapshots it if that is safe. */
  private prepare(app: AppState): Promise<void> {
    app.preparing ??= (async () => {
      const snap = await this.factory.snapshotNow();
      // No prelude snapshot: nothing to build on (NODE_DEBUG=airlock says why).
      if (snap === null) return this.refuse(app, "no engine snapshot is available");
      if (app.spec.frozen !== undefined) return this.refuse(app, "the app links frozen functions");
      const engine = await snap.freshEngine(this.wasmModule, DEFAULT_LIMITS.maxMemoryPages);
      const inst = Instance.restore(snap, engine, DEFAULT_LIMITS.stackBytes);
      const seed = snap.randomState(engine);
      const clock = engine.clockReads;
      const req: RunRequest = {
        ...app.spec,
        id: INIT_RUN_ID,
        serve: { ...app.spec.serve!, request: null },
      };
      const run = new Run(req, this.ctrl, () => undefined);
      const outcome = await executeRun(inst, run);
      if (outcome.status !== "ok") {
        return this.refuse(
          app,
          `its top-level code failed (${outcome.error?.message ?? outcome.status})`,
        );
      }
      if (run.entropyReads > 0 || engine.clockReads !== clock)
        return this.refuse(app, "its top-level code read the clock");
      if (snap.randomState(engine) !== seed)
        return this.refuse(app, "its top-level code called Math.random");
      if (run.leftover !== null)
        return this.refuse(app, `its top-level code ${run.leftover.replace(/^it /, "")}`);
      inst.rt.removeInterruptHandler();
      // Requests of this app start with `reset` + `setRunInfo`; done once here, before the
      // snapshot, the state they would produce is in it, and requests with the same run info
      // skip both (executeRun). The calls are idempotent: a request sees the same state.
      const info = runInfoOf(req);
      if (!applyRunInfo(inst, info))
        return this.refuse(app, "its run info could not be applied before the snapshot");
      const taken = Snapshot.take(engine, {
        rt: inst.rt,
        ctx: inst.ctx,
        handles: inst.api as unknown as Record<
          string,
          import("quickjs-emscripten-core").QuickJSHandle
        >,
      });
      if (taken === null)
        return this.refuse(app, "the snapshot could not be taken (NODE_DEBUG=airlock says why)");
      app.snapshot = taken;
      app.runInfo = info;
      debug(
        "app %s: snapshot after its top-level code (%d KiB)",
        app.key.slice(0, 12),
        taken.residentBytes >> 10,
      );
    })();
    return app.preparing;
  }

  private refuse(app: AppState, reason: string): void {
    app.snapshot = null;
    app.reason = reason;
    debug("app %s: prelude-only instances, %s", app.key.slice(0, 12), reason);
  }
}
