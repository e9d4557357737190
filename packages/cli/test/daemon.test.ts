// `airlock up/ps/down/exit/serve` and `airlock run` through a daemon, as real child processes of
// the built binary (needs `pnpm build`), with a private state directory.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SERVER_NODE_FLAGS } from "@airlock/daemon/client";
import { BIN } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "airlock-cli-daemon-"));
const env: NodeJS.ProcessEnv = { ...process.env, AIRLOCK_STATE_DIR: join(root, "state") };
const app = join(root, "hello.mjs");
writeFileSync(
  app,
  `let n = 0; export default { fetch(req) { n++; return new Response("hi " + new URL(req.url).pathname + " " + n); } };`,
);
const script = join(root, "job.js");
writeFileSync(script, `console.log("job", process.argv.slice(2).join(" ")); process.exitCode = 4;`);

const cli = (argv: string[], cwd?: string) => {
  const r = spawnSync(process.execPath, [BIN, ...argv], {
    env,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 32 << 20, // an output flood: up to the output limit (10 MiB by default)
    ...(cwd ? { cwd } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const runs = () => (JSON.parse(cli(["ps", "--json"]).stdout) as { runs: number } | null)?.runs;

afterAll(() => {
  cli(["exit"]);
  rmSync(root, { recursive: true, force: true });
});

describe("airlock up / ps / run / down / exit", () => {
  it("ps and exit with no daemon say so", () => {
    expect(cli(["ps"]).stdout).toBe("no daemon running\n");
    expect(cli(["exit"]).stdout).toBe("no daemon running\n");
  });

  let port = 0;
  it("up starts the daemon detached and preloads the app", async () => {
    const r = cli(["up", app, "--port", "0", "--pool-size", "2"]);
    expect(r.stderr).toContain("daemon started");
    expect(r.code).toBe(0);
    const m =
      /loaded hello\.mjs: \d+\/\d+ ready \(snapshot after top level\), http:\/\/127\.0\.0\.1:(\d+)/.exec(
        r.stdout,
      );
    expect(m).not.toBeNull();
    port = Number(m![1]);
    expect(statSync(join(root, "state")).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, "state", "daemon.sock")).mode & 0o777).toBe(0o600);
    for (const path of ["/a", "/b"]) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(await res.text()).toBe(`hi ${path} 1`);
    }
    const ps = cli(["ps"]).stdout;
    expect(ps).toMatch(/hello\.mjs: \d+\/2 ready/);
    expect(ps).toContain("served 2");
  });

  it("the daemon and the binary run node with the server GC flags", () => {
    const pid = (JSON.parse(cli(["ps", "--json"]).stdout) as { pid: number }).pid;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    for (const flag of SERVER_NODE_FLAGS) expect(argv).toContain(flag);
    // `airlock serve` runs in the binary's own process: its #! line must carry them too.
    const shebang = readFileSync(BIN, "utf8").split("\n")[0]!.split(" ");
    for (const flag of SERVER_NODE_FLAGS) expect(shebang).toContain(flag);
  });

  it("run uses the daemon when one is up, and --no-daemon runs in-process", () => {
    const before = runs();
    const r = cli(["run", script, "a", "b"]);
    expect(r.stdout).toBe("job a b\n");
    expect(r.code).toBe(4);
    expect(runs()).toBe(before! + 1);
    const local = cli(["run", "--no-daemon", script, "c"]);
    expect(local.stdout).toBe("job c\n");
    expect(local.code).toBe(4);
    expect(runs()).toBe(before! + 1);
  });

  it("run's fast path (straight to the daemon) and the full command agree", () => {
    // `run FILE args` takes the fast path; a flag before the file (one that changes nothing the
    // program sees) makes the full CLI parse the command line, and the same daemon runs it.
    // Output, limit line and exit code match.
    const flood = join(root, "flood.js");
    writeFileSync(
      flood,
      `console.log("start", process.argv.slice(2).join(" ")); for (;;) console.log("x".repeat(1000));`,
    );
    // Artifacts too: one built here, and one whose bytes do not match its hashes.
    const built = join(root, "job.airlock");
    expect(cli(["build", script, "-o", built]).code).toBe(0);
    const corrupt = join(root, "corrupt.airlock");
    const bytes = readFileSync(built);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 1;
    writeFileSync(corrupt, bytes);
    for (const [file, args] of [
      [script, ["a", "b"]],
      [flood, ["c"]],
      [built, ["d"]],
    ] as const) {
      const before = runs()!;
      const fast = cli(["run", file, ...args]);
      const full = cli(["run", "--allow-env", "AIRLOCK_TEST_NEVER_SET", file, ...args]);
      expect(runs()).toBe(before + 2);
      expect(fast).toEqual(full);
    }
    const bad = cli(["run", corrupt]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^airlock: /);
    expect(bad).toEqual(cli(["run", "--allow-env", "AIRLOCK_TEST_NEVER_SET", corrupt]));
    const limited = cli(["run", flood]);
    expect(limited.code).toBe(125);
    expect(limited.stderr).toMatch(/^airlock: output limit: /);
  }, 30_000); // a dozen CLI processes, three of them 10 MiB output floods

  it("run's fast path takes only the plain case (in-process: taken = an exit code)", async () => {
    const before = runs()!;
    const { fastRun } = await import("../src/fast-run.js");
    const io = (cwd = root) => {
      const out: string[] = [];
      return {
        out,
        stdout: (t: string) => out.push(t),
        stderr: () => undefined,
        cwd,
        isTTY: false,
      };
    };
    const saved = process.env.AIRLOCK_STATE_DIR;
    process.env.AIRLOCK_STATE_DIR = env.AIRLOCK_STATE_DIR;
    try {
      const plain = io();
      expect(await fastRun(["run", script, "x"], plain)).toBe(4);
      expect(plain.out.join("")).toBe("job x\n");
      expect(runs()).toBe(before + 1); // the daemon ran it
      const art = io();
      expect(await fastRun(["run", join(root, "job.airlock"), "z"], art)).toBe(4);
      expect(art.out.join("")).toBe("job z\n");
      const cfg = mkdtempSync(join(root, "gate-"));
      writeFileSync(join(cfg, "airlock.json"), "{}");
      // An artifact with an embedded config: the full command applies it.
      const artifact = join(cfg, "embedded.airlock");
      expect(cli(["build", script, "-c", join(cfg, "airlock.json"), "-o", artifact]).code).toBe(0);
      for (const [argv, cwd] of [
        [["run", "--timeout", "1s", script], root],
        [["run", "-", "x"], root],
        [["run", script], cfg],
        [["run", artifact], root],
        [["run", join(root, "missing.js")], root],
        [["ps"], root],
      ] as const) {
        expect(await fastRun(argv, io(cwd)), argv.join(" ")).toBeUndefined();
      }
      // No daemon: the plain case runs here (same output and exit code).
      process.env.AIRLOCK_STATE_DIR = join(root, "no-daemon-here");
      const here = io();
      expect(await fastRun(["run", script, "y"], here)).toBe(4);
      expect(here.out.join("")).toBe("job y\n");
    } finally {
      if (saved === undefined) delete process.env.AIRLOCK_STATE_DIR;
      else process.env.AIRLOCK_STATE_DIR = saved;
    }
  });

  it("run takes the full path where a config file applies, and for artifacts and missing files", () => {
    const dir = mkdtempSync(join(root, "cfg-"));
    writeFileSync(join(dir, "airlock.json"), JSON.stringify({ env: ["AIRLOCK_TEST_PASSED"] }));
    const show = join(dir, "show.js");
    writeFileSync(show, `console.log(process.env.AIRLOCK_TEST_PASSED ?? "unset")`);
    env.AIRLOCK_TEST_PASSED = "yes";
    try {
      expect(cli(["run", show], dir).stdout).toBe("yes\n");
      expect(cli(["run", show]).stdout).toBe("unset\n"); // no config file here: not passed
    } finally {
      delete env.AIRLOCK_TEST_PASSED;
    }
    const missing = cli(["run", join(dir, "nope.js")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
  });

  it("up --fresh-memory gives an app a new memory per request; ps says which", () => {
    const fresh = join(root, "fresh.mjs");
    writeFileSync(fresh, `export default { fetch() { return new Response("fresh"); } };`);
    expect(cli(["up", fresh, "--pool-size", "1", "--fresh-memory"]).code).toBe(0);
    const apps = (
      JSON.parse(cli(["ps", "--json"]).stdout) as { apps: { name: string; recycle: boolean }[] }
    ).apps;
    expect(apps.find((a) => a.name === "fresh.mjs")?.recycle).toBe(false);
    expect(apps.find((a) => a.name === "hello.mjs")?.recycle).toBe(true);
    expect(cli(["down", "fresh.mjs"]).code).toBe(0);
  });

  it("down unloads the app and refuses an unknown one", async () => {
    expect(cli(["down", "hello.mjs"]).stdout).toContain("unloaded hello.mjs");
    expect(cli(["ps"]).stdout).toContain("no apps loaded");
    const r = cli(["down", "hello.mjs"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("not loaded");
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it("exit stops the daemon; run then falls back silently", () => {
    expect(cli(["exit"]).stdout).toBe("daemon stopped\n");
    expect(cli(["ps"]).stdout).toBe("no daemon running\n");
    const r = cli(["run", script]);
    expect(r.stdout).toBe("job \n");
    expect(r.stderr).toBe("");
    // Here too the fast path (`run FILE`) and the full command agree.
    const flood = join(root, "flood.js");
    for (const args of [[script, "a"], [flood]]) {
      expect(cli(["run", ...args])).toEqual(cli(["run", "--no-daemon", ...args]));
    }
  });
});

describe("airlock serve", () => {
  it("serves HTTP in the foreground and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "serve", app, "--port", "0", "--pool-size", "1"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (t: string) => {
        out += t;
        const m = /on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then(() => reject(new Error(`serve exited early: ${out}`)));
    });
    expect(await (await fetch(`${url}/x`)).text()).toBe("hi /x 1");
    expect(await (await fetch(`${url}/x`)).text()).toBe("hi /x 1");
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("rejects a bad --port", () => {
    const r = cli(["serve", app, "--port", "http"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--port");
  });
});
