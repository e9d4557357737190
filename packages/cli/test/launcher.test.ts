// bin/airlock, the package's `airlock` command: which node flags it starts the CLI with.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BIN } from "./helpers.js";

const LAUNCHER = fileURLToPath(new URL("../bin/airlock", import.meta.url));
const FLAGS = readFileSync(BIN, "utf8")
  .split("\n")[0]!
  .split(" ")
  .filter((a) => a.startsWith("--"));

describe("bin/airlock", () => {
  it("passes airlock.js's #! flags, except to `run FILE` when a daemon's socket is there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-launcher-"));
    const state = join(dir, "state");
    // A stand-in for node that prints the arguments it was given, one per line.
    const fake = join(dir, "fake-node");
    writeFileSync(fake, '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
    const argsOf = (argv: string[], via = LAUNCHER, env: NodeJS.ProcessEnv = {}) =>
      spawnSync(via, argv, {
        encoding: "utf8",
        env: { ...process.env, AIRLOCK_NODE: fake, AIRLOCK_STATE_DIR: state, ...env },
      })
        .stdout.split("\n")
        .slice(0, -1);

    expect(FLAGS).toContain("--stack-size=6144");
    expect(argsOf(["run", "job.js", "a"])).toEqual([...FLAGS, BIN, "run", "job.js", "a"]);
    mkdirSync(state, { mode: 0o700 });
    const server = createServer();
    await new Promise<void>((r) => server.listen(join(state, "daemon.sock"), r));
    try {
      expect(argsOf(["run", "job.js", "a b"])).toEqual([BIN, "run", "job.js", "a b"]);
      // Only the plain form goes to the daemon as it is; everything else keeps the flags.
      expect(argsOf(["run", "--json", "job.js"])).toEqual([
        ...FLAGS,
        BIN,
        "run",
        "--json",
        "job.js",
      ]);
      expect(argsOf(["run"])).toEqual([...FLAGS, BIN, "run"]);
      expect(argsOf(["serve", "app.js"])).toEqual([...FLAGS, BIN, "serve", "app.js"]);
      // Found as stateDir() finds it: XDG_RUNTIME_DIR/airlock when AIRLOCK_STATE_DIR is unset.
      expect(
        argsOf(["run", "job.js"], LAUNCHER, { AIRLOCK_STATE_DIR: "", XDG_RUNTIME_DIR: dir }),
      ).toEqual([...FLAGS, BIN, "run", "job.js"]);
      symlinkSync(state, join(dir, "airlock"));
      expect(
        argsOf(["run", "job.js"], LAUNCHER, { AIRLOCK_STATE_DIR: "", XDG_RUNTIME_DIR: dir }),
      ).toEqual([BIN, "run", "job.js"]);
      // Called through a symlink, as npm links bins: airlock.js is found beside the real file.
      const link = join(dir, "airlock-link");
      symlinkSync(LAUNCHER, link);
      expect(argsOf(["run", "job.js"], link)).toEqual([BIN, "run", "job.js"]);
    } finally {
      server.close();
    }
  });

  it("runs a program with the real node, its exit code passed through", () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-launcher-"));
    const file = join(dir, "job.js");
    writeFileSync(file, 'console.log("from", process.argv[2]); process.exitCode = 3;');
    const r = spawnSync(LAUNCHER, ["run", file, "launcher"], {
      encoding: "utf8",
      env: { ...process.env, AIRLOCK_STATE_DIR: join(dir, "none") },
    });
    expect(r.stdout).toBe("from launcher\n");
    expect(r.status).toBe(3);
  });
});
