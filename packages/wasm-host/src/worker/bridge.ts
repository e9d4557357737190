/**
 * The host side of the one bridge the guest has: `raw.call` / `raw.callAsync` dispatch to the
 * op table with JSON arguments and an optional byte payload; results go back as copies (JSON
 * text or a fresh ArrayBuffer). Plus three fast paths the prelude needs on every run: `write`,
 * `now` and `promiseState` (used by `util.inspect` of a promise).
 */
import type {
  QuickJSContext,
  QuickJSDeferredPromise,
  QuickJSHandle,
  VmFunctionImplementation,
} from "quickjs-emscripten-core";
import { GuestError } from "./ops/types.js";
import type { Op, OpContext } from "./ops/types.js";
import { wallNow } from "../clock.js";

/** The run the bridge currently serves; null between runs. */
export interface BridgeRun extends OpContext {
  /** Deferreds of async ops still in flight; disposed when the run ends. */
  readonly pending: Set<QuickJSDeferredPromise>;
  /** Wake the worker's event loop (an async op settled). */
  wake(): void;
  /** Counts reads of the clock or of randomness (an app snapshot is unsafe after one). */
  noteEntropy?(): void;
}

/** Ops whose results differ per call for reasons outside the guest (randomness). */
const ENTROPY_OPS = /^crypto\.random/;

export const hostNow = wallNow;

/** One host function of the bridge: its property name on `raw` and its implementation. */
export type BridgeFunction = [name: string, fn: VmFunctionImplementation<QuickJSHandle>];

/**
 * The raw bridge object handed to the prelude. Its functions are registered with the runtime in
 * the order of {@link bridgeFunctions}: a restored snapshot re-registers them in that same order
 * so the host-reference ids stored in the snapshot's function objects still match.
 */
export function createBridge(
  ctx: QuickJSContext,
  ops: ReadonlyMap<string, Op>,
  current: () => BridgeRun | null,
): QuickJSHandle {
  const raw = ctx.newObject();
  for (const [name, fn] of bridgeFunctions(ctx, ops, current)) {
    const handle = ctx.newFunction(name, fn);
    ctx.setProp(raw, name, handle);
    handle.dispose();
  }
  return raw;
}

/** The bridge's host functions bound to `ctx`, in registration order. */
export function bridgeFunctions(
  ctx: QuickJSContext,
  ops: ReadonlyMap<string, Op>,
  current: () => BridgeRun | null,
): BridgeFunction[] {
  const encode = (value: unknown): QuickJSHandle | undefined => {
    if (value === undefined) return undefined;
    if (value instanceof Uint8Array) {
      return ctx.newArrayBuffer(
        value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
      );
    }
    return ctx.newString(JSON.stringify(value));
  };
  const errorHandle = (err: unknown): QuickJSHandle => {
    const message = err instanceof Error ? err.message : String(err);
    const handle = ctx.newError({ name: "Error", message });
    if (err instanceof GuestError) {
      const code = ctx.newString(err.code);
      ctx.setProp(handle, "code", code);
      code.dispose();
      for (const [key, value] of Object.entries(err.data ?? {})) {
        const v = typeof value === "number" ? ctx.newNumber(value) : ctx.newString(value);
        ctx.setProp(handle, key, v);
        v.dispose();
      }
    }
    return handle;
  };
  const decodeCall = (
    opH: QuickJSHandle,
    argsH: QuickJSHandle,
    bytesH: QuickJSHandle | undefined,
  ) => {
    const name = ctx.getString(opH);
    const args: unknown = JSON.parse(ctx.getString(argsH));
    let bytes: Uint8Array | undefined;
    if (bytesH !== undefined && ctx.typeof(bytesH) === "object") {
      const view = ctx.getArrayBuffer(bytesH);
      bytes = view.value.slice();
      view.dispose();
    }
    return { name, args: Array.isArray(args) ? args : [], bytes };
  };

  const fns: BridgeFunction[] = [];
  const define = (name: string, fn: VmFunctionImplementation<QuickJSHandle>) => {
    fns.push([name, fn]);
  };

  define("call", (opH, argsH, bytesH) => {
    const run = current();
    if (run === null) return { error: errorHandle(new Error("no run is active")) };
    const { name, args, bytes } = decodeCall(opH, argsH, bytesH);
    const op = ops.get(name);
    if (op === undefined || op.kind !== "sync") {
      return {
        error: errorHandle(new GuestError("ERR_UNKNOWN_OP", `unknown sync op "${name}"`)),
      };
    }
    if (ENTROPY_OPS.test(name)) run.noteEntropy?.();
    try {
      return encode(op.run(args, bytes, run));
    } catch (err) {
      return { error: errorHandle(err) };
    }
  });

  define("callAsync", (opH, argsH, bytesH) => {
    const run = current();
    if (run === null) return { error: errorHandle(new Error("no run is active")) };
    const { name, args, bytes } = decodeCall(opH, argsH, bytesH);
    const op = ops.get(name);
    if (op === undefined || op.kind !== "async") {
      return {
        error: errorHandle(new GuestError("ERR_UNKNOWN_OP", `unknown async op "${name}"`)),
      };
    }
    if (ENTROPY_OPS.test(name)) run.noteEntropy?.();
    const deferred = ctx.newPromise();
    run.pending.add(deferred);
    const settle = (ok: boolean, value: unknown) => {
      // The run may have ended (and the context been disposed) before the op finished.
      if (!run.pending.delete(deferred)) return;
      let handle: QuickJSHandle | undefined;
      try {
        handle = ok ? encode(value) : errorHandle(value);
        if (ok) deferred.resolve(handle);
        else deferred.reject(handle);
      } finally {
        handle?.dispose();
        deferred.dispose();
        run.wake();
      }
    };
    let started: Promise<unknown>;
    try {
      started = op.run(args, bytes, run);
    } catch (err) {
      started = Promise.reject(err);
    }
    started.then(
      (v) => settle(true, v),
      (e: unknown) => settle(false, e),
    );
    // The bridge disposes the returned handle after duplicating it; `deferred` keeps its resolvers.
    return deferred.handle;
  });

  define("write", (fdH, textH, jsonH) => {
    const run = current();
    if (run === null) return ctx.false;
    const fd = ctx.getNumber(fdH) === 2 ? 2 : 1;
    const raw = ctx.getString(textH);
    const text =
      jsonH !== undefined && ctx.dump(jsonH) === true ? (JSON.parse(raw) as string) : raw;
    return run.write(fd, text) ? ctx.true : ctx.false;
  });

  define("now", () => {
    current()?.noteEntropy?.();
    return ctx.newNumber(hostNow());
  });

  define("promiseState", (pH) => {
    const state = ctx.getPromiseState(pH);
    const arr = ctx.newArray();
    const tag = ctx.newString(state.type);
    ctx.setProp(arr, 0, tag);
    tag.dispose();
    if (state.type === "fulfilled" || state.type === "rejected") {
      const value = state.type === "fulfilled" ? state.value : state.error;
      ctx.setProp(arr, 1, value);
      if (value !== pH && value.alive) value.dispose();
    }
    return arr;
  });
  return fns;
}
