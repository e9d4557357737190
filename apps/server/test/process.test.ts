import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(root, "bin", "airlock-server.js");
const dir = mkdtempSync(join(tmpdir(), "airlock-proc-"));
const children = new Set<ChildProcess>();

beforeAll(() => {
  if (!existsSync(join(root, "dist", "main.js"))) {
    throw new Error(
      "apps/server/dist is missing: run `pnpm --filter @airlock/server build` before these tests",
    );
  }
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `airlock-server` as a child process and resolves with its address once it listens. */
function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin], {
    env: { PATH: process.env.PATH ?? "", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"address":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${err}${out}`)));
  });
}

function exitOf(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
}

describe("airlock-server process", () => {
  it("a bad variable exits with status 2 and one line naming it", async () => {
    const child = spawn(process.execPath, [bin], {
      env: { PATH: process.env.PATH ?? "", PORT: "eighty", DATABASE_PATH: join(dir, "never.db") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const { code } = await exitOf(child);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^airlock-server: PORT: must be a whole number between 0 and 65535\n$/);
  });

  it("kill -9 under load loses no accepted execution: every id is in the audit after a restart", async () => {
    const db = join(dir, "crash.db");
    const env = { DATABASE_PATH: db, QUEUE_CONCURRENCY: "2", QUEUE_MAX_DEPTH: "500" };
    const first = await startChild(env);
    const accepted: string[] = [];
    const post = (body: unknown) =>
      fetch(`${first.url}/api/execute`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then(async (res) => {
        if (res.status === 200 || res.status === 202)
          accepted.push(((await res.json()) as { id: string }).id);
      });
    // Quick runs (some finish), slow runs (some are running or queued at the kill).
    const load: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const code = i % 3 === 0 ? "for(;;){}" : `console.log(${i})`;
      load.push(
        post({ code, timeout: 20_000, wait: i % 2 === 0 ? false : true }).catch(() => undefined),
      );
    }
    // Wait until a good share was accepted, then kill while the rest is in flight.
    const until = Date.now() + 15_000;
    while (accepted.length < 12 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const exited = exitOf(first.child);
    first.child.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");
    await Promise.allSettled(load);
    const acceptedAtKill = [...accepted];
    expect(acceptedAtKill.length).toBeGreaterThanOrEqual(12);

    const second = await startChild(env);
    const statuses: Record<string, number> = {};
    for (const id of acceptedAtKill) {
      const res = await fetch(`${second.url}/api/audit/execution/${id}`);
      expect(res.status, id).toBe(200);
      const row = (await res.json()) as { status: string };
      statuses[row.status] = (statuses[row.status] ?? 0) + 1;
      expect(["completed", "interrupted"]).toContain(row.status);
    }
    // The endless loops were still queued or running at the kill: the restart marked them.
    expect(statuses.interrupted).toBeGreaterThan(0);
    const stopped = exitOf(second.child);
    second.child.kill("SIGTERM");
    expect((await stopped).code).toBe(0);
  }, 45_000);
});
