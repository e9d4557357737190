import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A real `redis-server` on 127.0.0.1, a random free port and a temp dir, with an append-only file so it can be restarted with its data. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** SIGTERM (Redis flushes its AOF and exits), then the same port and dir again. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let out = "";
    sock.setTimeout(1000, () => (sock.destroy(), resolve(false)));
    sock.on("error", () => resolve(false));
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => {
      out += d.toString();
      if (out.includes("\r\n")) {
        sock.destroy();
        resolve(out.startsWith("+PONG"));
      }
    });
  });
}

/** Starts redis-server, or fails saying how to install it (never skips silently). */
export async function startRedis(): Promise<TestRedis> {
  if (spawnSync("redis-server", ["--version"]).error) {
    throw new Error(
      "redis-server is not installed: run `scripts/ensure-apt redis-server` (Debian package redis-server)",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "airlock-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--protected-mode",
        "no",
        "--loglevel",
        "warning",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const until = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (Date.now() > until || child.exitCode !== null) {
        throw new Error(`redis-server did not start on port ${port}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart(downMs = 500) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const WORKER_BIN = join(root, "bin", "airlock-worker.js");

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far. */
  output(): string;
}

/** Spawns `bin/airlock-worker.js` and resolves once it logged that it is ready. */
export function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  if (!existsSync(join(root, "dist", "worker", "main.js"))) {
    throw new Error("apps/server/dist is missing: run `pnpm --filter @airlock/server build` first");
  }
  const child = spawn(process.execPath, [WORKER_BIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready in 30 s: ${out}`)), 30_000);
    const onData = () => {
      if (out.includes("airlock worker ready")) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        resolve({ child, pid: child.pid!, exited, output: () => out });
      }
    };
    child.stdout!.on("data", onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before it was ready: ${out}`));
    });
  });
}
