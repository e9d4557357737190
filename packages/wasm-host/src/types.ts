import type { AirlockConfig } from "@airlock/config";

/** Limits of one run. Sizes are bytes; `maxMemoryPages` counts 64 KiB WebAssembly pages. */
export interface RunLimits {
  /** Wall-clock deadline of the whole run (script, timers, pending work), milliseconds. */
  timeoutMs: number;
  /** QuickJS heap limit (`runtime.setMemoryLimit`), bytes. */
  heapBytes: number;
  /** QuickJS stack limit (`runtime.setMaxStackSize`), bytes; at most 4 MiB. */
  stackBytes: number;
  /** Maximum linear memory of the wasm instance, 64 KiB pages; at least 256 (16 MiB). */
  maxMemoryPages: number;
  /** Instruction budget, approximate: counted in interrupt polls of ~10,000 bytecodes each; 0 = none. */
  maxInstructions: number;
  /** Total bytes of stdout + stderr (UTF-8) before the run is stopped with `output_limit`. */
  maxOutputBytes: number;
}

/** Options of {@link createSandbox}. */
export interface SandboxOptions {
  /** Resolved Airlock config; its `runtime` section gives the default limits. */
  config?: AirlockConfig;
  /** Overrides of the config's limits. */
  limits?: Partial<RunLimits>;
  /** Reuse one QuickJS instance and context across runs (default false: a fresh instance per run). */
  keepState?: boolean;
  /**
   * Frozen functions to link into every run (what `@airlock/freeze`'s `compile` returns, as plain
   * data). The guest then has one extra global, `__airlock_frozen(name, ...numbers)`, which runs the
   * compiled function or returns `undefined` ("not handled: run the interpreted original").
   */
  frozen?: FrozenLink;
}

/** One compiled function of a frozen module: `@airlock/freeze`'s `FrozenFunction` without `wrap`. */
export interface FrozenFunctionSpec {
  readonly name: string;
  readonly params: readonly string[];
  readonly returns: "number" | "boolean";
  /** Outside bindings the compiled code assumes unchanged; `Math.*` ones are checked per call. */
  readonly dependsOn: readonly string[];
  /** Export names in the wasm module; each takes `(depth, ...params)`. */
  readonly exports: { readonly int32?: string; readonly f64: string };
}

/** A frozen module to link into a sandbox (serialisable: it is sent to the worker). */
export interface FrozenLink {
  readonly wasm: Uint8Array;
  readonly functions: readonly FrozenFunctionSpec[];
}

/** Options of one run; any {@link RunLimits} field overrides the sandbox's limit for this run. */
export interface RunOptions extends Partial<RunLimits> {
  /** Name shown in stack traces and `process.argv[1]` (default `main.js`). */
  filename?: string;
  /** Extra arguments: `process.argv` is `["airlock", filename, ...args]`. */
  args?: string[];
  /** Data the guest reads from `process.stdin`. */
  stdin?: string | Uint8Array;
  /** `auto` (default): a `.mjs` filename or `import`/`export` syntax makes a module. */
  type?: "script" | "module" | "auto";
  /** What `process.env` shows, already filtered by the caller. */
  env?: Record<string, string>;
  /** Called with each stdout chunk as the guest writes it. */
  onStdout?: (chunk: string) => void;
  /** Called with each stderr chunk as the guest writes it. */
  onStderr?: (chunk: string) => void;
  /** Aborting ends the run with status `killed`. */
  signal?: AbortSignal;
}

export type RunStatus = "ok" | "error" | "timeout" | "out_of_memory" | "output_limit" | "killed";

/** Outcome of one run. Guest failures are reported here, never thrown. */
export interface RunResult {
  status: RunStatus;
  exitCode: number;
  stdout: string;
  stderr: string;
  error?: { code: string; message: string; stack?: string };
  durationMs: number;
  /** `peakBytes`: size the instance's linear memory reached (it only grows). */
  memory: { peakBytes: number };
}

/** One chunk of streamed output. */
export interface OutputChunk {
  stream: "stdout" | "stderr";
  data: string;
}

/** A place to run code. Dispose it (or `await using`) to release its worker-side state. */
export interface Sandbox {
  run(code: string, options?: RunOptions): Promise<RunResult>;
  stream(
    code: string,
    options?: RunOptions,
  ): AsyncIterable<OutputChunk> & { result: Promise<RunResult> };
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  readonly disposed: boolean;
}
