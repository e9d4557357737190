/**
 * One QuickJS-NG wasm instance with a runtime, a context and the prelude evaluated: ready to
 * run code. Each has its own `WebAssembly.Memory` whose `maximum` is the run's page limit.
 * Instances come from a per-worker {@link InstanceFactory}: restored from a snapshot of one
 * initialised template (see snapshot.ts) or, if no snapshot could be taken, initialised afresh.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import { buildPrelude } from "../guest/prelude.js";
import { DEFAULT_LIMITS } from "../limits.js";
import { bridgeFunctions, createBridge, type BridgeRun } from "./bridge.js";
import { OPS, type Op } from "./ops/index.js";
import { Engine, Snapshot, debug, runtimeMallocSize, type EngineState } from "./snapshot.js";
import {
  loadSnapshot,
  preludeDigest,
  saveSnapshot,
  snapshotKey,
  type SnapshotKey,
} from "./snapshot-cache.js";

/**
 * The default prelude's sha-256, computed when the runtime is bundled (scripts/bundle.mjs), so a
 * run that restores a cached snapshot never builds the prelude (~5 ms of a cold start).
 */
declare const __AIRLOCK_PRELUDE_SHA256__: string | undefined;
let defaultPrelude: string | undefined;
/** The prelude an instance evaluates: the setup's, or the default one (built on first use). */
const preludeOf = (setup: InstanceSetup): string =>
  setup.prelude ?? (defaultPrelude ??= buildPrelude());

/** Swaps the prelude source or op table (tests, and future capability sets). */
export interface InstanceSetup {
  prelude?: string;
  ops?: ReadonlyMap<string, Op>;
}

/** Handles of the guest functions the host drives. Owned by the instance. */
export interface GuestApi {
  state: QuickJSHandle;
  runTimer: QuickJSHandle;
  runImmediate: QuickJSHandle;
  runTicks: QuickJSHandle;
  takeUnhandled: QuickJSHandle;
  reset: QuickJSHandle;
  setRunInfo: QuickJSHandle;
  report: QuickJSHandle;
  exitCode: QuickJSHandle;
  emitExit: QuickJSHandle;
  prepareApp: QuickJSHandle;
  serve: QuickJSHandle;
}

const API_NAMES = [
  "state",
  "runTimer",
  "runImmediate",
  "runTicks",
  "takeUnhandled",
  "reset",
  "setRunInfo",
  "report",
  "exitCode",
  "emitExit",
  "prepareApp",
  "serve",
] as const satisfies readonly (keyof GuestApi)[];

export class Instance {
  current: BridgeRun | null = null;
  /** Set when the engine aborted or a handle leaked: never run this instance again. */
  broken = false;
  /** The app (key) whose top-level code this instance already ran (app snapshot), or null. */
  app: string | null = null;
  /** With `app`: the run info (`runInfoOf`) its app snapshot was taken with, already applied. */
  runInfo: string | null = null;
  private disposed = false;
  private constructor(
    readonly engine: Engine,
    readonly stackBytes: number,
    readonly rt: QuickJSRuntime,
    readonly ctx: QuickJSContext,
    readonly api: GuestApi,
    /** The snapshot it was restored from (null: initialised afresh). */
    readonly snapshot: Snapshot | null,
  ) {}

  private growFailuresAtStart = 0;

  /** Called as a run starts: memory state is judged per run. */
  beginRun(): void {
    this.growFailuresAtStart = this.engine.growFailures;
  }

  get memory(): WebAssembly.Memory {
    return this.engine.memory;
  }

  get pages(): number {
    return this.engine.pages;
  }

  /**
   * True when the engine reports its heap at `heapBytes` (within `slack`) or its wasm memory at
   * its maximum: how an allocation failure is recognised when the thrown value says nothing
   * (the engine throws `null` when it cannot even allocate its "out of memory" error).
   */
  memoryExhausted(heapBytes: number, slack = 64 * 1024): boolean {
    const max = this.engine.pages * 65536;
    if (this.engine.growFailures > this.growFailuresAtStart) return true;
    if (this.engine.memory.buffer.byteLength + slack >= max) return true;
    const used = runtimeMallocSize(this.engine, this.rt, heapBytes);
    return used !== undefined && used + slack >= heapBytes;
  }

  /** Initialises a new instance: new engine, runtime, context, prelude evaluated. */
  static async create(
    wasmModule: WebAssembly.Module,
    engineId: string,
    pages: number,
    stackBytes: number,
    setup: InstanceSetup = {},
  ): Promise<Instance> {
    const engine = await Engine.create(wasmModule, engineId, pages);
    let self: Instance | null = null;
    const state = initialise(engine, stackBytes, setup, () => self?.current ?? null);
    self = new Instance(engine, stackBytes, state.rt, state.ctx, apiOf(state), null);
    return self;
  }

  /** Builds an instance around an engine holding `snapshot`'s state (fresh or reset). */
  static restore(
    snapshot: Snapshot,
    engine: Engine,
    stackBytes: number,
    setup: InstanceSetup = {},
  ): Instance {
    let self: Instance | null = null;
    const current = () => self?.current ?? null;
    const state = snapshot.attach(engine, {
      hostFunctions: (ctx) => bridgeFunctions(ctx, setup.ops ?? OPS, current).map(([, fn]) => fn),
    });
    state.rt.setMaxStackSize(stackBytes);
    self = new Instance(engine, stackBytes, state.rt, state.ctx, apiOf(state), snapshot);
    return self;
  }

  /** Dispose handles, context and runtime, newest first. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      for (const h of Object.values(this.api)) if (h.alive) h.dispose();
      this.ctx.dispose();
      this.rt.dispose();
    } catch {
      // A broken instance (engine abort) cannot free itself; it is garbage either way.
      this.broken = true;
    }
  }
}

function apiOf(state: EngineState): GuestApi {
  const api = {} as GuestApi;
  for (const name of API_NAMES) {
    const h = state.handles[name];
    if (h === undefined) throw new Error(`guest API handle ${name} missing`);
    api[name] = h;
  }
  return api;
}

/** Runtime + context + prelude in a fresh engine; only the guest API handles stay alive. */
function initialise(
  engine: Engine,
  stackBytes: number,
  setup: InstanceSetup,
  current: () => BridgeRun | null,
): EngineState {
  const rt = engine.mod.newRuntime();
  rt.setMaxStackSize(stackBytes);
  const ctx = rt.newContext();
  const raw = createBridge(ctx, setup.ops ?? OPS, current);
  let internals: QuickJSHandle | undefined;
  try {
    const fn = ctx.unwrapResult(ctx.evalCode(preludeOf(setup), "airlock:prelude.js"));
    try {
      internals = ctx.unwrapResult(ctx.callFunction(fn, ctx.undefined, raw));
    } finally {
      fn.dispose();
    }
    const loop = ctx.getProp(internals, "loop");
    const handles: Record<string, QuickJSHandle> = {};
    for (const name of API_NAMES) {
      const from = ["setRunInfo", "report", "exitCode", "emitExit", "prepareApp", "serve"].includes(
        name,
      )
        ? internals
        : loop;
      handles[name] = ctx.getProp(from, name);
    }
    loop.dispose();
    return { rt, ctx, handles };
  } catch (err) {
    ctx.dispose();
    rt.dispose();
    throw err;
  } finally {
    internals?.dispose();
    raw.dispose();
  }
}

/** Ready instances kept per page limit while a snapshot is available (one without). */
const READY_PER_KEY = 3;
/** Page limits with ready instances kept at once; the least recently wanted is dropped. */
const MAX_KEYS = 3;

/**
 * Makes instances for one worker. The first use initialises a template, snapshots it and keeps
 * a few restored instances ready per page limit; used instances are reset to the snapshot and
 * put back (recycling their memory: discarded wasm memories are what makes the latency tail).
 * Refilling happens one instance per event-loop turn and pauses while a run executes.
 */
export class InstanceFactory {
  /** True while a run executes: refills wait, so they never delay a run. */
  busy = false;
  private snapshot: Snapshot | null | undefined;
  private snapshotting: Promise<void> | null = null;
  private readonly ready = new Map<number, Instance[]>();
  private readonly used: Instance[] = [];
  private refill: NodeJS.Immediate | null = null;
  private target = READY_PER_KEY;

  constructor(
    private readonly wasmModule: WebAssembly.Module,
    private readonly engineId: string,
    private readonly setup: InstanceSetup = {},
    /** Directory of the on-disk snapshot cache; null: none (see snapshot-cache.ts). */
    private readonly cacheDir: string | null = null,
  ) {}

  private key: SnapshotKey | undefined;
  private get cacheKey(): SnapshotKey {
    if (this.key !== undefined) return this.key;
    const names = bridgeFunctions(null as never, this.setup.ops ?? OPS, () => null).map(([n]) => n);
    const digest =
      this.setup.prelude === undefined && typeof __AIRLOCK_PRELUDE_SHA256__ === "string"
        ? __AIRLOCK_PRELUDE_SHA256__
        : preludeDigest(preludeOf(this.setup));
    return (this.key = snapshotKey(this.engineId, digest, names));
  }

  /** Adopts the on-disk snapshot if there is a valid one (fast, synchronous); true if so. */
  loadCached(): boolean {
    if (this.snapshot !== undefined || this.cacheDir === null) return this.snapshot != null;
    const snap = loadSnapshot(this.cacheDir, this.cacheKey, this.engineId);
    if (snap !== null) this.snapshot = snap;
    return snap !== null;
  }

  /** The snapshot, once taken (null: not possible, every instance is initialised afresh). */
  get current(): Snapshot | null | undefined {
    return this.snapshot;
  }

  /** The snapshot, taking it now if not tried yet (null: not possible). */
  async snapshotNow(): Promise<Snapshot | null> {
    if (this.snapshot === undefined) await this.takeSnapshot();
    return this.snapshot ?? null;
  }

  /** A ready instance if one is waiting; otherwise restores (or, with no snapshot yet, creates) one. */
  async take(pages: number, stackBytes: number): Promise<Instance> {
    const inst = this.ready.get(pages)?.shift();
    return inst ?? this.make(pages, stackBytes);
  }

  /** Hands back an instance whose run kept no state: it is reset for reuse or dropped. */
  release(inst: Instance): void {
    if (inst.snapshot === null || inst.broken) {
      if (inst.snapshot === null) inst.dispose();
      return; // a restored instance needs no freeing: its whole memory goes with it
    }
    if (this.used.length < READY_PER_KEY * MAX_KEYS) this.used.push(inst);
    this.schedule();
  }

  /**
   * Keep instances ready for runs with this page limit (starts the snapshot if needed); `count`
   * caps how many (default: the full number).
   */
  warm(pages: number, count = READY_PER_KEY): void {
    this.target = Math.max(1, Math.min(READY_PER_KEY, count));
    if (!this.ready.has(pages)) this.ready.set(pages, []);
    else {
      // Most recently wanted last.
      const list = this.ready.get(pages)!;
      this.ready.delete(pages);
      this.ready.set(pages, list);
    }
    while (this.ready.size > MAX_KEYS) this.ready.delete(this.ready.keys().next().value!);
    this.schedule();
  }

  private schedule(): void {
    this.refill ??= setImmediate(() => {
      this.refill = null;
      void this.step().then(
        (more) => {
          if (more) this.schedule();
        },
        (err: unknown) => debug("refill failed: %s", (err as Error).message),
      );
    });
  }

  /** One unit of background work; true if there may be more. */
  private async step(): Promise<boolean> {
    if (this.busy) return false; // the run's end schedules us again
    if (this.snapshot === undefined) {
      await this.takeSnapshot();
      return true;
    }
    const snap = this.snapshot;
    const limit = snap === null ? 1 : this.target;
    const used = this.used.shift();
    if (used !== undefined) {
      const list = this.ready.get(used.pages);
      if (snap !== null && list !== undefined && list.length < limit) {
        if (snap.reset(used.engine)) {
          list.push(Instance.restore(snap, used.engine, used.stackBytes, this.setup));
        } else debug("used instance not reusable (stack not at rest or heap grew); dropped");
      }
      return true;
    }
    for (const [pages, list] of [...this.ready].reverse()) {
      if (list.length < limit) {
        const inst = await this.make(pages, DEFAULT_LIMITS.stackBytes);
        if (this.ready.get(pages) === list) list.push(inst);
        return true;
      }
    }
    return false;
  }

  private takeSnapshot(): Promise<void> {
    this.snapshotting ??= (async () => {
      if (this.loadCached()) return;
      const engine = await Engine.create(
        this.wasmModule,
        this.engineId,
        DEFAULT_LIMITS.maxMemoryPages,
      );
      try {
        const template = initialise(engine, DEFAULT_LIMITS.stackBytes, this.setup, () => null);
        this.snapshot = Snapshot.take(engine, template);
        if (this.snapshot !== null && this.cacheDir !== null) {
          saveSnapshot(this.cacheDir, this.cacheKey, this.snapshot);
        }
      } catch (err) {
        debug("template failed, no snapshot: %s", (err as Error).message);
        this.snapshot = null;
      }
    })();
    return this.snapshotting;
  }

  private async make(pages: number, stackBytes: number): Promise<Instance> {
    // With a disk cache, the first snapshot is worth taking now: later processes load it.
    if (this.snapshot === undefined && this.cacheDir !== null) await this.takeSnapshot();
    const snap = this.snapshot;
    if (snap === undefined || snap === null) {
      // No snapshot yet (first run of a worker: initialising afresh is as fast as a template).
      return Instance.create(this.wasmModule, this.engineId, pages, stackBytes, this.setup);
    }
    debug("restoring into a new engine (%d pages)", pages);
    const engine = await snap.freshEngine(this.wasmModule, pages);
    return Instance.restore(snap, engine, stackBytes, this.setup);
  }
}
