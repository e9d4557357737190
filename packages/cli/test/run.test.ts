import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, runBin } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "airlock-run-"));
function program(name: string, code: string): string {
  const p = join(dir, name);
  writeFileSync(p, code);
  return p;
}

describe("airlock run", () => {
  it("runs hello with args and passes the exit code through", () => {
    const p = program(
      "hello.js",
      "console.log('hello', process.argv.slice(2).join(',')); process.exitCode = 3;",
    );
    const r = runBin(["run", p, "a", "--b"]);
    expect(r.stdout).toBe("hello a,--b\n");
    expect(r.code).toBe(3);
  });

  it("fib(25)", () => {
    const p = program(
      "fib.js",
      "const f = (n) => (n < 2 ? n : f(n - 1) + f(n - 2)); console.log(f(25));",
    );
    const r = runBin(["run", p]);
    expect(r.stdout).toBe("75025\n");
    expect(r.code).toBe(0);
  });

  it("an infinite loop under --timeout 500 exits 124 with one line", () => {
    const p = program("loop.js", "for (;;) {}");
    const t0 = Date.now();
    const r = runBin(["run", "--timeout", "500", p]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/^airlock: timeout: .+\n$/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("a memory bomb under --memory 32mb exits 137", () => {
    const p = program("bomb.js", "const a = []; for (;;) a.push(new Array(1000).fill(1));");
    const r = runBin(["run", "--memory", "32mb", p]);
    expect(r.code).toBe(137);
    expect(r.stderr).toMatch(/^airlock: out of memory: .+\n$/m);
  });

  it("a stack overflow is an uncaught RangeError: exit 1 with the message", () => {
    const p = program("stack.js", "function f(n) { return f(n + 1) + 1; } f(0);");
    const r = runBin(["run", p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/RangeError/);
    expect(r.stderr).toMatch(/stack/i);
  });

  it("an output flood exits 125", () => {
    const p = program("flood.js", "for (;;) console.log('x'.repeat(1000));");
    const r = runBin(["run", "--max-output", "64kb", p]);
    expect(r.code).toBe(125);
    expect(r.stdout.length).toBeLessThanOrEqual(64 * 1024 + 1024);
    expect(r.stderr).toMatch(/^airlock: output limit: /m);
  });

  it("a thrown error prints like node and exits 1", () => {
    const p = program("throw.js", "function go() { throw new Error('boom'); }\ngo();");
    const r = runBin(["run", p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: boom/);
    expect(r.stderr).toMatch(/go/); // the stack names the function
  });

  it("--json prints the result object", () => {
    const p = program("json.js", "console.log('out'); console.error('err');");
    const r = runBin(["run", "--json", p]);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ status: "ok", exitCode: 0, stdout: "out\n", stderr: "err\n" });
    expect(typeof result.durationMs).toBe("number");
  });

  it("reads the program from stdin with -", () => {
    const r = runBin(["run", "-"], { input: "console.log(1 + 1)" });
    expect(r.stdout).toBe("2\n");
  });

  it("bad flags and missing files are one-line usage errors", () => {
    expect(runBin(["run", "--timeout", "soon", program("x.js", "")])).toMatchObject({ code: 2 });
    const missing = runBin(["run", join(dir, "missing.js")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^airlock: .*missing\.js: no such file\n$/);
    const badMem = runBin(["run", "--memory", "lots", program("y.js", "")]);
    expect(badMem.code).toBe(2);
    expect(badMem.stderr).toMatch(/--memory/);
    // A size the engine cannot give: the config rule names the field, as for a config file.
    const hugeMem = runBin(["run", "--memory", "5gb", program("z.js", "")]);
    expect(hugeMem.code).toBe(2);
    expect(hugeMem.stderr).toMatch(/^airlock: runtime\.heap_size: must be at most 2032mb/m);
  });

  it("the host environment is invisible unless granted", () => {
    const p = program("env.js", "console.log(JSON.stringify(process.env))");
    const r = runBin(["run", p]);
    expect(r.stdout).not.toContain("PATH");
    const granted = runBin(["run", "--allow-env", "HOME", p]);
    expect(JSON.parse(granted.stdout).HOME).toBe(process.env.HOME);
  });

  it("a plain run loads none of the node builtins it does not use", () => {
    // Under the #! line's V8 flags node compiles every builtin it loads from source: node:crypto,
    // node:net, node:worker_threads, node:v8, node:zlib, perf_hooks (the `performance` global)
    // and the stream modules (process.stdout) each cost a cold start milliseconds, and
    // `airlock run hello.js` (no daemon, no artifact, no fetch) needs none of them.
    const work = mkdtempSync(join(tmpdir(), "airlock-builtins-"));
    const loaded = join(work, "loaded.txt");
    const hook = join(work, "hook.cjs");
    writeFileSync(
      hook,
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join("\\n")));`,
    );
    const flags = readFileSync(BIN, "utf8")
      .split("\n")[0]!
      .split(" ")
      .filter((a) => a.startsWith("--"));
    // Output to files: node writes to a pipe through node:net.
    const out = join(work, "out.txt");
    const fd = openSync(out, "w");
    const err = join(work, "err.txt");
    const errFd = openSync(err, "w");
    const r = spawnSync(
      process.execPath,
      [...flags, "-r", hook, BIN, "run", program("hi.js", 'console.log("hi")')],
      {
        cwd: work,
        stdio: ["ignore", fd, errFd],
        // No daemon to hand the run to: it runs here.
        env: { ...process.env, AIRLOCK_STATE_DIR: join(work, "state") },
      },
    );
    closeSync(fd);
    closeSync(errFd);
    expect(readFileSync(err, "utf8")).toBe("");
    expect(readFileSync(out, "utf8")).toBe("hi\n");
    expect(r.status).toBe(0);
    const modules = readFileSync(loaded, "utf8").split("\n");
    expect(modules).toContain("NativeModule fs"); // the hook worked
    const unused = [
      "crypto",
      "net",
      "worker_threads",
      "v8",
      "zlib",
      "child_process",
      "perf_hooks",
      "stream",
    ];
    for (const name of unused) {
      expect(modules, name).not.toContain(`NativeModule ${name}`);
    }
  });

  it("writes all output, in order, into a slow pipe, and stops quietly when the reader goes", () => {
    // The fast path writes with writeSync: a reader that falls behind blocks the writer (node
    // makes its stdio blocking at start), nothing is lost or reordered.
    const lines = 50_000;
    const big = program("big.js", `for (let i = 0; i < ${lines}; i++) console.log("line " + i);`);
    const sh = (cmd: string) => spawnSync("sh", ["-c", cmd], { encoding: "utf8", timeout: 60_000 });
    const slow = sh(`${JSON.stringify(BIN)} run ${JSON.stringify(big)} | (sleep 0.5; cat)`);
    expect(slow.stderr).toBe("");
    const out = slow.stdout.split("\n");
    expect(out).toHaveLength(lines + 1);
    expect(out.every((l, i) => i === lines || l === `line ${i}`)).toBe(true);
    // The reader goes away after one line: no error, no stack.
    const head = sh(`${JSON.stringify(BIN)} run ${JSON.stringify(big)} | head -n 1`);
    expect(head.stdout).toBe("line 0\n");
    expect(head.stderr).toBe("");
  }, 60_000);
});
