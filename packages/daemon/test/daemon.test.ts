// The daemon as a real detached child process (`ensureDaemon` starts dist/bin.js): control over
// the owner-only Unix socket, load/ps/run/unload, HTTP for a loaded app, and a graceful exit that
// lets a running request finish.
import { mkdtempSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DaemonClient, DaemonNotRunningError, ensureDaemon } from "../src/index.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), "airlock-daemon-"));
const dir = join(root, "state");
const client = new DaemonClient(dir);
afterAll(async () => {
  if (await client.alive().catch(() => false)) await client.exit();
  rmSync(root, { recursive: true, force: true });
});

const waitGone = async () => {
  for (let i = 0; i < 600 && (await client.alive().catch(() => false)); i++)
    await new Promise((r) => setTimeout(r, 50));
};

describe("daemon", () => {
  it("says no daemon before one is started", async () => {
    expect(await client.alive()).toBe(false);
    await expect(client.status()).rejects.toThrow(DaemonNotRunningError);
  });

  it("starts detached with an owner-only directory (0700) and socket (0600)", async () => {
    const { started } = await ensureDaemon(dir);
    expect(started).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const sock = statSync(join(dir, "daemon.sock"));
    expect(sock.isSocket()).toBe(true);
    expect(sock.mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, "daemon.log"))).toBe(true);
    // A second ensure finds it running.
    expect((await ensureDaemon(dir)).started).toBe(false);
  });

  it("loads an app, serves it over HTTP and reports it in ps", async () => {
    const app = await client.load(fixture("state.mjs"), { port: 0, poolSize: 2 });
    expect(app.name).toBe("state.mjs");
    expect(app.mode).toBe("app");
    const url = `http://127.0.0.1:${app.port}`;
    for (let i = 0; i < 3; i++)
      expect(await (await fetch(`${url}/`)).json()).toEqual({ count: 1, hits: 1 });
    const s = await client.status();
    expect(s.apps).toHaveLength(1);
    expect(s.apps[0]).toMatchObject({ name: "state.mjs", served: 3 });
    expect(s.apps[0]!.hits + s.apps[0]!.misses).toBe(3);
  });

  it("runs a program in its warm workers, streaming output", async () => {
    let out = "";
    const result = await client.run(
      {
        code: `console.log("argv", process.argv.slice(2).join(","), process.env.A); process.exitCode = 3;`,
        filename: "job.js",
        module: false,
        args: ["x", "y"],
        env: { A: "b" },
      },
      (fd, text) => (out += `${fd}:${text}`),
    );
    expect(out).toBe("1:argv x,y b\n");
    expect(result.exitCode).toBe(3);
    expect((await client.status()).runs).toBe(1);
  });

  it("refuses to unload an app it does not have", async () => {
    await expect(client.unload("nope.mjs")).rejects.toThrow(/not loaded/);
  });

  it("exits gracefully: a running request finishes, then the socket is gone", async () => {
    const app = (await client.status()).apps[0]!;
    const slow = fetch(`http://127.0.0.1:${app.port}/slow?ms=800`);
    await new Promise((r) => setTimeout(r, 200)); // the request is running
    await client.exit();
    const r = await slow;
    expect(r.status).toBe(200);
    await waitGone();
    expect(await client.alive()).toBe(false);
    expect(existsSync(join(dir, "daemon.sock"))).toBe(false);
  });
});
