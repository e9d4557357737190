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

/** A request as plain data, for {@link Sandbox.serve} (copied into the guest as a `Request`). */
export interface ServeRequestInit {
  method: string;
  /** Absolute URL the guest's `request.url` shows (`http://localhost:8787/path?q=1`). */
  url: string;
  headers?: [name: string, value: string][];
  body?: Uint8Array | null;
}

/** The guest's `Response` as plain data; the body is buffered (the guest has no streams). */
export interface ServeResponse {
  status: number;
  statusText: string;
  headers: [name: string, value: string][];
  body: Uint8Array;
}

/** The pool of ready instances each worker keeps per app (see {@link Sandbox.warm}). */
export interface AppPoolOptions {
  /** Ready instances per worker (default 2; 0 = none, every request creates one). */
  size?: number;
  /** Cap on their estimated resident bytes per worker (default 64 MiB). */
  maxBytes?: number;
  /**
   * Default false: every request gets a new wasm instance with a new memory, dropped afterwards.
   * true: after a request the used memory is reset to the app snapshot — static data, the stack
   * and the heap up to its break rewritten, as `run()` does — and the instance is restored from it
   * again: the guest-visible state is the snapshot's, but the memory object is reused (much
   * cheaper than a new one and its garbage collection). Only with an app snapshot.
   */
  recycle?: boolean;
}

/** Options of {@link Sandbox.serve}: a run's options (the code is always an ES module) plus the pool. */
export interface ServeOptions extends Omit<RunOptions, "type" | "stdin" | "args"> {
  pool?: AppPoolOptions;
}

/** Outcome of one fetch-handler run: a {@link RunResult} plus the response, if there was one. */
export interface ServeResult extends RunResult {
  /** Absent when the handler failed or a limit stopped it (see `status`). */
  response?: ServeResponse;
  /** `hit`: a ready instance was taken; `mode` `app`: it was restored after the app's top level. */
  pool?: {
    hit: boolean;
    mode: "app" | "prelude" | "pending";
    /** Milliseconds the worker took to get the instance. */
    takeMs: number;
    /** When the app's `fetch` was called: `performance.timeOrigin`-based epoch ms. */
    startedAt?: number;
  };
}

/** A worker's pool for one app, as last reported. */
export interface AppPoolState {
  ready: number;
  target: number;
  /** `app`: snapshot after the app's top-level code; `prelude`: the app's code runs per request. */
  mode: "app" | "prelude" | "pending";
  /** Why the app snapshot is not used. */
  reason?: string;
  instanceBytes: number;
}

/** A place to run code. Dispose it (or `await using`) to release its worker-side state. */
export interface Sandbox {
  run(code: string, options?: RunOptions): Promise<RunResult>;
  stream(
    code: string,
    options?: RunOptions,
  ): AsyncIterable<OutputChunk> & { result: Promise<RunResult> };
  /**
   * Runs `code` (an ES module whose default export has `fetch(request)`) for one request in a
   * fresh instance taken from the app's pool, and returns the guest's response as plain data.
   */
  serve(code: string, request: ServeRequestInit, options?: ServeOptions): Promise<ServeResult>;
  /** Prepares the app's pool of ready instances in every worker (snapshot after its top level). */
  warm(code: string, options?: ServeOptions): Promise<void>;
  /** The workers' pools for this app, as last reported (one entry per worker that has one). */
  poolStats(code: string, options?: Pick<ServeOptions, "filename">): AppPoolState[];
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  readonly disposed: boolean;
}
