/**
 * The control protocol on the Unix socket: one JSON request per connection (a line), answered by
 * JSON lines — for `run`, output lines (`{"out":[fd,text]}`) then the result. Shared by the
 * daemon and the client; plain data only.
 */
import type { AirlockConfig } from "@airlock/config";
import type { RunResult } from "@airlock/wasm-host";
import type { AppStats } from "./runner.js";

export interface LoadOptions {
  /** Ready sandboxes, over all workers (default: config `daemon.pool_size`). */
  poolSize?: number;
  /** Per-request limit, ms (default: config `daemon.exec_timeout_ms`). */
  timeoutMs?: number;
  /** Also serve HTTP for it on this port (0: any free port). */
  port?: number;
  /**
   * Reset used sandboxes' memories to the app snapshot and reuse them (default true); false: a
   * new wasm memory per request.
   */
  recycle?: boolean;
  /** The sandboxes' config; default: the artifact's embedded one, else the standard tier. */
  config?: AirlockConfig;
}

/** What `airlock run` sends to run one program in the daemon's warm workers. */
export interface RunJob {
  code: string;
  filename: string;
  module: boolean;
  args: string[];
  env: Record<string, string>;
  /** base64 */
  stdin?: string;
  /** The run's config (limits and grants); none: the standard tier's limits, no grants. */
  config?: AirlockConfig;
  /** An artifact's frozen module: wasm as base64 plus its function list. */
  frozen?: { wasm: string; functions: unknown[] };
}

export type ControlRequest =
  | { op: "ping" }
  | { op: "ps" }
  | { op: "load"; path: string; options?: LoadOptions }
  | { op: "unload"; app: string }
  | { op: "exit" }
  | { op: "run"; job: RunJob };

export interface DaemonStatus {
  pid: number;
  startedAt: string;
  apps: AppStats[];
  /** Script runs (`airlock run`) served. */
  runs: number;
  workers: number;
}

/** A final reply: success with what was asked for. */
export interface OkReply {
  ok: true;
  status?: DaemonStatus;
  app?: AppStats;
  result?: RunResult;
}

export type ControlReply =
  OkReply | { ok: false; error: { code: string; message: string } } | { out: [1 | 2, string] };
