/** How the source is parsed. `"auto"` tries a module first, then a classic script. */
export type SourceType = "module" | "script" | "auto";

/** Options for {@link analyze}. */
export interface AnalyzeOptions {
  /** Default `"auto"`. */
  sourceType?: SourceType;
}

/** Options for {@link compile}. */
export interface CompileOptions {
  /**
   * Frozen calls nested deeper than this bail out to the interpreter instead of growing the host
   * stack. Default 5_000: V8's default main-thread stack holds 10k–20k small wasm frames, and the interpreter itself stops at ~2–3k.
   */
  maxDepth?: number;
}

/** The value kinds a frozen function can return. */
export type FrozenReturn = "number" | "boolean";

/**
 * What a parameter takes: a number, or a typed array (`Int32Array`, `Float64Array`, `Uint8Array`,
 * `Float32Array`, `Int8Array`, `Int16Array`, `Uint16Array`, `Uint32Array`) that the code only
 * indexes and asks for its `length`.
 */
export type FrozenParamKind = "number" | "typedarray";

/** Which compiled versions a frozen function has. `int32` is tried first when every argument is an int32. */
export type FrozenPath = "int32" | "f64";

interface FunctionReportBase {
  /** The binding name (`function fib` or `const fib = …`). */
  readonly name: string;
  /** 1-based line and 0-based column of the function in the source. */
  readonly line: number;
  readonly column: number;
}

/** A function that `compile` will turn into WebAssembly. */
export interface FrozenFunctionReport extends FunctionReportBase {
  readonly frozen: true;
  readonly params: readonly string[];
  /** One per parameter, in order. */
  readonly paramKinds: readonly FrozenParamKind[];
  readonly returns: FrozenReturn;
  readonly paths: readonly FrozenPath[];
  /** Frozen functions it calls (itself included when recursive). */
  readonly calls: readonly string[];
  /**
   * Every outside binding the compiled code assumes unchanged, transitively: called functions,
   * top-level constants and `Math.*` members. Whoever links the frozen code in must make sure these
   * still hold their original values when it dispatches (see README, "Linking").
   */
  readonly dependsOn: readonly string[];
}

/** A function that stays interpreted, and why. */
export interface RejectedFunctionReport extends FunctionReportBase {
  readonly frozen: false;
  /** Human-readable, e.g. `uses this`, `captures mutable variable x`, `calls non-frozen function g`. */
  readonly reason: string;
}

export type FunctionReport = FrozenFunctionReport | RejectedFunctionReport;

/** What {@link analyze} found: one entry per top-level function, in source order. */
export interface FreezeReport {
  readonly sourceType: "module" | "script";
  /** sha256 of the analysed source; `compile` refuses a report made for other source. */
  readonly sourceHash: string;
  readonly functions: readonly FunctionReport[];
}

/** What a wrapper returns: the function's result, or `undefined` for "not handled, run the original". */
export type FrozenResult = number | boolean | undefined;

/** An instantiated frozen module (a `WebAssembly.Instance`, typed structurally). */
export interface FrozenInstance {
  readonly exports: Record<string, unknown>;
}

/** The import object of a frozen module (`WebAssembly.Imports`). */
export type FrozenImports = Record<string, Record<string, unknown>>;

/** A compiled function and the way to call it from JS. */
export interface FrozenFunction {
  readonly name: string;
  readonly params: readonly string[];
  readonly paramKinds: readonly FrozenParamKind[];
  readonly returns: FrozenReturn;
  readonly paths: readonly FrozenPath[];
  readonly dependsOn: readonly string[];
  /**
   * Export names in the wasm module; each takes `(depth, ...params, ...arrays)`: a number
   * parameter is a number, a typed-array parameter the byte offset of its elements in the
   * exported `memory` (as float64s), and `arrays` is `length, kind` for each typed-array
   * parameter in order (kind: see the README). `depth` is ignored unless `maxDepth` was set.
   */
  readonly exports: { readonly int32?: string; readonly f64: string };
  /**
   * A JS function for this frozen function in `instance` (made by {@link instantiateFrozen}).
   * It returns `undefined` ("not handled": run the interpreted original) when an argument is not a
   * number or the compiled code met something it does not model (falling off the end, recursion
   * deeper than `maxDepth`); it throws {@link FrozenDeadlineError} when the run's deadline passed.
   */
  wrap(instance: FrozenInstance): (...args: unknown[]) => FrozenResult;
}

/** The output of {@link compile}. */
export interface FrozenModule {
  readonly wasm: Uint8Array;
  readonly functions: readonly FrozenFunction[];
}

/** Options for {@link instantiateFrozen} / {@link frozenImports}. */
export interface FrozenRunOptions {
  /** Epoch milliseconds (`Date.now()` scale) after which frozen code stops. Default: none. */
  deadline?: number;
  /** Fuel units handed out per checkpoint (one unit per loop iteration or call). Default 1 << 20. */
  fuel?: number;
  /** Replaces the default checkpoint: return the next fuel grant, or 0 to stop the run. */
  checkpoint?: () => number;
}
