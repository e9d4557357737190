/**
 * The daemon's client, light enough for every CLI start (`@airlock/daemon/client`: no engine,
 * no metrics loaded). Connects to the owner-only Unix socket, sends one request, reads replies.
 */
import { closeSync, lstatSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import type * as Net from "node:net";
import { join } from "node:path";
import type { RunResult } from "@airlock/wasm-host";
import { DaemonNotRunningError, DaemonRequestError, DaemonStartError } from "./errors.js";
import { LOG_NAME, SOCKET_NAME, checkSocket, ensureStateDir, stateDir } from "./paths.js";
import type {
  ControlReply,
  ControlRequest,
  DaemonStatus,
  LoadOptions,
  OkReply,
  RunJob,
} from "./protocol.js";
import type { AppStats } from "./runner.js";

/**
 * node:net, loaded only to connect: `airlock run` without a daemon never does, and under the
 * CLI's V8 flags node:net with the stream modules it pulls in cost ~8 ms of its start.
 */
let netModule: typeof Net | undefined;
const net = (): typeof Net =>
  (netModule ??= createRequire(import.meta.url)("node:net") as typeof Net);

export { stateDir } from "./paths.js";
export * as errors from "./errors.js";
export type { DaemonStatus, LoadOptions, RunJob } from "./protocol.js";
export type { AppStats } from "./runner.js";

/**
 * Node flags for a server process (the daemon; `airlock serve` gets them from the CLI's `#!`
 * line). Its main thread allocates per request (HTTP objects, messages) that die young: a 1 MiB
 * nursery keeps each scavenge short, and doing GC work on the paused thread itself avoids
 * waiting for V8's helper threads on a machine whose cores are all busy with the workers (the
 * 2-core target). Measured with `airlock serve` at 4 connections: p99 6.0 → 4.3 ms. Both are
 * start-up flags: V8 cannot change them later.
 */
export const SERVER_NODE_FLAGS: readonly string[] = [
  "--single-threaded-gc",
  "--max-semi-space-size=1",
];

/**
 * Whether a daemon socket exists in `dir` (one `lstat`; nothing is checked or connected). A
 * caller that would otherwise start expensive local work first (`airlock run` warming its own
 * engine) asks this, and skips that work when a daemon is likely to take the job.
 */
export function daemonSocketPresent(dir: string = stateDir()): boolean {
  try {
    return lstatSync(join(dir, SOCKET_NAME)).isSocket();
  } catch {
    return false;
  }
}

/** A connection target: the state directory holding `daemon.sock`. */
export class DaemonClient {
  constructor(readonly dir: string = stateDir()) {}

  get socket(): string {
    return join(this.dir, SOCKET_NAME);
  }

  /**
   * Sends `req`; resolves with the final reply. Output lines go to `onOut`. Throws
   * {@link DaemonNotRunningError} when nothing listens, {@link DaemonRequestError} on a failure.
   */
  request(req: ControlRequest, onOut?: (fd: 1 | 2, text: string) => void): Promise<OkReply> {
    if (!checkSocket(this.dir)) return Promise.reject(new DaemonNotRunningError(this.socket));
    return new Promise((resolve, reject) => {
      const sock = net().connect(this.socket);
      let buf = "";
      let settled = false;
      const finish = (err: Error | null, value?: OkReply) => {
        if (settled) return;
        settled = true;
        sock.destroy();
        if (err) reject(err);
        else resolve(value!);
      };
      sock.setEncoding("utf8");
      sock.on("connect", () => sock.write(JSON.stringify(req) + "\n"));
      sock.on("data", (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          let msg: ControlReply;
          try {
            msg = JSON.parse(line) as ControlReply;
          } catch {
            return finish(new DaemonRequestError("the daemon sent a malformed reply"));
          }
          if ("out" in msg) onOut?.(msg.out[0], msg.out[1]);
          else if (msg.ok) return finish(null, msg);
          else return finish(new DaemonRequestError(`${msg.error.code}: ${msg.error.message}`));
        }
      });
      sock.on("error", (err: NodeJS.ErrnoException) =>
        finish(
          err.code === "ECONNREFUSED" || err.code === "ENOENT"
            ? new DaemonNotRunningError(this.socket)
            : err,
        ),
      );
      sock.on("close", () => finish(new DaemonRequestError("the daemon closed the connection")));
    });
  }

  /** True when a daemon answers. */
  async alive(): Promise<boolean> {
    try {
      await this.request({ op: "ping" });
      return true;
    } catch (err) {
      if (err instanceof DaemonNotRunningError) return false;
      throw err;
    }
  }

  async status(): Promise<DaemonStatus> {
    return (await this.request({ op: "ps" })).status!;
  }

  async load(path: string, options: LoadOptions = {}): Promise<AppStats> {
    return (await this.request({ op: "load", path, options })).app!;
  }

  async unload(app: string): Promise<AppStats> {
    return (await this.request({ op: "unload", app })).app!;
  }

  /** Asks the daemon to finish running requests and exit. */
  async exit(): Promise<void> {
    await this.request({ op: "exit" });
  }

  /** Runs a program in the daemon's warm workers; output streams to `onOut`. */
  async run(job: RunJob, onOut?: (fd: 1 | 2, text: string) => void): Promise<RunResult> {
    return (await this.request({ op: "run", job }, onOut)).result!;
  }
}

/**
 * Starts a daemon for `dir` unless one answers: a detached `node` process whose output goes to
 * `daemon.log` in the state directory; waits until it answers (`timeoutMs`, default 15 s).
 */
export async function ensureDaemon(
  dir: string = stateDir(),
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; entry?: string } = {},
): Promise<{ client: DaemonClient; started: boolean }> {
  const client = new DaemonClient(dir);
  if (await client.alive()) return { client, started: false };
  ensureStateDir(dir);
  const log = join(dir, LOG_NAME);
  const fd = openSync(log, "a", 0o600);
  // By package name, not a relative URL: this module may be bundled into the CLI.
  const entry = options.entry ?? createRequire(import.meta.url).resolve("@airlock/daemon/bin");
  // Loaded here, not at the top: every `airlock run` imports this module (to ask for a daemon),
  // and node:child_process with what it pulls in costs ~3 ms of each start.
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, entry, "--state-dir", dir], {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: options.env ?? process.env,
  });
  closeSync(fd);
  let exited: number | null = null;
  child.once("exit", (code) => (exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (exited !== null) throw new DaemonStartError(log, `it exited with code ${exited}`);
    if (await client.alive().catch(() => false)) return { client, started: true };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new DaemonStartError(log, "no answer in time");
}
