/**
 * The daemon: keeps the engine compiled, its workers warm and, per loaded app, a pool of ready
 * sandboxes; answers the control socket (load, unload, ps, run, exit) and, for apps loaded with
 * a port, HTTP. `close()` is graceful: it stops taking requests and waits for running ones.
 */
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import type { Server as HttpServer } from "node:http";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { AirlockConfig } from "@airlock/config";
import {
  configureWorkerPool,
  createSandbox,
  shutdownWorkers,
  type FrozenLink,
} from "@airlock/wasm-host";
import { readApp } from "./app.js";
import { DaemonClient } from "./client.js";
import { AppNotLoadedError, DaemonRequestError } from "./errors.js";
import { listenHttp } from "./http.js";
import { DaemonMetrics } from "./metrics.js";
import { PID_NAME, SOCKET_NAME, ensureStateDir } from "./paths.js";
import type {
  ControlReply,
  ControlRequest,
  DaemonStatus,
  LoadOptions,
  RunJob,
} from "./protocol.js";
import { AppRunner, type AppStats } from "./runner.js";

export interface DaemonOptions {
  /** State directory (socket, pid file); see `stateDir()`. */
  dir: string;
  /** Worker threads (default `min(2, cores)`). */
  workers?: number;
  /** Memory budget of all ready sandboxes of one app, bytes (default 256 MiB). */
  poolBytes?: number;
  /** Where notes go (default: stderr, which a detached daemon sends to its log). */
  log?: (line: string) => void;
}

/** Daemon-section defaults when an app brings no config (the config package's defaults). */
const DEFAULT_POOL_SIZE = 4;
const DEFAULT_TIMEOUT_MS = 5_000;
/** Control requests are small: a line longer than this is refused. */
const MAX_LINE = 64 * 1024 * 1024;

interface Loaded {
  runner: AppRunner;
  http?: HttpServer;
}

export class Daemon {
  readonly metrics = new DaemonMetrics();
  private readonly apps = new Map<string, Loaded>();
  private runs = 0;
  private readonly running = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;
  private readonly startedAt = new Date();
  private resolveClosed!: () => void;
  /** Resolves when the daemon has shut down. */
  readonly closed = new Promise<void>((r) => (this.resolveClosed = r));

  private constructor(
    private readonly options: Required<Omit<DaemonOptions, "log">> & {
      log: (line: string) => void;
    },
    private readonly control: NetServer,
  ) {}

  /**
   * Starts a daemon listening on `<dir>/daemon.sock` (dir 0700, socket 0600). Refuses when
   * another daemon answers there, or the directory is not ours.
   */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const dir = ensureStateDir(options.dir);
    const sock = join(dir, SOCKET_NAME);
    if (await new DaemonClient(dir).alive())
      throw new DaemonRequestError(`a daemon is already running on ${sock}`);
    rmSync(sock, { force: true }); // stale: nobody answers
    const workers = options.workers ?? Math.min(2, availableParallelism());
    // A server: the engine may tier up to optimised code (see configureWorkerPool).
    configureWorkerPool({ size: workers, engineTiering: "throughput" });
    const o = {
      dir,
      workers,
      poolBytes: options.poolBytes ?? 256 * 1024 * 1024,
      log:
        options.log ??
        ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)),
    };
    let daemon: Daemon | undefined;
    const control = createServer((s) => daemon?.onConnection(s));
    await new Promise<void>((resolve, reject) => {
      control.once("error", reject);
      control.listen(sock, () => {
        control.off("error", reject);
        resolve();
      });
    });
    chmodSync(sock, 0o600);
    writeFileSync(join(dir, PID_NAME), `${process.pid}\n`, { mode: 0o600 });
    daemon = new Daemon(o, control);
    o.log(`daemon ${process.pid} listening on ${sock} (${workers} workers)`);
    return daemon;
  }

  get socket(): string {
    return join(this.options.dir, SOCKET_NAME);
  }

  /** Loads (or reloads) an app: reads it, warms its pools, serves HTTP if `port` is given. */
  async load(path: string, options: LoadOptions = {}): Promise<AppStats> {
    const app = readApp(path);
    const config: AirlockConfig | undefined =
      options.config ?? (app.embeddedConfig ? { ...app.embeddedConfig, source: null } : undefined);
    const old = this.apps.get(app.name);
    const runner = await AppRunner.create(
      app,
      {
        poolSize: options.poolSize ?? config?.daemon.pool_size ?? DEFAULT_POOL_SIZE,
        timeoutMs: options.timeoutMs ?? config?.daemon.exec_timeout_ms ?? DEFAULT_TIMEOUT_MS,
        workers: this.options.workers,
        poolBytes: this.options.poolBytes,
        ...(options.recycle !== undefined ? { recycle: options.recycle } : {}),
        ...(config ? { config } : {}),
      },
      this.metrics,
    );
    const loaded: Loaded = { runner };
    if (options.port !== undefined) {
      const { server, port } = await listenHttp(runner, this.metrics, {
        port: options.port,
        log: this.options.log,
      });
      loaded.http = server;
      runner.port = port;
    }
    this.apps.set(app.name, loaded);
    if (old !== undefined) void this.retire(old);
    this.options.log(
      `loaded ${app.name} from ${app.path}${runner.port !== undefined ? ` on port ${runner.port}` : ""}`,
    );
    return runner.stats();
  }

  /** Unloads an app after its running requests finish. */
  async unload(name: string): Promise<AppStats> {
    const loaded =
      this.apps.get(name) ?? [...this.apps.values()].find((l) => l.runner.app.path === name);
    if (loaded === undefined) throw new AppNotLoadedError(name);
    this.apps.delete(loaded.runner.name);
    const stats = loaded.runner.stats();
    await this.retire(loaded);
    this.options.log(`unloaded ${loaded.runner.name}`);
    return stats;
  }

  private async retire(loaded: Loaded): Promise<void> {
    const http = loaded.http;
    const closed = http ? new Promise<void>((r) => http.close(() => r())) : Promise.resolve();
    http?.closeIdleConnections();
    await loaded.runner.close();
    await closed;
  }

  status(): DaemonStatus {
    return {
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      apps: [...this.apps.values()].map((l) => l.runner.stats()),
      runs: this.runs,
      workers: this.options.workers,
    };
  }

  /** Runs one program (`airlock run`) in the warm workers, streaming its output. */
  private async run(job: RunJob, out: (fd: 1 | 2, text: string) => void) {
    const frozen: FrozenLink | undefined = job.frozen
      ? {
          wasm: Buffer.from(job.frozen.wasm, "base64"),
          functions: job.frozen.functions as FrozenLink["functions"],
        }
      : undefined;
    const sandbox = await createSandbox({
      ...(job.config ? { config: job.config } : {}),
      ...(frozen ? { frozen } : {}),
    });
    try {
      this.runs++;
      return await sandbox.run(job.code, {
        filename: job.filename,
        type: job.module ? "module" : "auto",
        args: job.args,
        env: job.env,
        ...(job.stdin !== undefined ? { stdin: Buffer.from(job.stdin, "base64") } : {}),
        onStdout: (t) => out(1, t),
        onStderr: (t) => out(2, t),
      });
    } finally {
      await sandbox.dispose();
    }
  }

  private onConnection(sock: Socket): void {
    let buf = "";
    let handled = false;
    sock.setEncoding("utf8");
    sock.on("error", () => undefined);
    const send = (msg: ControlReply) => {
      if (!sock.destroyed) sock.write(JSON.stringify(msg) + "\n");
    };
    sock.on("data", (chunk: string) => {
      if (handled) return;
      buf += chunk;
      if (buf.length > MAX_LINE) return sock.destroy();
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      handled = true;
      let req: ControlRequest;
      try {
        req = JSON.parse(buf.slice(0, nl)) as ControlRequest;
      } catch {
        send({
          ok: false,
          error: { code: "AIRLOCK_DAEMON_REQUEST", message: "malformed request" },
        });
        return void sock.end();
      }
      if (req.op === "exit") {
        send({ ok: true });
        sock.end();
        void this.close();
        return;
      }
      const work = this.dispatch(req, (fd, text) => send({ out: [fd, text] })).then(
        (reply) => send(reply),
        (err: Error & { code?: string }) =>
          send({
            ok: false,
            error: {
              code:
                typeof err.code === "string" && err.code.startsWith("AIRLOCK_")
                  ? err.code
                  : "AIRLOCK_DAEMON_REQUEST",
              message: err.message,
            },
          }),
      );
      this.running.add(work);
      void work.finally(() => {
        this.running.delete(work);
        sock.end();
      });
    });
  }

  private async dispatch(
    req: ControlRequest,
    out: (fd: 1 | 2, text: string) => void,
  ): Promise<ControlReply> {
    if (this.closing !== null && req.op !== "ping" && req.op !== "ps")
      throw new DaemonRequestError("the daemon is shutting down");
    switch (req.op) {
      case "ping":
        return { ok: true };
      case "ps":
        return { ok: true, status: this.status() };
      case "load":
        return { ok: true, app: await this.load(String(req.path), req.options ?? {}) };
      case "unload":
        return { ok: true, app: await this.unload(String(req.app)) };
      case "run":
        return { ok: true, result: await this.run(req.job, out) };
      default:
        throw new DaemonRequestError(`unknown op ${JSON.stringify((req as { op: unknown }).op)}`);
    }
  }

  /** Graceful stop: no new requests; running ones finish; then workers and socket go. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.options.log("shutting down: finishing running requests");
      this.control.close();
      const apps = [...this.apps.values()];
      this.apps.clear();
      await Promise.all(apps.map((l) => this.retire(l)));
      // Control requests in progress (an `airlock run`) finish too.
      while (this.running.size > 0) await Promise.race([...this.running]);
      await shutdownWorkers();
      rmSync(this.socket, { force: true });
      rmSync(join(this.options.dir, PID_NAME), { force: true });
      this.options.log("stopped");
      this.resolveClosed();
    })();
    return this.closing;
  }
}
