/**
 * Frozen functions (`SandboxOptions.frozen`, compiled by `@airlock/freeze`): each worker
 * instantiates a frozen module once per sha256 and calls into it synchronously. The calling
 * convention mirrors `@airlock/freeze`'s `FrozenFunction.wrap` (this package must not load
 * freeze, which pulls in binaryen): exports take `(depth, ...params)` (plus `length, kind` per
 * typed-array parameter, see below; `depth` is ignored by modules built without `maxDepth`,
 * which rely on V8's stack-overflow RangeError instead); a trap leaves a reason
 * in the `__status` global; the int32 path bails to the f64 one on any surprise.
 *
 * Limits: every loop iteration and call in frozen code spends fuel; when it runs out the module
 * calls `airlock.checkpoint()`, which asks the current run whether it may go on (deadline, kill
 * signal, instruction budget — one checkpoint counts as one interrupt poll). A "no" traps the
 * frozen code; the guest then spins in `for (;;)` until the interrupt handler ends it with the
 * run's own status (`timeout`, `killed`).
 *
 * Typed arrays: a module says which parameters are typed arrays in its `airlock.paramKinds`
 * custom section. The guest's dispatcher passes such an argument as a descriptor it made itself
 * (`{ a: the array, b: buffer, o: byteOffset, n: length, k: kind name, f/l: first and last
 * elements }`, read through the intrinsic getters). The host finds the elements in the engine's
 * memory (see `directArray`), copies them into the module's memory as float64s (freeze's ABI)
 * and, after a successful call, the ones the function stores into straight back: two copies of
 * the elements per call, none in the guest's heap. When the elements cannot be located that way
 * it falls back to copying the buffer out of the guest (`getArrayBuffer`) and handing the new
 * bytes back for the guest to copy in.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { FROZEN_MATH_IMPORTS, wasmReflect } from "../../frozen-link.js";
import { installFrozen } from "../../guest/frozen.js";
import type { FrozenRequest } from "../../protocol.js";
import type { FrozenFunctionSpec } from "../../types.js";
import type { Op } from "./types.js";
import { monoNow } from "../../clock.js";

/** Fuel per checkpoint: ~1–4 ms of frozen code between deadline checks (fib: 3.5 ms). */
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
/**
 * A typed-array argument on the host side: its elements (a host copy, or a view of the guest's
 * own elements in the engine's memory), its length and kind.
 */
export interface HostArray {
  /**
   * The elements. A direct array's view is made on each call from the engine memory's current
   * buffer: taking handles for later arguments may grow that memory, which detaches old views.
   */
  elements(): Float64Array | Int32Array;
  readonly length: number;
  readonly kind: number;
  /** The guest's own memory: stores land in the guest array, nothing is copied back. */
  readonly direct: boolean;
  /** Set by the call when frozen code may have stored into it (its bytes go back). */
  written?: boolean;
  /** A plain `Array`'s elements, copied: a function that stores into it is not called. */
  readonly plain?: boolean;
}
type ArrayCaller = (args: readonly (number | HostArray)[]) => FrozenCallResult;

/** freeze's typed-array kinds (`ARRAY_KINDS`): the constructor and element size of each. */
type AnyView = Float64Array | Int32Array;
interface ArrayKind {
  kind: number;
  /** Bytes per element. */
  size: number;
  make(n: number): AnyView;
  view(buffer: ArrayBufferLike, byteOffset: number, n: number): AnyView;
}
const kindOf = (
  kind: number,
  Ctor: (new (...args: [number] | [ArrayBufferLike, number, number]) => unknown) & {
    BYTES_PER_ELEMENT: number;
  },
): ArrayKind => ({
  kind,
  size: Ctor.BYTES_PER_ELEMENT,
  make: (n) => new Ctor(n) as AnyView,
  view: (buffer, byteOffset, n) => new Ctor(buffer, byteOffset, n) as AnyView,
});
const ARRAY_KINDS: Record<string, ArrayKind> = {
  Float64Array: kindOf(0, Float64Array),
  Float32Array: kindOf(1, Float32Array),
  Int32Array: kindOf(2, Int32Array),
  Uint8Array: kindOf(3, Uint8Array),
  Int8Array: kindOf(4, Int8Array),
  Int16Array: kindOf(5, Int16Array),
  Uint16Array: kindOf(6, Uint16Array),
  Uint32Array: kindOf(7, Uint32Array),
};
/** Kinds whose elements are all int32 (the int path may run). */
const INT_KINDS = new Set([2, 3, 4, 5, 6]);
/** Elements of all typed-array arguments of one call, at most (8 bytes each in wasm memory). */
const MAX_ARRAY_ELEMENTS = 1 << 27;
const PARAM_KINDS_SECTION = "airlock.paramKinds";
/** Which typed-array parameters each function stores into; without it, all are copied back. */
const WRITTEN_ARRAYS_SECTION = "airlock.writtenArrays";
type WasmFn = (depth: number, ...args: number[]) => number;

interface Linked {
  readonly fns: Map<
    string,
    { arity: number; call: Caller; arrays?: readonly number[]; callArrays?: ArrayCaller }
  >;
  /** Per function, which parameters are typed arrays (from the module's custom section). */
  readonly kinds: Map<string, readonly boolean[]>;
  /** Per function, the parameter indexes of typed arrays it writes (absent: all of them). */
  readonly written: Map<string, ReadonlySet<number>>;
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

/**
 * `wrap` for a function with typed-array parameters: elements go into linear memory as
 * float64s (after the numbers: `(depth, ...params, ...[length, kind] per array)`), and come
 * back into the host copies only when the call succeeded.
 */
function wrapArrays(
  spec: FrozenFunctionSpec,
  exports: Record<string, unknown>,
  isArray: readonly boolean[],
  written: ReadonlySet<number> | undefined,
): ArrayCaller {
  const status = exports.__status as { value: number };
  const memory = exports.memory as { buffer: ArrayBuffer; grow(pages: number): number };
  const f64Fn = exports[spec.exports.f64] as WasmFn;
  const intFn = spec.exports.int32 ? (exports[spec.exports.int32] as WasmFn) : undefined;
  const bool = spec.returns === "boolean";
  const decode = (err: unknown): FrozenCallResult => {
    if (status.value === STATUS.unsupported) return undefined;
    if (status.value === STATUS.depth) return TOO_DEEP;
    if (status.value === STATUS.deadline) return STOPPED;
    if (err instanceof RangeError && /call stack/i.test(err.message)) return TOO_DEEP;
    throw err;
  };
  return (args) => {
    let allInt = true;
    const call: number[] = [];
    const tail: number[] = [];
    const arrays: { a: HostArray; at: number; back: boolean }[] = [];
    let elements = 0;
    for (let i = 0; i < isArray.length; i++) {
      const a = args[i]!;
      if (!isArray[i]) {
        if (typeof a !== "number") return undefined;
        if (!isInt32(a)) allInt = false;
        call.push(a);
        continue;
      }
      if (typeof a === "number") return undefined;
      if (!INT_KINDS.has(a.kind)) allInt = false;
      const back = written === undefined || written.has(i);
      if (back && a.plain) return undefined; // stores would not reach the Array
      a.written = back;
      arrays.push({ a, at: elements * 8, back });
      call.push(elements * 8);
      tail.push(a.length, a.kind);
      elements += a.length;
      if (elements > MAX_ARRAY_ELEMENTS) return undefined;
    }
    const pages = Math.ceil((elements * 8) / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
    const copyIn = () => {
      for (const { a, at } of arrays) {
        new Float64Array(memory.buffer, at, a.length).set(a.elements());
      }
    };
    const finish = (r: number): FrozenCallResult => {
      for (const { a, at, back } of arrays) {
        if (back) a.elements().set(new Float64Array(memory.buffer, at, a.length));
      }
      return bool ? r !== 0 : r;
    };
    status.value = STATUS.ok;
    if (allInt && intFn) {
      copyIn();
      try {
        return finish(intFn(0, ...call, ...tail));
      } catch (err) {
        if (status.value !== STATUS.intBail) return decode(err);
        status.value = STATUS.ok; // redo from the original elements on the f64 path
      }
    }
    copyIn();
    try {
      return finish(f64Fn(0, ...call, ...tail));
    } catch (err) {
      return decode(err);
    }
  };
}

/** One JSON custom section of `mod` as `{ name: value }`, or `{}` if absent or unreadable. */
function jsonSection(mod: WebAssembly.Module, name: string): Record<string, unknown> {
  const sections = (
    WebAssembly.Module as unknown as { customSections(m: unknown, n: string): ArrayBuffer[] }
  ).customSections(mod, name);
  if (sections.length !== 1) return {};
  try {
    const parsed = JSON.parse(new TextDecoder().decode(sections[0])) as unknown;
    return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Which parameters are typed arrays, per function (none: every parameter is a number). */
function paramKinds(mod: WebAssembly.Module): Map<string, readonly boolean[]> {
  const out = new Map<string, readonly boolean[]>();
  for (const [name, kinds] of Object.entries(jsonSection(mod, PARAM_KINDS_SECTION))) {
    if (Array.isArray(kinds) && kinds.every((k) => k === "number" || k === "typedarray")) {
      out.set(
        name,
        kinds.map((k) => k === "typedarray"),
      );
    }
  }
  return out;
}

/** Which typed-array parameters each function writes, where the module says. */
function writtenArrays(mod: WebAssembly.Module): Map<string, ReadonlySet<number>> {
  const out = new Map<string, ReadonlySet<number>>();
  for (const [name, list] of Object.entries(jsonSection(mod, WRITTEN_ARRAYS_SECTION))) {
    if (Array.isArray(list) && list.every((i) => Number.isInteger(i))) {
      out.set(name, new Set(list as number[]));
    }
  }
  return out;
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
  const linked: Linked = {
    fns: new Map(),
    kinds: paramKinds(mod),
    written: writtenArrays(mod),
    keepGoing: stopAlways,
  };
  const math: Record<string, unknown> = {};
  for (const imp of wasmReflect.imports(mod)) {
    if (imp.module === "math") math[imp.name] = HOST_MATH[imp.name];
  }
  const instance = new WebAssembly.Instance(mod, {
    airlock: { checkpoint: () => (linked.keepGoing() ? FUEL : 0) },
    math,
  });
  for (const f of req.functions) {
    const isArray = linked.kinds.get(f.name);
    if (isArray !== undefined && isArray.length === f.params.length && isArray.some(Boolean)) {
      linked.fns.set(f.name, {
        arity: f.params.length,
        call: () => undefined,
        arrays: isArray.flatMap((a, i) => (a ? [i] : [])),
        callArrays: wrapArrays(f, instance.exports, isArray, linked.written.get(f.name)),
      });
    } else {
      linked.fns.set(f.name, { arity: f.params.length, call: wrap(f, instance.exports) });
    }
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
  const nums: (number | HostArray)[] = [];
  for (let i = 0; i < fn.arity; i++) {
    const a = args[i];
    if (typeof a === "number" || (fn.callArrays !== undefined && isHostArray(a))) nums.push(a);
    else return undefined;
  }
  linked.keepGoing = keepGoing;
  const t0 = monoNow();
  try {
    if (fn.callArrays !== undefined) return fn.callArrays(nums);
    return fn.call(nums as number[]);
  } finally {
    lastCallMicros = (monoNow() - t0) * 1000;
    linked.keepGoing = stopAlways;
  }
}

function isHostArray(a: unknown): a is HostArray {
  return typeof a === "object" && a !== null && "kind" in a && "elements" in a;
}

/** Which parameters of `name` are typed arrays in `req`'s module (none when unknown). */
export function frozenArrayParams(req: FrozenRequest, name: string): readonly number[] {
  return link(req).fns.get(name)?.arrays ?? [];
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

/**
 * A descriptor `{ a, b, o, n, k, f, l }` from the guest dispatcher as the array's elements in
 * place (see `directArray`) or a host copy of them, or undefined when it does not describe a
 * whole typed array of a kind frozen code handles. Exported for tests.
 */
export function hostArray(ctx: QuickJSContext, h: QuickJSHandle): HostArray | undefined {
  const num = (key: string): number | undefined => {
    const v = ctx.getProp(h, key);
    try {
      return ctx.typeof(v) === "number" ? ctx.getNumber(v) : undefined;
    } finally {
      v.dispose();
    }
  };
  const kh = ctx.getProp(h, "k");
  const tag = ctx.typeof(kh) === "string" ? ctx.getString(kh) : "";
  kh.dispose();
  if (tag === "Array") {
    const n = num("n");
    if (n === undefined || !Number.isSafeInteger(n) || n < 0 || n > MAX_ARRAY_ELEMENTS)
      return undefined;
    return plainArray(ctx, h, n);
  }
  const spec = Object.hasOwn(ARRAY_KINDS, tag) ? ARRAY_KINDS[tag] : undefined;
  const o = num("o");
  const n = num("n");
  if (spec === undefined || o === undefined || n === undefined) return undefined;
  if (!Number.isSafeInteger(o) || !Number.isSafeInteger(n) || o < 0 || n < 0) return undefined;
  if (n > MAX_ARRAY_ELEMENTS) return undefined;
  // Empty (or detached: length 0): nothing to read, and a detached buffer must not be read.
  if (n === 0) return copied(spec.make(0), spec.kind);
  const direct = directArray(ctx, h, spec, n);
  if (direct !== undefined) return direct;
  const bh = ctx.getProp(h, "b");
  try {
    const copy = spec.make(n);
    const size = copy.BYTES_PER_ELEMENT;
    let lifetime;
    try {
      lifetime = ctx.getArrayBuffer(bh); // a copy of the guest's buffer
    } catch {
      return undefined; // not an ArrayBuffer (a SharedArrayBuffer, a lookalike)
    }
    try {
      const bytes = lifetime.value;
      if (o + n * size > bytes.byteLength || o % size !== 0) return undefined;
      new Uint8Array(copy.buffer).set(bytes.subarray(o, o + n * size));
    } finally {
      lifetime.dispose();
    }
    return copied(copy, spec.kind);
  } finally {
    bh.dispose();
  }
}

const copied = (a: AnyView, kind: number): HostArray => ({
  elements: () => a,
  length: a.length,
  kind,
  direct: false,
});

/**
 * Where a typed array's elements sit in QuickJS's own structures, for the pinned engine build
 * (QuickJS-NG in `@jitl/quickjs-ng-wasmfile-release-sync` 0.32.0, wasm32 with NaN-boxed
 * values): a handle points at a JSValue (object pointer, then tag), and a typed array's JSObject
 * holds its first element's address (`u.array.u.ptr`) and its length (`u.array.count`) at these
 * offsets. A test pins them; every call also checks them against what the guest reported.
 */
const LAYOUT = { tagOffset: 4, objectTag: -1, dataOffset: 36, countOffset: 40 } as const;

interface ContextModule {
  module: { HEAPU8: Uint8Array };
}

/**
 * The guest's array `d.a` read in place: a view of its elements in the engine's memory, so the
 * call copies them into the frozen module and back once each, with no copy of the buffer in the
 * guest's heap or on the host. undefined (copy instead) unless the JSObject's pointer and count
 * agree with the length, offset and end elements the guest's dispatcher read through the
 * intrinsic getters (`n`, `d.f`, `d.l`), and the elements lie inside the memory.
 */
function directArray(
  ctx: QuickJSContext,
  h: QuickJSHandle,
  spec: ArrayKind,
  n: number,
): HostArray | undefined {
  const engine = (ctx as unknown as ContextModule).module;
  const heap = () => engine.HEAPU8.buffer;
  const ah = ctx.getProp(h, "a");
  const fh = ctx.getProp(h, "f");
  const lh = ctx.getProp(h, "l");
  try {
    if (ctx.typeof(fh) !== "number" || ctx.typeof(lh) !== "number") return undefined;
    const first = ctx.getNumber(fh);
    const last = ctx.getNumber(lh);
    const mem = new DataView(heap());
    const at = ah.value as unknown as number;
    if (at + 8 > mem.byteLength) return undefined;
    if (mem.getInt32(at + LAYOUT.tagOffset, true) !== LAYOUT.objectTag) return undefined;
    const obj = mem.getUint32(at, true);
    if (obj + LAYOUT.countOffset + 4 > mem.byteLength) return undefined;
    const ptr = mem.getUint32(obj + LAYOUT.dataOffset, true);
    if (mem.getUint32(obj + LAYOUT.countOffset, true) !== n) return undefined;
    if (ptr % spec.size !== 0 || ptr + n * spec.size > mem.byteLength) return undefined;
    const view = spec.view(heap(), ptr, n);
    if (!Object.is(view[0], first) || !Object.is(view[n - 1], last)) return undefined;
    return {
      elements: () => spec.view(heap(), ptr, n),
      length: n,
      kind: spec.kind,
      direct: true,
    };
  } finally {
    ah.dispose();
    fh.dispose();
    lh.dispose();
  }
}

/**
 * How a plain `Array` is held, for the same pinned build as {@link LAYOUT}: the JSObject's flag
 * byte (`fast_array`: dense storage, no holes and no accessors — defining either converts the
 * array) and class id, and its values as NaN-boxed JSValues of 8 bytes (payload, then tag):
 * an int32 has tag 0; a float64 is stored minus `floatAddend` in its high word, and its tag is
 * outside QuickJS's small tags (`firstTag`..`float64Tag`, never a float's). A test pins these.
 */
const PLAIN = {
  flagsOffset: 5,
  fastArray: 0x08,
  classOffset: 6,
  arrayClass: 2,
  intTag: 0,
  firstTag: -9,
  float64Tag: 8,
  floatAddend: 0x7ff8000a,
} as const;

/**
 * The elements of the guest's plain `Array` `d.a`, read from QuickJS's own storage without
 * running guest code, as an `Int32Array` when every one is an int32 (not -0) and else a
 * `Float64Array` — or undefined (not handled) unless it is a real array in dense storage
 * holding exactly `n` (its length) numbers. Exported for tests.
 */
export function plainArray(
  ctx: QuickJSContext,
  h: QuickJSHandle,
  n: number,
): HostArray | undefined {
  const engine = (ctx as unknown as ContextModule).module;
  const ah = ctx.getProp(h, "a");
  try {
    const buffer = engine.HEAPU8.buffer;
    const mem = new DataView(buffer);
    const at = ah.value as unknown as number;
    if (at + 8 > mem.byteLength) return undefined;
    if (mem.getInt32(at + LAYOUT.tagOffset, true) !== LAYOUT.objectTag) return undefined;
    const obj = mem.getUint32(at, true);
    if (obj + LAYOUT.countOffset + 4 > mem.byteLength) return undefined;
    if (mem.getUint16(obj + PLAIN.classOffset, true) !== PLAIN.arrayClass) return undefined;
    if ((mem.getUint8(obj + PLAIN.flagsOffset) & PLAIN.fastArray) === 0) return undefined;
    if (mem.getUint32(obj + LAYOUT.countOffset, true) !== n) return undefined;
    const ptr = mem.getUint32(obj + LAYOUT.dataOffset, true);
    if (n > 0 && (ptr % 8 !== 0 || ptr + n * 8 > mem.byteLength)) return undefined;
    const words = new Int32Array(buffer, ptr, n * 2);
    const out = new Float64Array(n);
    const bits = new Int32Array(out.buffer); // little-endian: low word, then high word
    let ints = true;
    for (let i = 0; i < n; i++) {
      const lo = words[2 * i]!;
      const tag = words[2 * i + 1]!;
      if (tag === PLAIN.intTag) {
        out[i] = lo;
        continue;
      }
      if ((tag - PLAIN.firstTag) >>> 0 < PLAIN.float64Tag - PLAIN.firstTag) return undefined;
      bits[2 * i] = lo;
      bits[2 * i + 1] = (tag + PLAIN.floatAddend) | 0;
      if (ints && !isInt32(out[i]!)) ints = false;
    }
    const kind = ints ? ARRAY_KINDS.Int32Array! : ARRAY_KINDS.Float64Array!;
    const elements = ints ? new Int32Array(n) : out;
    if (ints) elements.set(out);
    return { elements: () => elements, length: n, kind: kind.kind, direct: false, plain: true };
  } finally {
    ah.dispose();
  }
}

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
      const arrayAt = new Set(frozenArrayParams(req, name));
      const arrays: HostArray[] = [];
      for (let i = 0; i < arity; i++) {
        const h = ctx.getProp(argsH, i);
        // Only numbers cross, and typed arrays as the guest dispatcher's own descriptors: a
        // host never converts a guest object (no valueOf re-entry), only reads own data.
        if (ctx.typeof(h) === "number") args.push(ctx.getNumber(h));
        else if (arrayAt.has(i) && ctx.typeof(h) === "object") {
          const a = hostArray(ctx, h);
          if (a !== undefined) arrays.push(a);
          args.push(a);
        } else args.push(undefined);
        h.dispose();
      }
      const r = callFrozen(req, name, args, keepGoing);
      if (r === STOPPED) return ctx.null;
      if (r === TOO_DEEP) return ctx.newString("deep");
      if (r === undefined) return undefined;
      const value = typeof r === "number" ? ctx.newNumber(r) : r ? ctx.true : ctx.false;
      if (arrayAt.size > 0) {
        // `{ v, bytes: [ArrayBuffer per array] }`: the guest copies the bytes back in. Never
        // "too cheap": a call that writes arrays cannot be skipped by the caller's back-off
        // bookkeeping of answers alone.
        const out = ctx.newObject();
        ctx.setProp(out, "v", value);
        value.dispose();
        const bytes = ctx.newArray();
        arrays.forEach((a, i) => {
          // Only read, or stored into in place: nothing to copy back (a hole).
          if (a.written === false || a.direct) return;
          const buf = ctx.newArrayBuffer(a.elements().buffer); // the host copy: offset 0, whole buffer
          ctx.setProp(bytes, i, buf);
          buf.dispose();
        });
        ctx.setProp(out, "bytes", bytes);
        bytes.dispose();
        return out;
      }
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
        req.functions.map((f) => ({
          name: f.name,
          params: f.params,
          dependsOn: f.dependsOn,
          arrays: frozenArrayParams(req, f.name),
        })),
      ),
    );
    handles.push(spec);
    const global = ctx.global;
    ctx.unwrapResult(ctx.callFunction(installer, ctx.undefined, global, call, spec)).dispose();
  } finally {
    for (const h of handles.reverse()) if (h.alive) h.dispose();
  }
}
