import { FrozenDeadlineError } from "./errors.js";
import { hostMathImports } from "./math-table.js";
import { STATUS } from "./runtime-helpers.js";
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

/** Builds `FrozenFunction.wrap` for one function: argument checks, path choice, trap decoding. */
export function makeWrap(
  meta: Meta,
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
