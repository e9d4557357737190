/**
 * Capabilities through the real components: host temp dirs via @airlock/vfs, a local HTTP server
 * via @airlock/netpolicy, commands under bubblewrap. Each deny sits beside its allow.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveConfig, type AirlockConfig } from "@airlock/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, shutdownWorkers, type RunResult } from "../src/index.js";

let root: string;
let granted: string;
let outside: string;
let server: Server;
let base: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "airlock-caps-"));
  granted = join(root, "granted");
  outside = join(root, "outside");
  mkdirSync(granted);
  mkdirSync(outside);
  writeFileSync(join(granted, "in.txt"), "granted content");
  writeFileSync(join(granted, "lib.js"), "module.exports = { twice: (x) => x * 2 };");
  writeFileSync(join(granted, "data.json"), '{"k": [1, 2]}');
  writeFileSync(join(outside, "secret.txt"), "host secret");
  server = createServer((req, res) => {
    if (req.url === "/redirect") {
      res.writeHead(302, { location: "http://127.0.0.2:9/denied" });
      res.end();
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ path: req.url, method: req.method }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  base = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  server.close();
  rmSync(root, { recursive: true, force: true });
  await shutdownWorkers();
});

function config(extra: Record<string, unknown> = {}): AirlockConfig {
  return resolveConfig({
    dirs: [{ path: granted, read: true, write: true }],
    allowedUrls: [`${base}/**`],
    allowCommands: ["cat", "echo", "sleep", "sh"],
    commands: { git: ["status"] },
    ...extra,
  });
}

async function runIn(
  cfg: AirlockConfig,
  code: string,
  env: Record<string, string> = {},
): Promise<RunResult> {
  const box = await createSandbox({ config: cfg, limits: { timeoutMs: 10_000 } });
  try {
    return await box.run(code, { filename: join(granted, "main.js"), env });
  } finally {
    await box.dispose();
  }
}

describe("fs through the vfs", () => {
  it("reads and writes granted dirs; cwd is the first grant; require loads files and JSON", async () => {
    const r = await runIn(
      config(),
      `const fs = require("fs");
       console.log(process.cwd() === ${JSON.stringify(granted)});
       console.log(fs.readFileSync("in.txt", "utf8"));
       fs.writeFileSync(${JSON.stringify(join(granted, "out.txt"))}, "written");
       console.log(require("./lib").twice(21), require("./data.json").k[1]);`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true\ngranted content\n42 2\n");
    expect(readFileSync(join(granted, "out.txt"), "utf8")).toBe("written");
  });

  it("denies .., absolute paths outside, and symlinks pointing out", async () => {
    symlinkSync(join(outside, "secret.txt"), join(granted, "link-out"));
    const r = await runIn(
      config(),
      `const fs = require("fs");
       for (const p of ["../outside/secret.txt", ${JSON.stringify(join(outside, "secret.txt"))}, "link-out", "/etc/passwd"]) {
         try { fs.readFileSync(p, "utf8"); console.log("READ", p) } catch (e) { console.log(e.code) }
       }
       try { require("../outside/secret.txt") } catch (e) { console.log(e.code) }`,
    );
    expect(r.stdout).toBe("ENOENT\nENOENT\nEACCES\nENOENT\nMODULE_NOT_FOUND\n");
    expect(r.stdout).not.toContain("host secret");
  });

  it("without grants every host path is refused; /tmp is private memory", async () => {
    const r = await runIn(
      resolveConfig({}),
      `const fs = require("fs");
       try { fs.readFileSync(${JSON.stringify(join(granted, "in.txt"))}) } catch (e) { console.log(e.code) }
       fs.writeFileSync("/tmp/x", "mem"); console.log(fs.readFileSync("/tmp/x", "utf8"), process.cwd());`,
    );
    expect(r.stdout).toBe("ENOENT\nmem /\n");
  });

  it("read-only grants refuse writes", async () => {
    const r = await runIn(
      config({ dirs: [{ path: granted, read: true, write: false }] }),
      `try { require("fs").writeFileSync("ro.txt", "x") } catch (e) { console.log(e.code) }`,
    );
    expect(r.stdout).toMatch(/^(EACCES|EROFS)\n$/);
  });

  it("module errors never name where Airlock is installed", async () => {
    const r = await runIn(config(), `require("./missing-module")`);
    expect(r.status).toBe("error");
    expect(r.stderr).toContain("Cannot find module './missing-module'");
    expect(r.stderr).not.toContain("wasm-host");
    expect(r.stderr).not.toContain("node_modules");
  });
});

describe("fetch through netpolicy", () => {
  it("fetches an allowed URL and refuses blocked, private and redirected-to-denied ones", async () => {
    const r = await runIn(
      config({ blockedUrls: [`${base}/blocked/**`] }),
      `const show = (p) => p.then((res) => res.json()).then((j) => console.log("ok", j.path), (e) => console.log(e.name, e.message, e.cause.code, /blockedUrls|default-deny|private|loopback/.test(e.cause.message)));
       (async () => {
         await show(fetch(${JSON.stringify(`${base}/hello`)}));
         await show(fetch(${JSON.stringify(`${base}/blocked/x`)}));
         await show(fetch("http://10.0.0.1/"));
         await show(fetch(${JSON.stringify(`${base}/redirect`)}));
       })();`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      [
        "ok /hello",
        "TypeError fetch failed ERR_AIRLOCK_EGRESS_DENIED true",
        "TypeError fetch failed ERR_AIRLOCK_EGRESS_DENIED true",
        "TypeError fetch failed ERR_AIRLOCK_EGRESS_DENIED true",
        "",
      ].join("\n"),
    );
  });

  it("without allowedUrls every fetch is denied", async () => {
    const r = await runIn(
      config({ allowedUrls: [] }),
      `fetch(${JSON.stringify(base)}).catch((e) => console.log(e.cause.code))`,
    );
    expect(r.stdout).toBe("ERR_AIRLOCK_EGRESS_DENIED\n");
  });
});

describe("child_process under bubblewrap", () => {
  it("runs an allowed command and refuses denied ones", async () => {
    const r = await runIn(
      config(),
      `const cp = require("child_process");
       console.log(cp.execFileSync("cat", ["in.txt"], { encoding: "utf8" }));
       const tryIt = (f) => { try { f(); console.log("RAN") } catch (e) { console.log(e.code) } };
       tryIt(() => cp.execFileSync("ls", ["/"]));
       tryIt(() => cp.execFileSync("git", ["-c", "core.sshCommand=sh", "status"]));
       tryIt(() => cp.execFileSync("env", ["X=1", "sh"]));
       tryIt(() => cp.execFileSync("/usr/bin/../bin/cat", ["in.txt"]));
       tryIt(() => cp.execFileSync("./cat", []));`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      "granted content\nERR_AIRLOCK_COMMAND_DENIED\nERR_AIRLOCK_COMMAND_DENIED\nERR_AIRLOCK_COMMAND_DENIED\nRAN\nERR_AIRLOCK_COMMAND_DENIED\n",
    );
  });

  it("needs a shell grant for command strings; /usr/bin/../bin/sh is still sh", async () => {
    const noShell = config({ allowCommands: ["cat"] });
    const r = await runIn(
      noShell,
      `const cp = require("child_process");
       for (const f of [() => cp.execSync("cat in.txt"), () => cp.execFileSync("sh", ["-c", "id"]), () => cp.execFileSync("/usr/bin/../bin/sh", ["-c", "id"])]) {
         try { f(); console.log("RAN") } catch (e) { console.log(e.code) }
       }`,
    );
    expect(r.stdout).toBe(
      "ERR_AIRLOCK_SHELL_DENIED\nERR_AIRLOCK_COMMAND_DENIED\nERR_AIRLOCK_COMMAND_DENIED\n",
    );
    const ok = await runIn(
      config(),
      `console.log(require("child_process").execSync("echo $((6*7))", { encoding: "utf8" }).trim())`,
    );
    expect(ok.stdout).toBe("42\n");
  });

  it("gives the child only the allowed env, never the host's", async () => {
    process.env.AIRLOCK_TEST_HOST_SECRET = "hunter2";
    try {
      const r = await runIn(
        config(),
        `console.log(require("child_process").execSync("echo [$AIRLOCK_TEST_HOST_SECRET] [$VISIBLE]", { encoding: "utf8" }).trim())`,
        { VISIBLE: "yes" },
      );
      expect(r.stdout).toBe("[] [yes]\n");
    } finally {
      delete process.env.AIRLOCK_TEST_HOST_SECRET;
    }
  });

  it("kills a child and its sleeping grandchild at the deadline", async () => {
    const marker = `airlock-grandchild-${process.pid}-${Date.now()}`;
    const box = await createSandbox({ config: config(), limits: { timeoutMs: 1_500 } });
    const started = Date.now();
    const r = await box.run(
      `require("child_process").spawnSync("sh", ["-c", "sh -c 'exec sleep 30 ${marker}' & sleep 30"]); console.log("after")`,
      { filename: join(granted, "main.js") },
    );
    await box.dispose();
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(r.status === "timeout" || r.stdout === "after\n").toBe(true);
    // Give the kernel a moment to tear down the pid namespace, then look for survivors.
    let left = "";
    for (let i = 0; i < 20; i++) {
      left = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.includes(marker) && !l.includes("ps -eo"))
        .join("\n");
      if (left === "") break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(left).toBe("");
  });

  // Failed once in a clean-clone CI run under load with empty stdout (not reproduced in 10 runs since);
  // one retry, and the assertion now prints status and stderr so a recurrence can be diagnosed.
  it("async spawn delivers output and exit", { retry: 1 }, async () => {
    const r = await runIn(
      config(),
      `const c = require("child_process").spawn("cat", ["in.txt"]);
       let out = ""; c.stdout.on("data", (d) => (out += d));
       c.on("close", (code) => console.log(code, out));
       require("child_process").exec("ls", (e) => console.log("exec", e.code));`,
      {},
    );
    expect(r.stdout, `status=${r.status} stderr=${r.stderr}`).toContain("0 granted content\n");
  });
});

describe("issue 4 done-when: one script through the library and the CLI", () => {
  const script = (base: string) => `
    const fs = require("fs");
    const cp = require("child_process");
    (async () => {
      console.log("read:", fs.readFileSync("in.txt", "utf8"));
      fs.writeFileSync("e2e-out.txt", "from the sandbox");
      const res = await fetch("${base}/e2e");
      console.log("fetch:", (await res.json()).path);
      await fetch("http://example.invalid.test/").catch((e) => console.log("blocked:", e.cause.code));
      console.log("spawn:", cp.execFileSync("cat", ["e2e-out.txt"], { encoding: "utf8" }));
      try { cp.execFileSync("rm", ["-rf", "."]); } catch (e) { console.log("denied:", e.code); }
    })();`;
  const expected =
    "read: granted content\nfetch: /e2e\nblocked: ERR_AIRLOCK_EGRESS_DENIED\nspawn: from the sandbox\ndenied: ERR_AIRLOCK_COMMAND_DENIED\n";

  it("works through createSandbox({ config })", async () => {
    const r = await runIn(config(), script(base));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(expected);
  });

  it("works through `airlock run --config`", async () => {
    rmSync(join(granted, "e2e-out.txt"), { force: true });
    const cfgFile = join(root, "airlock.json");
    writeFileSync(
      cfgFile,
      JSON.stringify({
        dirs: [{ path: granted, read: true, write: true }],
        allowedUrls: [`${base}/**`],
        allowCommands: ["cat"],
      }),
    );
    writeFileSync(join(granted, "script.js"), script(base));
    const cli = new URL("../../cli/bin/airlock.js", import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, "run", "--config", cfgFile, "script.js"],
      { cwd: granted, encoding: "utf8" },
    );
    expect(stdout).toBe(expected);
  });
});
