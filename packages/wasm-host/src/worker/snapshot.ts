/**
 * Snapshot/restore of an initialised engine. Evaluating the prelude in every fresh context costs
 * milliseconds; instead one template instance is initialised per worker, its linear memory is
 * copied, and each sandbox gets that memory back: in a new wasm instance (fresh
 * `WebAssembly.Memory`, only the snapshot's non-zero pages copied in) or in a used instance whose
 * memory is reset to the snapshot (no new memory to allocate and later collect).
 *
 * What makes it sound (each point is checked when the snapshot is taken, or it is not used):
 * - the same compiled module (sha-256 of the .wasm) and the same JS glue version (pinned 0.32.0);
 * - no value handle alive except the guest API handles, whose pointers are re-wrapped;
 * - no pending job in the template;
 * - host functions re-registered in the same order, so the host-reference ids stored in the
 *   snapshot's function objects resolve to the new closures;
 * - `Math.random` reseeded (its xorshift64* state lives in the JSContext, located by probing);
 * - a used instance is reset only if its stack pointer is back at rest, and every byte it may
 *   have written (static data, the stack below the resting stack pointer, the heap up to its
 *   `sbrk` break, located by probing) is restored; otherwise it is discarded.
 *
 * It relies on non-public parts of quickjs-emscripten-core 0.32.0 (the QuickJSRuntime
 * constructor, `newContext({ contextPointer })`, `hostRefs`, `ContextMemory.heapValueHandle`) and
 * on the emscripten glue's stackSave export: the versions are pinned and test/snapshot.test.ts
 * covers them.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { debuglog } from "node:util";
import * as variantModule from "@jitl/quickjs-ng-wasmfile-release-sync";
import {
  Lifetime,
  QuickJSRuntime,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from "quickjs-emscripten-core";
import { nodeCrypto } from "../builtins.js";
import { MIN_MEMORY_PAGES, WASM_PAGE } from "../limits.js";

/** `NODE_DEBUG=airlock` prints why a snapshot was not used and other engine decisions. */
export const debug = debuglog("airlock");

// The variant package is CommonJS-typed but loads as ESM here; accept either shape of default.
const ns = variantModule as unknown as {
  default: QuickJSSyncVariant | { default: QuickJSSyncVariant };
};
export const variant: QuickJSSyncVariant = "type" in ns.default ? ns.default : ns.default.default;

/** The parts of quickjs-emscripten-core 0.32.0 this file reaches behind the public API. */
interface ModuleInternals {
  module: { _malloc(bytes: number): number; _free(ptr: number): void };
  ffi: { QTS_FreeRuntime(rt: number): void };
  callbacks: { deleteRuntime(rt: number): void };
}
type RuntimeCtor = new (args: {
  module: unknown;
  ffi: unknown;
  callbacks: unknown;
  rt: unknown;
}) => QuickJSRuntime;
interface RuntimeInternals {
  hostRefs: { put(value: unknown): number; groups: Map<number, Map<number, unknown>> };
}
interface ContextInternals {
  memory: { heapValueHandle(ptr: number): QuickJSHandle };
}

/** One wasm instance of the engine with its own memory and emscripten glue. */
export class Engine {
  private constructor(
    readonly wasmModule: WebAssembly.Module,
    readonly engineId: string,
    readonly mod: QuickJSWASMModule,
    readonly memory: WebAssembly.Memory,
    /** The memory's `maximum` (the run's page limit). */
    readonly pages: number,
    private readonly stackSave: () => number,
  ) {}

  static async create(
    wasmModule: WebAssembly.Module,
    engineId: string,
    pages: number,
    initialPages = MIN_MEMORY_PAGES,
  ): Promise<Engine> {
    const memory = new WebAssembly.Memory({ initial: initialPages, maximum: pages });
    let exports: Record<string, unknown> = {};
    let engine: Engine | undefined;
    const mod = await newQuickJSWASMModuleFromVariant(
      newVariant(variant, {
        emscriptenModule: {
          wasmMemory: memory,
          // Instantiated here (not by the glue) to keep the exports: stackSave is one of them.
          instantiateWasm(imports: object, onSuccess: (i: WebAssembly.Instance) => void) {
            countGrowFailures(
              imports,
              () => engine?.growFailures !== undefined && engine.growFailures++,
            );
            countClockReads(imports, () => engine?.clockReads !== undefined && engine.clockReads++);
            const instance = new WebAssembly.Instance(wasmModule, imports);
            exports = instance.exports;
            onSuccess(instance);
            return instance.exports;
          },
        } as object,
      }),
    );
    // emscripten's stackSave (minified export "Pa" in the pinned 0.32.0 build).
    const stackSave = exports["Pa"];
    if (typeof stackSave !== "function") throw new Error("engine build has no stackSave export");
    engine = new Engine(wasmModule, engineId, mod, memory, pages, stackSave as () => number);
    return engine;
  }

  /**
   * Times the engine's heap could not grow (wasm memory at its maximum): a malloc failed. Counted
   * by wrapping emscripten's resize-heap import, so an allocation failure is known without
   * trusting what the engine managed to throw.
   */
  growFailures = 0;

  /** Reads of the host clock by the engine itself (`Date.now()`, `new Date()`). */
  clockReads = 0;

  /** The shadow-stack pointer; between calls it is back at the stack's top. */
  stackPointer(): number {
    return this.stackSave();
  }

  get internals(): ModuleInternals {
    return this.mod as unknown as ModuleInternals;
  }

  /** A view of the whole memory (re-taken each time: growing detaches the old buffer). */
  bytes(): Buffer {
    return Buffer.from(this.memory.buffer);
  }
}

/**
 * Wraps emscripten's `emscripten_resize_heap` import (the one that calls `memory.grow`; minified
 * in the pinned build) so each refusal is counted.
 */
function countGrowFailures(imports: object, onFailure: () => void): void {
  const env = (imports as Record<string, Record<string, unknown>>)["a"];
  if (env === undefined) return;
  for (const [name, fn] of Object.entries(env)) {
    if (typeof fn !== "function" || !String(fn).includes(".grow(")) continue;
    env[name] = (...args: unknown[]) => {
      const ok: unknown = (fn as (...a: unknown[]) => unknown)(...args);
      if (!ok) onFailure();
      return ok;
    };
    return;
  }
  debug("resize-heap import not found; wasm memory exhaustion is detected by size only");
}

/**
 * Wraps the engine's clock imports (emscripten's `Date.now`-based ones) so each read is
 * counted: an app whose top-level code read the clock must not be snapshotted.
 */
function countClockReads(imports: object, onRead: () => void): void {
  const env = (imports as Record<string, Record<string, unknown>>)["a"];
  if (env === undefined) return;
  for (const [name, fn] of Object.entries(env)) {
    if (typeof fn !== "function" || !String(fn).includes("Date.now()")) continue;
    env[name] = (...args: unknown[]) => {
      onRead();
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
}

/** The engine state an {@link Instance} is built from. */
export interface EngineState {
  rt: QuickJSRuntime;
  ctx: QuickJSContext;
  /** Handles kept alive in the template, re-wrapped by pointer in each restore. */
  handles: Record<string, QuickJSHandle>;
}

/** A snapshot as plain data: JSON-able metadata plus the non-zero page runs. */
export interface SnapshotData {
  meta: {
    engineId: string;
    pages: number;
    runs: [offset: number, length: number][];
    rtPtr: number;
    ctxPtr: number;
    hostRefIds: number[];
    handlePtrs: Record<string, number>;
    randomOffset: number;
    mallocSizeOffset: number;
    brkAddr: number;
    brk: number;
    stackTop: number;
    lowEnd: number;
  };
  runs: Uint8Array[];
}

/** What the host must re-create in a restored instance. */
export interface RestoreHooks {
  /** The host functions, in the order they were registered in the template. */
  hostFunctions(ctx: QuickJSContext): unknown[];
}

const PAGE = 4096;
/** Stack chunks compared at a time when resetting a used instance. */
const STACK_CHUNK = 64 * 1024;
/**
 * The stack is scanned downwards from its top until this many bytes in a row are unchanged.
 * QuickJS checks its stack limit on every JS call and in every recursive C path (parser, regexp,
 * JSON), so no frame leaves an untouched hole anywhere near this size.
 */
const STACK_CLEAN_WINDOW = 512 * 1024;
/** Bytes after the static data always restored (zero-initialised statics the template never touched). */
const LOW_GUARD = 128 * 1024;
/** A used instance whose heap grew more than this is discarded rather than reset (RSS, time). */
export const MAX_RESET_GROWTH = 8 * 1024 * 1024;

const ZERO = Buffer.alloc(STACK_CHUNK);

export class Snapshot {
  private constructor(
    readonly engineId: string,
    /** Memory size when taken (pages); restored memories start at this size. */
    readonly pages: number,
    /** Non-zero 4 KiB-page runs of the template's memory, ascending. */
    private readonly runs: { offset: number; bytes: Uint8Array }[],
    private readonly rtPtr: number,
    private readonly ctxPtr: number,
    private readonly hostRefIds: number[],
    private readonly handlePtrs: Record<string, number>,
    /** Byte offset of `random_state` (uint64) inside the JSContext. */
    private readonly randomOffset: number,
    /** Byte offset of `malloc_state.malloc_size` inside the JSRuntime. */
    readonly mallocSizeOffset: number,
    /** Address of emscripten's sbrk break (a uint32 in static data). */
    private readonly brkAddr: number,
    /** The break when the snapshot was taken. */
    private readonly brk: number,
    /** The shadow-stack pointer at rest. */
    private readonly stackTop: number,
    /** End of the static data (end of the first run). */
    private readonly lowEnd: number,
  ) {}

  /** Plain data for the on-disk cache (snapshot-cache.ts); {@link revive} is the inverse. */
  toData(): SnapshotData {
    return {
      meta: {
        engineId: this.engineId,
        pages: this.pages,
        runs: this.runs.map((r) => [r.offset, r.bytes.length]),
        rtPtr: this.rtPtr,
        ctxPtr: this.ctxPtr,
        hostRefIds: this.hostRefIds,
        handlePtrs: this.handlePtrs,
        randomOffset: this.randomOffset,
        mallocSizeOffset: this.mallocSizeOffset,
        brkAddr: this.brkAddr,
        brk: this.brk,
        stackTop: this.stackTop,
        lowEnd: this.lowEnd,
      },
      runs: this.runs.map((r) => r.bytes),
    };
  }

  /** Rebuilds a snapshot from {@link toData}'s output; throws if it is inconsistent. */
  static revive(data: SnapshotData): Snapshot {
    const m = data.meta;
    const int = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
    const memBytes = m.pages * WASM_PAGE;
    if (!int(m.pages) || m.pages > 65536 || data.runs.length !== m.runs.length) {
      throw new Error("snapshot data is inconsistent");
    }
    let end = 0;
    const runs = m.runs.map(([offset, length], i) => {
      const bytes = data.runs[i]!;
      if (!int(offset) || offset < end || bytes.length !== length || offset + length > memBytes) {
        throw new Error("snapshot runs are inconsistent");
      }
      end = offset + length;
      return { offset, bytes };
    });
    for (const v of [m.rtPtr, m.ctxPtr, m.brkAddr, m.brk, m.stackTop, m.lowEnd]) {
      if (!int(v) || v >= memBytes) throw new Error("snapshot pointer out of range");
    }
    if (!int(m.randomOffset) || !int(m.mallocSizeOffset))
      throw new Error("snapshot offsets invalid");
    mallocSizeOffset ??= m.mallocSizeOffset;
    return new Snapshot(
      m.engineId,
      m.pages,
      runs,
      m.rtPtr,
      m.ctxPtr,
      [...m.hostRefIds],
      { ...m.handlePtrs },
      m.randomOffset,
      m.mallocSizeOffset,
      m.brkAddr,
      m.brk,
      m.stackTop,
      m.lowEnd,
    );
  }

  /** Bytes a fresh restore copies (the template's non-zero pages). */
  get residentBytes(): number {
    return this.runs.reduce((n, r) => n + r.bytes.length, 0);
  }

  /**
   * Takes a snapshot of `template`, which was just initialised in `engine` and must not be used
   * afterwards (the probes allocate in it). Returns null, with the reason in the debug log,
   * when some state cannot be captured; callers then initialise every instance afresh.
   */
  static take(engine: Engine, template: EngineState): Snapshot | null {
    try {
      return Snapshot.capture(engine, template);
    } catch (err) {
      debug("snapshot not used, every instance is initialised afresh: %s", (err as Error).message);
      return null;
    }
  }

  private static capture(engine: Engine, template: EngineState): Snapshot {
    const { rt, ctx } = template;
    const rtPtr = (rt as unknown as { rt: Lifetime<number> }).rt.value;
    const ctxPtr = (ctx as unknown as { ctx: Lifetime<number> }).ctx.value;
    if (rt.hasPendingJob()) throw new Error("the template has a pending job");
    const groups = (rt as unknown as RuntimeInternals).hostRefs.groups;
    const hostRefIds = [...groups.values()].flatMap((g) => [...g.keys()]);
    const handlePtrs: Record<string, number> = {};
    for (const [name, h] of Object.entries(template.handles)) handlePtrs[name] = h.value as number;

    const randomOffset = probeRandomState(engine, ctx, ctxPtr);
    const mallocSizeOffset = probeMallocSize(engine, rt);
    rt.setMemoryLimit(-1);
    if (rt.hasPendingJob()) throw new Error("a probe left a pending job");

    const stackTop = engine.stackPointer();
    const pages = engine.memory.buffer.byteLength / WASM_PAGE;
    const runs = nonZeroRuns(engine.bytes());
    const first = runs[0];
    if (first === undefined || first.offset !== 0) throw new Error("unexpected memory layout");
    const lowEnd = first.bytes.length;
    // After the copy: the template may now be changed by the break probe.
    const { brkAddr, brk } = probeBreak(engine, lowEnd, stackTop);
    const snap = new Snapshot(
      engine.engineId,
      pages,
      runs,
      rtPtr,
      ctxPtr,
      hostRefIds,
      handlePtrs,
      randomOffset,
      mallocSizeOffset,
      brkAddr,
      brk,
      stackTop,
      lowEnd,
    );
    debug(
      "snapshot taken: %d KiB resident, break %d, stack top %d",
      snap.residentBytes >> 10,
      brk,
      stackTop,
    );
    return snap;
  }

  /** A new engine holding this snapshot's state, ready to {@link attach}. */
  async freshEngine(wasmModule: WebAssembly.Module, pages: number): Promise<Engine> {
    const engine = await Engine.create(wasmModule, this.engineId, pages, this.pages);
    const buf = engine.bytes();
    for (const r of this.runs) buf.set(r.bytes, r.offset);
    return engine;
  }

  /**
   * Puts a used engine back to the snapshot's state. Returns false (the engine must be
   * discarded) when it cannot be proven clean: stack not at rest, the break moved down, the
   * heap grew too much to be worth zeroing, or the wasm memory grew (a memory cannot shrink,
   * and a new instance starts at the snapshot's size: a larger one would differ from it).
   */
  reset(engine: Engine): boolean {
    if (engine.engineId !== this.engineId) return false;
    if (engine.stackPointer() !== this.stackTop) return false;
    const buf = engine.bytes();
    if (buf.length !== this.pages * WASM_PAGE) return false;
    const brk = buf.readUInt32LE(this.brkAddr);
    if (brk < this.brk || brk - this.brk > MAX_RESET_GROWTH || brk > buf.length) return false;
    this.restoreRange(buf, 0, Math.min(this.lowEnd + LOW_GUARD, this.stackTop));
    // The stack grows down from stackTop; scan until a long stretch is unchanged.
    const heapStart = Math.floor(this.stackTop / PAGE) * PAGE;
    let clean = 0;
    for (let hi = heapStart; hi > this.lowEnd + LOW_GUARD && clean < STACK_CLEAN_WINDOW;) {
      const lo = Math.max(this.lowEnd + LOW_GUARD, hi - STACK_CHUNK);
      if (this.differs(buf, lo, hi)) {
        this.restoreRange(buf, lo, hi);
        clean = 0;
      } else clean += hi - lo;
      hi = lo;
    }
    const last = this.runs[this.runs.length - 1]!;
    this.restoreRange(buf, heapStart, Math.max(brk, this.brk, last.offset + last.bytes.length));
    return true;
  }

  /**
   * Bytes the engine's heap has claimed since the snapshot (sbrk break minus the snapshot's).
   * dlmalloc here never moves the break down, so this is the run's heap high-water mark. It is
   * what enforces `heapBytes`: the engine build has no `malloc_usable_size`, so QuickJS's own
   * memory limit counts 8 bytes per allocation, not the bytes allocated.
   */
  heapGrowth(engine: Engine): number {
    return engine.bytes().readUInt32LE(this.brkAddr) - this.brk;
  }

  /**
   * Wraps the restored runtime and context of `engine` (fresh or reset) in new host objects:
   * host functions re-registered in order, handles re-wrapped, `Math.random` reseeded.
   */
  attach(engine: Engine, hooks: RestoreHooks): EngineState {
    if (engine.engineId !== this.engineId) {
      throw new Error("snapshot was taken with a different engine build");
    }
    const { module, ffi, callbacks } = engine.internals;
    const rtPtr = this.rtPtr;
    const rtLife = new Lifetime(rtPtr, undefined, (p: number) => {
      ffi.QTS_FreeRuntime(p);
      callbacks.deleteRuntime(p);
    });
    const rt = new (QuickJSRuntime as unknown as RuntimeCtor)({
      module,
      ffi,
      callbacks,
      rt: rtLife,
    });
    const ctx = rt.newContext({ contextPointer: this.ctxPtr as never });
    const refs = (rt as unknown as RuntimeInternals).hostRefs;
    const fns = hooks.hostFunctions(ctx);
    if (fns.length !== this.hostRefIds.length) {
      throw new Error(`snapshot has ${this.hostRefIds.length} host functions, got ${fns.length}`);
    }
    fns.forEach((fn, i) => {
      const id = refs.put(fn);
      if (id !== this.hostRefIds[i]) throw new Error("host function ids do not match the snapshot");
    });
    const mem = (ctx as unknown as ContextInternals).memory;
    const handles: Record<string, QuickJSHandle> = {};
    for (const [name, ptr] of Object.entries(this.handlePtrs))
      handles[name] = mem.heapValueHandle(ptr);
    engine.bytes().writeBigUInt64LE(nextSeed(), this.ctxPtr + this.randomOffset);
    return { rt, ctx, handles };
  }

  /** The `Math.random` state of an engine holding this snapshot's context (changes per draw). */
  randomState(engine: Engine): bigint {
    return engine.bytes().readBigUInt64LE(this.ctxPtr + this.randomOffset);
  }

  private differs(buf: Buffer, lo: number, hi: number): boolean {
    if (this.runs.some((r) => r.offset < hi && r.offset + r.bytes.length > lo)) return true;
    return buf.compare(ZERO, 0, hi - lo, lo, hi) !== 0;
  }

  /** Writes the snapshot's content of [lo, hi) into `buf`: runs copied, gaps zeroed. */
  private restoreRange(buf: Buffer, lo: number, hi: number): void {
    let at = lo;
    for (const r of this.runs) {
      const end = r.offset + r.bytes.length;
      if (end <= at) continue;
      if (r.offset >= hi) break;
      if (r.offset > at) buf.fill(0, at, r.offset);
      const from = Math.max(at, r.offset);
      const to = Math.min(hi, end);
      buf.set(r.bytes.subarray(from - r.offset, to - r.offset), from);
      at = to;
    }
    if (at < hi) buf.fill(0, at, hi);
  }
}

/**
 * Fills `buf` from the OS's CSPRNG: /dev/urandom where there is one (what libuv's own random
 * source reads), else node:crypto — whose loading was ~5 ms of a cold `airlock run`, spent only
 * on the first instance's seed.
 */
function fillRandom(buf: BigUint64Array): void {
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  let fd: number | undefined;
  try {
    fd = openSync("/dev/urandom", "r");
    for (let at = 0; at < bytes.length;) {
      const n = readSync(fd, bytes, at, bytes.length - at, null);
      if (n <= 0) throw new Error("short read");
      at += n;
    }
    return;
  } catch {
    nodeCrypto().randomFillSync(bytes);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Seeds drawn from the CSPRNG at once: a call per restore was ~2% of a busy worker's time. */
const SEEDS_PER_DRAW = 256;
const seeds = new BigUint64Array(SEEDS_PER_DRAW);
let seedsLeft = 0;

/**
 * A fresh `Math.random` state from the host CSPRNG, never handed out twice (the buffer is
 * refilled when used up). xorshift64* must not start from 0; any other value is a valid state.
 */
function nextSeed(): bigint {
  for (;;) {
    if (seedsLeft === 0) {
      fillRandom(seeds);
      seedsLeft = SEEDS_PER_DRAW;
    }
    const seed = seeds[--seedsLeft]!;
    seeds[seedsLeft] = 0n;
    if (seed !== 0n) return seed;
  }
}

/** Non-zero 4 KiB-page runs of `buf`, copied. */
function nonZeroRuns(buf: Buffer): { offset: number; bytes: Uint8Array }[] {
  const runs: { offset: number; bytes: Uint8Array }[] = [];
  let start = -1;
  for (let at = 0; at <= buf.length; at += PAGE) {
    const zero = at === buf.length || buf.compare(ZERO, 0, PAGE, at, at + PAGE) === 0;
    if (!zero && start < 0) start = at;
    if (zero && start >= 0) {
      runs.push({ offset: start, bytes: Uint8Array.prototype.slice.call(buf, start, at) });
      start = -1;
    }
  }
  return runs;
}

const MASK64 = 0xffffffffffffffffn;
const xorshift64 = (x: bigint) => {
  x ^= x >> 12n;
  x ^= (x << 25n) & MASK64;
  x ^= x >> 27n;
  return x;
};

/**
 * Finds `random_state` in the JSContext: the uint64 that one `Math.random()` call advances by
 * one xorshift64* step, and from which that call's result is derived.
 */
function probeRandomState(engine: Engine, ctx: QuickJSContext, ctxPtr: number): number {
  const SPAN = 2048;
  const before = engine.bytes().subarray(ctxPtr, ctxPtr + SPAN);
  const copy = Buffer.from(before);
  const h = ctx.unwrapResult(ctx.evalCode("Math.random()", "airlock:probe.js"));
  const value = ctx.getNumber(h);
  h.dispose();
  const after = engine.bytes();
  for (let off = 0; off + 8 <= SPAN; off += 8) {
    const old = copy.readBigUInt64LE(off);
    const now = after.readBigUInt64LE(ctxPtr + off);
    if (old === now || xorshift64(old) !== now) continue;
    const v = (now * 0x2545f4914f6cdd1dn) & MASK64;
    const bits = new BigUint64Array([(0x3ffn << 52n) | (v >> 12n)]);
    if (new Float64Array(bits.buffer)[0]! - 1 === value) return off;
  }
  throw new Error("could not locate Math.random's state in the context");
}

const rtPointer = (rt: QuickJSRuntime) => (rt as unknown as { rt: Lifetime<number> }).rt.value;

/** Offset of `malloc_state.malloc_size` in the JSRuntime, once located (same for every instance). */
let mallocSizeOffset: number | undefined;

/** Finds `malloc_limit` in the JSRuntime by setting two limits (no allocation); then restores `limit`. */
function locateMallocLimit(engine: Engine, rt: QuickJSRuntime, limit: number): number {
  const SPAN = 256;
  const rtPtr = rtPointer(rt);
  const find = (value: number) => {
    rt.setMemoryLimit(value);
    const buf = engine.bytes();
    const hits: number[] = [];
    for (let off = 0; off + 4 <= SPAN; off += 4) {
      if (buf.readUInt32LE(rtPtr + off) === value) hits.push(off);
    }
    return hits;
  };
  const a = find(0x1234567);
  const b = find(0x2345678);
  rt.setMemoryLimit(limit);
  const off = a.find((o) => b.includes(o));
  if (off === undefined || off < 4) throw new Error("could not locate the runtime's malloc state");
  return off;
}

/**
 * Bytes the runtime has allocated (`malloc_state.malloc_size`, which precedes `malloc_limit`),
 * read from memory without allocating; `limit` is the runtime's current memory limit.
 * Undefined if the layout cannot be located.
 */
export function runtimeMallocSize(
  engine: Engine,
  rt: QuickJSRuntime,
  limit: number,
): number | undefined {
  try {
    mallocSizeOffset ??= locateMallocLimit(engine, rt, limit) - 4;
  } catch {
    return undefined;
  }
  return engine.bytes().readUInt32LE(rtPointer(rt) + mallocSizeOffset);
}

/** Locates malloc_size and checks it tracks an allocation (a new context). */
function probeMallocSize(engine: Engine, rt: QuickJSRuntime): number {
  const sizeOff = locateMallocLimit(engine, rt, -1) - 4;
  const rtPtr = rtPointer(rt);
  const before = engine.bytes().readUInt32LE(rtPtr + sizeOff);
  const ctx = rt.newContext();
  const grown = engine.bytes().readUInt32LE(rtPtr + sizeOff);
  ctx.dispose();
  if (!(grown > before + 1024)) throw new Error("malloc_size did not track an allocation");
  mallocSizeOffset = sizeOff;
  return sizeOff;
}

/**
 * Finds emscripten's sbrk break in static data: the word that a large malloc moves to just past
 * the block. Also checks the break never moves down (dlmalloc here cannot trim), which is what
 * lets a reset bound the heap bytes a run may have written.
 */
function probeBreak(
  engine: Engine,
  lowEnd: number,
  stackTop: number,
): { brkAddr: number; brk: number } {
  const { module } = engine.internals;
  const N = 2 * 1024 * 1024;
  const before = Buffer.from(engine.bytes().subarray(0, lowEnd));
  const p = module._malloc(N);
  if (p === 0) throw new Error("probe allocation failed");
  const buf = engine.bytes();
  let best = -1;
  for (let off = 0; off + 4 <= lowEnd; off += 4) {
    const v0 = before.readUInt32LE(off);
    const v1 = buf.readUInt32LE(off);
    if (
      v1 !== v0 &&
      v1 >= p + N &&
      v1 < p + N + 1024 * 1024 &&
      v0 >= stackTop &&
      v1 <= buf.length
    ) {
      if (best < 0 || v1 > buf.readUInt32LE(best)) best = off;
    }
  }
  if (best < 0) throw new Error("could not locate the sbrk break");
  const moved = buf.readUInt32LE(best);
  module._free(p);
  if (engine.bytes().readUInt32LE(best) !== moved) throw new Error("the heap break moves down");
  return { brkAddr: best, brk: before.readUInt32LE(best) };
}
