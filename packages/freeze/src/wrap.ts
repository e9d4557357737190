import { FrozenDeadlineError } from "./errors.js";
import { hostMathImports } from "./math-table.js";
import { ARRAY_KINDS, STATUS } from "./runtime-helpers.js";
import type {
  FrozenFunction,
  FrozenImports,
  FrozenInstance,
  FrozenModule,
  FrozenResult,
  FrozenRunOptions,
} from "./types.js";

type Meta = Omit<FrozenFunction, "wrap">;
type WasmFn = (depth: number, ...args: number[]) => number;

const DEFAULT_FUEL = 1 << 20;

function isInt32Arg(a: number): boolean {
  return (a | 0) === a && (a !== 0 || 1 / a > 0);
}

/**
 * `%TypedArray%.prototype[Symbol.toStringTag]`: the internal name of a real typed array, and
 * `undefined` for anything else (a lookalike object cannot fake it).
 */
const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Int8Array.prototype) as object,
  Symbol.toStringTag,
)!.get as (this: unknown) => string | undefined;

/** Kinds whose elements are all int32 (the int path may run). */
const INT_KINDS: ReadonlySet<number> = new Set([
  ARRAY_KINDS.Int32Array,
  ARRAY_KINDS.Uint8Array,
  ARRAY_KINDS.Int8Array,
  ARRAY_KINDS.Int16Array,
  ARRAY_KINDS.Uint16Array,
]);

/** Bytes of linear memory frozen code may use for typed arrays (elements as float64s). */
const MAX_ARRAY_BYTES = 1 << 30;

type Typed = Float64Array | Int32Array;

/** A typed array's kind number for frozen code, or undefined when it is not one it handles. */
function arrayKind(a: unknown): number | undefined {
  const tag = typedArrayTag.call(a);
  return tag !== undefined && Object.hasOwn(ARRAY_KINDS, tag)
    ? ARRAY_KINDS[tag as keyof typeof ARRAY_KINDS]
    : undefined;
}

/** Builds `FrozenFunction.wrap` for one function: argument checks, path choice, trap decoding. */
export function makeWrap(
  meta: Meta,
  /** Parameter indexes of the typed arrays the code stores into (only those are copied back). */
  written: readonly number[] = [],
): (instance: FrozenInstance) => (...args: unknown[]) => FrozenResult {
  return (instance) => {
    const exports = instance.exports;
    const status = exports.__status as WebAssembly.Global | undefined;
    const f64Fn = exports[meta.exports.f64] as WasmFn | undefined;
    const intFn = meta.exports.int32
      ? (exports[meta.exports.int32] as WasmFn | undefined)
      : undefined;
    if (
      !status ||
      typeof f64Fn !== "function" ||
      (meta.exports.int32 && typeof intFn !== "function")
    ) {
      throw new TypeError(
        `${meta.name}: this instance is not of the frozen module that defines it`,
      );
    }
    const arity = meta.params.length;
    const toResult = meta.returns === "boolean" ? (r: number) => r !== 0 : (r: number) => r;
    const arrayAt = meta.paramKinds.flatMap((k, i) => (k === "typedarray" ? [i] : []));
    const memory = exports.memory as WebAssembly.Memory | undefined;
    if (arrayAt.length > 0 && !memory) {
      throw new TypeError(
        `${meta.name}: this instance is not of the frozen module that defines it`,
      );
    }

    const decodeTrap = (err: unknown): FrozenResult => {
      switch (status.value) {
        case STATUS.unsupported:
        case STATUS.depth:
          return undefined;
        case STATUS.deadline:
          throw new FrozenDeadlineError(meta.name);
        default:
          // V8's own stack limit (deeper than the host can go even below maxDepth): not handled.
          if (err instanceof RangeError && /call stack/i.test(err.message)) return undefined;
          throw err;
      }
    };

    if (arrayAt.length === 0) {
      return (...args: unknown[]): FrozenResult => {
        // A missing argument is undefined in JS; any non-number means "run the original".
        if (args.length < arity) return undefined;
        let allInt = true;
        for (let i = 0; i < arity; i++) {
          const a = args[i];
          if (typeof a !== "number") return undefined;
          if (allInt && !isInt32Arg(a)) allInt = false;
        }
        const nums = (args.length === arity ? args : args.slice(0, arity)) as number[];
        status.value = STATUS.ok;
        if (allInt && intFn) {
          try {
            return toResult(intFn(0, ...nums));
          } catch (err) {
            if (status.value !== STATUS.intBail) return decodeTrap(err);
            status.value = STATUS.ok; // pure code: redo the whole call on the f64 path
          }
        }
        try {
          return toResult(f64Fn!(0, ...nums));
        } catch (err) {
          return decodeTrap(err);
        }
      };
    }

    // With typed arrays: their elements are copied into linear memory as float64s before the
    // call and back after it succeeded (O(length) each way). A trap leaves the caller's arrays
    // untouched, so the f64 path or the interpreter can start over.
    return (...args: unknown[]): FrozenResult => {
      if (args.length < arity) return undefined;
      let allInt = true;
      const call: number[] = [];
      const tail: number[] = [];
      const arrays: { a: Typed; at: number; back: boolean }[] = [];
      let bytes = 0;
      for (let i = 0; i < arity; i++) {
        const a = args[i];
        if (meta.paramKinds[i] === "number") {
          if (typeof a !== "number") return undefined;
          if (allInt && !isInt32Arg(a)) allInt = false;
          call.push(a);
          continue;
        }
        const kind = arrayKind(a);
        if (kind === undefined) return undefined;
        const t = a as Typed;
        // Two parameters sharing memory would be two copies here: not handled.
        for (const o of arrays) if (o.a.buffer === t.buffer) return undefined;
        if (!INT_KINDS.has(kind)) allInt = false;
        arrays.push({ a: t, at: bytes, back: written.includes(i) });
        call.push(bytes);
        tail.push(t.length, kind);
        bytes += t.length * 8;
        if (bytes > MAX_ARRAY_BYTES) return undefined;
      }
      const mem = memory!;
      const needed = Math.ceil(bytes / 65536) - mem.buffer.byteLength / 65536;
      if (needed > 0) mem.grow(needed);
      const copyIn = () => {
        for (const { a, at } of arrays) new Float64Array(mem.buffer, at, a.length).set(a);
      };
      const finish = (r: number): FrozenResult => {
        for (const { a, at, back } of arrays) {
          if (back) a.set(new Float64Array(mem.buffer, at, a.length));
        }
        return toResult(r);
      };
      const full = [0, ...call, ...tail];
      status.value = STATUS.ok;
      if (allInt && intFn) {
        copyIn();
        try {
          return finish(intFn(...(full as [number, ...number[]])));
        } catch (err) {
          if (status.value !== STATUS.intBail) return decodeTrap(err);
          status.value = STATUS.ok;
        }
      }
      copyIn();
      try {
        return finish(f64Fn!(...(full as [number, ...number[]])));
      } catch (err) {
        return decodeTrap(err);
      }
    };
  };
}

/**
 * The import object a frozen module needs: `airlock.checkpoint` (fuel and deadline) and the host
 * realm's `Math` functions that have no wasm instruction.
 */
export function frozenImports(options: FrozenRunOptions = {}): FrozenImports {
  const fuel = options.fuel ?? DEFAULT_FUEL;
  if (!Number.isInteger(fuel) || fuel < 1 || fuel > 0x7fffffff) {
    throw new RangeError(`fuel must be an integer in 1..2^31-1, got ${fuel}`);
  }
  const deadline = options.deadline;
  const checkpoint =
    options.checkpoint ?? (() => (deadline !== undefined && Date.now() >= deadline ? 0 : fuel));
  return { airlock: { checkpoint }, math: hostMathImports() };
}

/** Instantiates a compiled frozen module (synchronously) with {@link frozenImports}. */
export function instantiateFrozen(
  frozen: FrozenModule | Uint8Array,
  options: FrozenRunOptions = {},
): FrozenInstance {
  const bytes = frozen instanceof Uint8Array ? frozen : frozen.wasm;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), frozenImports(options));
}
