/**
 * Messages between the main thread and a pool worker. Plain structured-clone data only; the
 * wire types live here so both sides agree without importing each other.
 */
import type { CapabilityConfig } from "./capabilities.js";
import type { FrozenFunctionSpec, RunLimits, RunStatus } from "./types.js";

export interface RunRequest {
  type: "run";
  id: number;
  code: string;
  filename: string;
  args: string[];
  stdin: Uint8Array | null;
  module: boolean;
  env: Record<string, string>;
  limits: RunLimits;
  /** Grants from the sandbox's config; the worker builds vfs, egress policy and command rules from it. */
  capabilities?: CapabilityConfig;
  /** keepState session this run belongs to, or null for a fresh instance. */
  session: number | null;
  /** Frozen functions linked into this run (`SandboxOptions.frozen`, validated). */
  frozen?: FrozenRequest;
  /** Set for a fetch-handler run (`Sandbox.serve`): the code is an app module. */
  serve?: ServeRequest;
  /**
   * Fetch-handler runs: `code` was left out (empty) because this worker was sent the app's code
   * before; it is the code {@link AppCodeCache} holds for `serve.app`.
   */
  codeRef?: true;
}

/**
 * The code of recently served apps, mirrored on both ends of one worker's channel, so a
 * request sends an app's code (up to megabytes, cloned per message) only the first time. Both
 * ends apply the same updates in message order — the main thread when it sends a fetch-handler
 * run with its code, the worker when it receives it — and evict the oldest entry past
 * {@link APP_CODE_CACHE_SIZE}, so they always hold the same keys. Lookups change nothing.
 */
export class AppCodeCache {
  private readonly codes = new Map<string, string>();

  has(app: string): boolean {
    return this.codes.has(app);
  }

  get(app: string): string | undefined {
    return this.codes.get(app);
  }

  /** Records the code sent (or received) with a fetch-handler run; first sight only. */
  add(app: string, code: string): void {
    if (this.codes.has(app)) return;
    this.codes.set(app, code);
    if (this.codes.size > APP_CODE_CACHE_SIZE) this.codes.delete(this.codes.keys().next().value!);
  }
}

/** Apps whose code a worker keeps for later requests (see {@link AppCodeCache}). */
export const APP_CODE_CACHE_SIZE = 16;

/** A plain-data HTTP request (copied into the guest as a `Request`). */
export interface HttpRequestData {
  method: string;
  /** Absolute URL (`http://host/path?query`). */
  url: string;
  headers: [name: string, value: string][];
  body: Uint8Array | null;
}

/** A plain-data HTTP response (copied out of the guest's `Response`; the body is buffered). */
export interface HttpResponseData {
  status: number;
  statusText: string;
  headers: [name: string, value: string][];
  body: Uint8Array;
}

/**
 * A fetch-handler run. `app` names the app (sha-256 of code and filename): each worker keeps a
 * pool of ready instances per app, snapshotted after the app's top-level code where safe.
 */
export interface ServeRequest {
  app: string;
  /** null: only prepare the app's pool (`Sandbox.warm`), no request is served. */
  request: HttpRequestData | null;
  /** Ready instances to keep for this app in each worker. */
  poolSize: number;
  /** Cap on the ready instances' estimated resident bytes, per worker. */
  poolBytes: number;
  /**
   * After a request, reset the instance's memory to the app snapshot (every byte the run may
   * have written is rewritten) and put it back, instead of dropping it. Default false.
   */
  recycle?: boolean;
}

/** How a worker's pool of ready instances for one app stands. */
export interface AppPoolStats {
  app: string;
  /** Instances ready now. */
  ready: number;
  /** How many it keeps (pool size, lowered by the byte budget). */
  target: number;
  /** `app`: restored after the app's top-level code; `prelude`: the code runs per request. */
  mode: "app" | "prelude" | "pending";
  /** Why the app-level snapshot is not used (mode `prelude`). */
  reason?: string;
  /** Estimated resident bytes of one ready instance. */
  instanceBytes: number;
}

/** In a sandbox worker's `process.argv` (pool.ts sets it; worker/main.ts looks for it). */
export const WORKER_ARGV = "--airlock-sandbox-worker";

/** A validated frozen module; the worker instantiates it once per `hash` (sha256 of `wasm`). */
export interface FrozenRequest {
  hash: string;
  wasm: Uint8Array;
  functions: FrozenFunctionSpec[];
}

/** The compiled engine, sent once right after a worker is spawned (compiled while it boots). */
export interface EngineMessage {
  type: "engine";
  wasmModule: WebAssembly.Module;
  /** sha-256 of the engine's .wasm: a snapshot is only restored into the build it came from. */
  engineId: string;
}

export type ToWorker =
  | EngineMessage
  | RunRequest
  | { type: "abort"; id: number }
  | { type: "drop-session"; session: number }
  /** Prepare an app's pool of ready instances (`Sandbox.warm`); `req.serve.request` is null. */
  | { type: "warm-app"; req: Omit<RunRequest, "id" | "type"> };

/** What the worker knows about a finished run; the main thread adds output and timing. */
export interface WorkerOutcome {
  status: RunStatus;
  exitCode: number;
  error?: { code: string; message: string; stack?: string };
  peakBytes: number;
  /** Fetch-handler runs: the response, if the guest produced one. */
  response?: HttpResponseData;
  /** Fetch-handler runs: whether a ready instance was taken, and how long getting one took. */
  pool?: {
    hit: boolean;
    mode: AppPoolStats["mode"];
    takeMs: number;
    /** When the app's handler was called (epoch ms, high resolution), if it was. */
    startedAt?: number;
  };
}

/** Output chunk on the wire: 1 = stdout, 2 = stderr. */
export type WireChunk = [fd: 1 | 2, data: string];

export type FromWorker =
  | { type: "ready" }
  /** The run got its instance and starts now: the main thread arms its backstop timer. */
  | { type: "started"; id: number }
  | { type: "out"; id: number; chunks: WireChunk[] }
  | { type: "done"; id: number; outcome: WorkerOutcome }
  /** A worker's pool for one app changed. */
  | { type: "app-stats"; stats: AppPoolStats };

/** Layout of the SharedArrayBuffer each worker shares with the main thread. */
export const CTRL_ABORT = 0; // id of the run to abort (read by the interrupt handler)
export const CTRL_SLOTS = 1;
