/**
 * Frozen functions (`SandboxOptions.frozen`, compiled by `@airlock/freeze`): each worker
 * instantiates a frozen module once per sha256 and calls into it synchronously. The calling
 * convention mirrors `@airlock/freeze`'s `FrozenFunction.wrap` (this package must not load
 * freeze, which pulls in binaryen): exports take `(depth, ...params)`; a trap leaves a reason
 * in the `__status` global; the int32 path bails to the f64 one on any surprise.
 *
 * Limits: every loop iteration and call in frozen code spends fuel; when it runs out the module
 * calls `airlock.checkpoint()`, which asks the current run whether it may go on (deadline, kill
 * signal, instruction budget — one checkpoint counts as one interrupt poll). A "no" traps the
 * frozen code; the guest then spins in `for (;;)` until the interrupt handler ends it with the
 * run's own status (`timeout`, `killed`).
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { FROZEN_MATH_IMPORTS, wasmReflect } from "../../frozen-link.js";
import { installFrozen } from "../../guest/frozen.js";
import type { FrozenRequest } from "../../protocol.js";
import type { FrozenFunctionSpec } from "../../types.js";
import type { Op } from "./types.js";

/** Fuel per checkpoint: ~1–3 ms of frozen code between deadline checks. */
const FUEL = 1 << 20;
/** Frozen modules kept instantiated per worker (least recently used goes first). */
const CACHE_SIZE = 8;
/**
 * A frozen call that took less than this (µs of wasm) would have cost the interpreter ~27× that
 * (FACTS.md: QuickJS vs compiled code) — less than the ~35 µs the guest→host crossing costs. The
 * guest is told, and backs off from dispatching that function.
 */
const CHEAP_MICROS = 4;
/** Trap reasons in `__status` (freeze's `STATUS`). */
const STATUS = { ok: 0, intBail: 1, unsupported: 2, deadline: 3, depth: 4 } as const;

/** The run must stop (deadline, kill): the guest spins until the interrupt handler ends it. */
export const STOPPED: unique symbol = Symbol("stopped");
/** Not handled because calls nested deeper than freeze's `maxDepth` (see the guest's backoff). */
export const TOO_DEEP: unique symbol = Symbol("too deep");
export type FrozenCallResult = number | boolean | undefined | typeof STOPPED | typeof TOO_DEEP;

type Caller = (args: readonly number[]) => FrozenCallResult;
type WasmFn = (depth: number, ...args: number[]) => number;

interface Linked {
  readonly fns: Map<string, { arity: number; call: Caller }>;
  /** Asked at each checkpoint; set around every call, "stop" otherwise. */
  keepGoing: () => boolean;
}

// Captured when the worker loads, so nothing a guest does can reach them (guests have their
// own realm anyway); freeze imports the host's Math for functions wasm has no instruction for.
const HOST_MATH: Record<string, (...a: number[]) => number> = { mod: (a, b) => a % b };
for (const name of FROZEN_MATH_IMPORTS) {
  const fn = (Math as unknown as Record<string, unknown>)[name];
  if (typeof fn === "function") HOST_MATH[name] = fn as (...a: number[]) => number;
}

const cache = new Map<string, Linked>();
const stopAlways = () => false;

const isInt32 = (a: number) => (a | 0) === a && (a !== 0 || 1 / a > 0);

function wrap(spec: FrozenFunctionSpec, exports: Record<string, unknown>): Caller {
  const status = exports.__status as { value: number };
  const f64Fn = exports[spec.exports.f64] as WasmFn;
  const intFn = spec.exports.int32 ? (exports[spec.exports.int32] as WasmFn) : undefined;
  const bool = spec.returns === "boolean";
  const decodeTrap = (err: unknown): FrozenCallResult => {
    switch (status.value) {
      case STATUS.unsupported:
        return undefined;
      case STATUS.depth:
        return TOO_DEEP;
      case STATUS.deadline:
        return STOPPED;
      default:
        // V8's own stack limit (deeper than the host can go below maxDepth): not handled.
        if (err instanceof RangeError && /call stack/i.test(err.message)) return TOO_DEEP;
        throw err;
    }
  };
  return (args) => {
    let allInt = true;
    for (const a of args) if (!isInt32(a)) allInt = false;
    status.value = STATUS.ok;
    if (allInt && intFn) {
      try {
        const r = intFn(0, ...args);
        return bool ? r !== 0 : r;
      } catch (err) {
        if (status.value !== STATUS.intBail) return decodeTrap(err);
        status.value = STATUS.ok; // pure code: redo the whole call on the f64 path
      }
    }
    try {
      const r = f64Fn(0, ...args);
      return bool ? r !== 0 : r;
    } catch (err) {
      return decodeTrap(err);
    }
  };
}

/** The instantiated module for `req` in this worker (validated on the main thread already). */
function link(req: FrozenRequest): Linked {
  const hit = cache.get(req.hash);
  if (hit !== undefined) {
    cache.delete(req.hash);
    cache.set(req.hash, hit);
    return hit;
  }
  const mod = new WebAssembly.Module(req.wasm);
  const linked: Linked = { fns: new Map(), keepGoing: stopAlways };
  const math: Record<string, unknown> = {};
  for (const imp of wasmReflect.imports(mod)) {
    if (imp.module === "math") math[imp.name] = HOST_MATH[imp.name];
  }
  const instance = new WebAssembly.Instance(mod, {
    airlock: { checkpoint: () => (linked.keepGoing() ? FUEL : 0) },
    math,
  });
  for (const f of req.functions) {
    linked.fns.set(f.name, { arity: f.params.length, call: wrap(f, instance.exports) });
  }
  cache.set(req.hash, linked);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return linked;
}

/**
 * Calls frozen function `name` with `args` (numbers only; anything else is "not handled").
 * `keepGoing` is asked at each checkpoint.
 */
export function callFrozen(
  req: FrozenRequest,
  name: string,
  args: readonly unknown[],
  keepGoing: () => boolean,
): FrozenCallResult {
  const linked = link(req);
  const fn = linked.fns.get(name);
  if (fn === undefined || args.length < fn.arity) return undefined;
  const nums: number[] = [];
  for (let i = 0; i < fn.arity; i++) {
    const a = args[i];
    if (typeof a !== "number") return undefined;
    nums.push(a);
  }
  linked.keepGoing = keepGoing;
  const t0 = performance.now();
  try {
    return fn.call(nums);
  } finally {
    lastCallMicros = (performance.now() - t0) * 1000;
    linked.keepGoing = stopAlways;
  }
}

/** How long the last {@link callFrozen} spent in wasm, µs. */
let lastCallMicros = 0;

/**
 * `frozen.call(name, ...numbers)`: the result, `undefined` when not handled, `null` when the
 * run must stop. (The direct host function also answers `"deep"` for "not handled: too deep".) The guest's `__airlock_frozen` reaches it through the direct host function of
 * {@link installFrozenGlobal} (doubles cross exactly there: `-0`, `NaN`, `±Infinity`), not
 * through the JSON bridge, where those would not survive.
 */
export const frozenOps: Record<string, Op> = {
  "frozen.call": {
    kind: "sync",
    run(args, _bytes, ctx) {
      const req = ctx.req.frozen;
      if (req === undefined || typeof args[0] !== "string") return undefined;
      const r = callFrozen(req, args[0], args.slice(1), () => ctx.timeLeft() > 0);
      return r === STOPPED ? null : r === TOO_DEEP ? undefined : r;
    },
  },
};

const INSTALLER = `(${installFrozen.toString()})`;

/**
 * Defines `globalThis.__airlock_frozen` in `ctx` for a run with a frozen module. `interrupt` is
 * the run's interrupt check (true = stop), asked at every checkpoint of frozen code.
 */
export function installFrozenGlobal(
  ctx: QuickJSContext,
  req: FrozenRequest,
  interrupt: () => boolean,
): void {
  const keepGoing = () => !interrupt();
  const handles: QuickJSHandle[] = [];
  try {
    const call = ctx.newFunction("call", (nameH, argsH) => {
      if (ctx.typeof(nameH) !== "string" || ctx.typeof(argsH) !== "object") return undefined;
      const name = ctx.getString(nameH);
      const args: unknown[] = [];
      const arity = req.functions.find((f) => f.name === name)?.params.length ?? 0;
      for (let i = 0; i < arity; i++) {
        const h = ctx.getProp(argsH, i);
        // Only numbers cross: a host never converts a guest object (no valueOf re-entry).
        args.push(ctx.typeof(h) === "number" ? ctx.getNumber(h) : undefined);
        h.dispose();
      }
      const r = callFrozen(req, name, args, keepGoing);
      if (r === STOPPED) return ctx.null;
      if (r === TOO_DEEP) return ctx.newString("deep");
      if (r === undefined) return undefined;
      const value = typeof r === "number" ? ctx.newNumber(r) : r ? ctx.true : ctx.false;
      if (lastCallMicros >= CHEAP_MICROS) return value;
      // `[value]`: the answer, and "this was too cheap to be worth a crossing".
      const cheap = ctx.newArray();
      ctx.setProp(cheap, 0, value);
      value.dispose();
      return cheap;
    });
    handles.push(call);
    const installer = ctx.unwrapResult(ctx.evalCode(INSTALLER, "airlock:frozen.js"));
    handles.push(installer);
    const spec = ctx.newString(
      JSON.stringify(
        req.functions.map((f) => ({ name: f.name, params: f.params, dependsOn: f.dependsOn })),
      ),
    );
    handles.push(spec);
    const global = ctx.global;
    ctx.unwrapResult(ctx.callFunction(installer, ctx.undefined, global, call, spec)).dispose();
  } finally {
    for (const h of handles.reverse()) if (h.alive) h.dispose();
  }
}
