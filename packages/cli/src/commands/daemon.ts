/**
 * `airlock up/down/exit/ps` (the daemon, over its owner-only Unix socket), `airlock serve` (one
 * app over HTTP in this process), and `airlock run`'s use of a running daemon. Only the light
 * client (`@airlock/daemon/client`) is loaded unless a command needs the engine here.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { AirlockConfig } from "@airlock/config";
import type { AppStats } from "@airlock/daemon/client";
import { parseDuration } from "../duration.js";
import { UsageError, type Io } from "../output.js";
import { configForRun } from "../run-config.js";

export interface UpFlags {
  port?: string;
  poolSize?: string;
  timeout?: string;
  config?: string;
  recycle?: boolean;
  freshMemory?: boolean;
}

export interface ServeFlags extends UpFlags {
  host?: string;
}

function int(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected an integer in ${min}..${max}`);
  return n;
}

/** Artifacts carry their own config: use it unless `--config` says otherwise. */
function isArtifactFile(path: string): boolean {
  try {
    const head = readFileSync(path).subarray(0, 8);
    return head.length === 8 && head[7] === 0 && head.subarray(0, 7).toString() === "AIRLOCK";
  } catch {
    throw new UsageError(`${path}: cannot read it`);
  }
}

async function appConfig(io: Io, path: string, flags: UpFlags): Promise<AirlockConfig | undefined> {
  if (flags.config === undefined && isArtifactFile(path)) return undefined;
  return await configForRun({ ...(flags.config ? { config: flags.config } : {}) }, io.cwd);
}

function describe(app: AppStats): string {
  const mode =
    app.mode === "app"
      ? "snapshot after top level"
      : app.mode === "prelude"
        ? `prelude-only snapshot: ${app.reason ?? "app snapshot not safe"}`
        : "pool filling";
  return `${app.name}: ${app.ready}/${app.poolSize} ready (${mode})${app.port !== undefined ? `, http://127.0.0.1:${app.port}` : ""}`;
}

/** `airlock up <app>`: starts the daemon if needed (detached, log in the state dir) and loads the app. */
export async function upCommand(io: Io, file: string, flags: UpFlags): Promise<number> {
  const path = resolve(io.cwd, file);
  const config = await appConfig(io, path, flags);
  const { ensureDaemon } = await import("@airlock/daemon/client");
  const { client, started } = await ensureDaemon();
  if (started) io.stderr(`airlock: daemon started (${client.dir})\n`);
  const app = await client.load(path, {
    ...(config ? { config } : {}),
    ...(flags.port !== undefined ? { port: int("--port", flags.port, 0, 65535) } : {}),
    ...(flags.poolSize !== undefined
      ? { poolSize: int("--pool-size", flags.poolSize, 0, 4096) }
      : {}),
    ...(flags.timeout !== undefined
      ? { timeoutMs: parseDuration("--timeout", flags.timeout) }
      : {}),
    ...(flags.freshMemory ? { recycle: false } : {}),
  });
  io.stdout(`loaded ${describe(app)}\n`);
  return 0;
}

/** `airlock down <app>`: unloads an app (by name or path) after its running requests. */
export async function downCommand(io: Io, app: string): Promise<number> {
  const { DaemonClient } = await import("@airlock/daemon/client");
  const client = new DaemonClient();
  const byPath = resolve(io.cwd, app);
  let stats: AppStats;
  try {
    stats = await client.unload(app);
  } catch (err) {
    if ((err as { code?: string }).code !== "AIRLOCK_DAEMON_REQUEST" || byPath === app) throw err;
    stats = await client.unload(byPath);
  }
  io.stdout(`unloaded ${stats.name} (served ${stats.served})\n`);
  return 0;
}

/** `airlock exit`: the daemon finishes running requests and stops; waits until it has. */
export async function exitCommand(io: Io): Promise<number> {
  const { DaemonClient } = await import("@airlock/daemon/client");
  const client = new DaemonClient();
  if (!(await client.alive())) {
    io.stdout("no daemon running\n");
    return 0;
  }
  await client.exit();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && (await client.alive().catch(() => false)))
    await new Promise((r) => setTimeout(r, 50));
  io.stdout("daemon stopped\n");
  return 0;
}

/** `airlock ps`: what the daemon has loaded, pool fill, counts. */
export async function psCommand(io: Io, flags: { json?: boolean }): Promise<number> {
  const { DaemonClient } = await import("@airlock/daemon/client");
  const client = new DaemonClient();
  if (!(await client.alive())) {
    io.stdout(flags.json ? "null\n" : "no daemon running\n");
    return 0;
  }
  const s = await client.status();
  if (flags.json) {
    io.stdout(JSON.stringify(s, null, 2) + "\n");
    return 0;
  }
  io.stdout(`daemon pid ${s.pid}, up since ${s.startedAt}, ${s.workers} workers, ${s.runs} runs\n`);
  if (s.apps.length === 0) io.stdout("no apps loaded\n");
  for (const a of s.apps) {
    io.stdout(
      `${describe(a)}\n  served ${a.served}, hits ${a.hits}, misses ${a.misses}, errors ${a.errors}, 429 ${a.rejected}, limits ${a.limitTerminations}, in flight ${a.inflight}\n`,
    );
  }
  return 0;
}

/** `airlock serve <app>`: HTTP in the foreground until SIGINT/SIGTERM (then a graceful stop). */
export async function serveCommand(io: Io, file: string, flags: ServeFlags): Promise<number> {
  const path = resolve(io.cwd, file);
  const config = await appConfig(io, path, flags);
  const { serveApp } = await import("@airlock/daemon");
  const serving = await serveApp(path, {
    ...(config ? { config } : {}),
    ...(flags.port !== undefined ? { port: int("--port", flags.port, 0, 65535) } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.poolSize !== undefined
      ? { poolSize: int("--pool-size", flags.poolSize, 0, 4096) }
      : {}),
    ...(flags.timeout !== undefined
      ? { timeoutMs: parseDuration("--timeout", flags.timeout) }
      : {}),
    ...(flags.freshMemory ? { recycle: false } : {}),
    log: (line) => io.stderr(`airlock: ${line}\n`),
  });
  io.stdout(`serving ${file} on ${serving.url}\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      done();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await serving.close();
  return 0;
}
