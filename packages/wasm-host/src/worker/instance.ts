/**
 * One QuickJS-NG wasm instance with a runtime, a context and the prelude evaluated: ready to
 * run code. Each has its own `WebAssembly.Memory` whose `maximum` is the run's page limit.
 */
import * as variantModule from "@jitl/quickjs-ng-wasmfile-release-sync";
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
} from "quickjs-emscripten-core";
import { buildPrelude } from "../guest/prelude.js";
import { MIN_MEMORY_PAGES } from "../limits.js";
import { createBridge, type BridgeRun } from "./bridge.js";
import { OPS, type Op } from "./ops/index.js";

const PRELUDE = buildPrelude();

// The variant package is CommonJS-typed but loads as ESM here; accept either shape of default.
const ns = variantModule as unknown as {
  default: QuickJSSyncVariant | { default: QuickJSSyncVariant };
};
const variant: QuickJSSyncVariant = "type" in ns.default ? ns.default : ns.default.default;

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
}

export class Instance {
  current: BridgeRun | null = null;
  /** Set when the engine aborted or a handle leaked: never run this instance again. */
  broken = false;
  private disposed = false;
  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly pages: number,
    readonly stackBytes: number,
    readonly rt: QuickJSRuntime,
    readonly ctx: QuickJSContext,
    readonly api: GuestApi,
  ) {}

  /**
   * `extra` swaps the prelude source or op table (tests, and future capability sets);
   * by default every instance gets `buildPrelude()` and `OPS`.
   */
  static async create(
    wasmModule: WebAssembly.Module,
    pages: number,
    stackBytes: number,
    extra: { prelude?: string; ops?: ReadonlyMap<string, Op> } = {},
  ): Promise<Instance> {
    const memory = new WebAssembly.Memory({ initial: MIN_MEMORY_PAGES, maximum: pages });
    const mod = await newQuickJSWASMModuleFromVariant(
      newVariant(variant, { wasmModule, wasmMemory: memory }),
    );
    const rt = mod.newRuntime();
    rt.setMaxStackSize(stackBytes);
    const ctx = rt.newContext();
    let self: Instance | null = null;
    const raw = createBridge(ctx, extra.ops ?? OPS, () => self?.current ?? null);
    let internals: QuickJSHandle | undefined;
    try {
      const fn = ctx.unwrapResult(ctx.evalCode(extra.prelude ?? PRELUDE, "airlock:prelude.js"));
      try {
        internals = ctx.unwrapResult(ctx.callFunction(fn, ctx.undefined, raw));
      } finally {
        fn.dispose();
      }
      const loop = ctx.getProp(internals, "loop");
      const get = (from: QuickJSHandle, name: string) => ctx.getProp(from, name);
      const api: GuestApi = {
        state: get(loop, "state"),
        runTimer: get(loop, "runTimer"),
        runImmediate: get(loop, "runImmediate"),
        runTicks: get(loop, "runTicks"),
        takeUnhandled: get(loop, "takeUnhandled"),
        reset: get(loop, "reset"),
        setRunInfo: get(internals, "setRunInfo"),
        report: get(internals, "report"),
        exitCode: get(internals, "exitCode"),
        emitExit: get(internals, "emitExit"),
      };
      loop.dispose();
      self = new Instance(memory, pages, stackBytes, rt, ctx, api);
      return self;
    } catch (err) {
      ctx.dispose();
      rt.dispose();
      throw err;
    } finally {
      internals?.dispose();
      raw.dispose();
    }
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

/**
 * Makes instances, keeping one ready ("warm spare") for the next run so the first-eval
 * latency is paid while the worker is idle. A spare is never reused after a run.
 */
export class InstanceFactory {
  private spare: { key: string; instance: Promise<Instance> } | null = null;
  constructor(private readonly wasmModule: WebAssembly.Module) {}

  take(pages: number, stackBytes: number): Promise<Instance> {
    const key = `${pages}:${stackBytes}`;
    const spare = this.spare;
    this.spare = null;
    if (spare !== null) {
      if (spare.key === key)
        return spare.instance.catch(() => Instance.create(this.wasmModule, pages, stackBytes));
      void spare.instance.then(
        (i) => i.dispose(),
        () => undefined,
      );
    }
    return Instance.create(this.wasmModule, pages, stackBytes);
  }

  warm(pages: number, stackBytes: number): void {
    if (this.spare !== null) return;
    const instance = Instance.create(this.wasmModule, pages, stackBytes);
    instance.catch(() => undefined);
    this.spare = { key: `${pages}:${stackBytes}`, instance };
  }
}
