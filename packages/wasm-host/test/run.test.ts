import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createSandbox } from "../src/index.js";
import { run } from "./helpers.js";

describe("running code", () => {
  it("prints hello", async () => {
    const r = await run(`console.log("hello")`);
    expect(r).toMatchObject({ status: "ok", exitCode: 0, stdout: "hello\n", stderr: "" });
    expect(r.durationMs).toBeGreaterThan(0);
    expect(r.memory.peakBytes).toBeGreaterThanOrEqual(16 * 2 ** 20);
  });

  it("writes strings with NUL characters intact", async () => {
    const r = await run(`console.log("a\\0b"); process.stdout.write("c\\u0000")`);
    expect(r.stdout).toBe("a\0b\nc\0");
  });

  it("computes fib(25)", async () => {
    const r = await run(`function fib(n){return n<2?n:fib(n-1)+fib(n-2)} console.log(fib(25))`);
    expect(r.stdout).toBe("75025\n");
  });

  it("runs the 5,000-deep tail-call benchmark", async () => {
    const code = readFileSync("/work/shared/bench-programs/tail-call.js", "utf8");
    const r = await run(code);
    expect(r.status).toBe("ok");
    expect(r.stdout).toBe("tail-call total = 2500519900\n");
  });

  it("passes argv, env and stdin", async () => {
    const r = await run(
      `console.log(JSON.stringify(process.argv), process.env.A, process.env.HOME);
       process.stdin.setEncoding("utf8"); process.stdin.on("data", (d) => console.log("in:" + d));`,
      { filename: "/app/x.js", args: ["--n", "2"], env: { A: "1" }, stdin: "abc" },
    );
    expect(r.stdout).toBe(`["airlock","/app/x.js","--n","2"] 1 undefined\nin:abc\n`);
  });

  it("maps process.exit and process.exitCode to exit codes", async () => {
    expect(await run(`process.exit(0); console.log("no")`)).toMatchObject({
      status: "ok",
      exitCode: 0,
      stdout: "",
    });
    const three = await run(
      `function f(){ try { process.exit(3) } finally { console.log("finally") } } f(); console.log("after")`,
    );
    expect(three).toMatchObject({ status: "error", exitCode: 3, stdout: "" });
    expect(await run(`process.exitCode = 4`)).toMatchObject({ status: "error", exitCode: 4 });
    const exitEvent = await run(`process.on("exit", (c) => console.log("bye", c))`);
    expect(exitEvent.stdout).toBe("bye 0\n");
  });

  it("reports a thrown error like Node", async () => {
    const r = await run(`function f(){ throw new Error("boom") }\nf()`);
    expect(r.status).toBe("error");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^Uncaught Error: boom\n {4}at f \(main\.js:1:/);
    expect(r.error).toMatchObject({ code: "ERR_UNCAUGHT_EXCEPTION", message: "Error: boom" });
    expect(r.error?.stack).toMatch(/^Error: boom\n {4}at f/);
  });

  it("reports an error thrown in a timer and stops the loop", async () => {
    const r = await run(
      `setTimeout(() => { throw new TypeError("late") }, 5); setTimeout(() => console.log("never"), 50)`,
    );
    expect(r).toMatchObject({ status: "error", exitCode: 1, stdout: "" });
    expect(r.stderr).toContain("Uncaught TypeError: late");
  });

  it("reports an unhandled rejection, and not a handled one", async () => {
    const r = await run(`Promise.reject(new Error("nope"))`);
    expect(r).toMatchObject({ status: "error", exitCode: 1 });
    expect(r.error?.code).toBe("ERR_UNHANDLED_REJECTION");
    expect(r.stderr).toContain("Error: nope");
    const s = await run(`new Promise((_, rej) => rej("plain")).then(() => 1)`);
    expect(s.stderr).toContain("The promise rejected with the reason \"'plain'\"");
    const handled = await run(`Promise.reject(new Error("x")).catch(() => console.log("caught"))`);
    expect(handled).toMatchObject({ status: "ok", stdout: "caught\n" });
    const awaited = await run(
      `(async () => { try { await Promise.reject(1) } catch { console.log("ok") } })()`,
    );
    expect(awaited).toMatchObject({ status: "ok", stdout: "ok\n" });
  });

  it("runs ES modules with top-level await", async () => {
    const r = await run(
      `const v = await new Promise((r) => setTimeout(() => r(42), 10));\nconsole.log("v", v);\nexport {};`,
    );
    expect(r).toMatchObject({ status: "ok", stdout: "v 42\n" });
    const rejected = await run(`await Promise.reject(new Error("tla"))`, { type: "module" });
    expect(rejected).toMatchObject({ status: "error", exitCode: 1 });
    expect(rejected.stderr).toContain("Error: tla");
    const mjs = await run(`console.log(typeof this)`, { filename: "m.mjs" });
    expect(mjs.stdout).toBe("undefined\n");
  });

  it("orders nextTick, microtasks, timers and immediates like Node", async () => {
    const r = await run(`
      const log = (s) => console.log(s);
      setTimeout(() => log("timeout"), 0);
      setImmediate(() => log("immediate"));
      Promise.resolve().then(() => { log("micro"); process.nextTick(() => log("tick-in-micro")); });
      queueMicrotask(() => log("queueMicrotask"));
      process.nextTick(() => log("tick"));
      setTimeout(() => { log("t2"); setImmediate(() => log("imm-from-timer")); process.nextTick(() => log("tick-from-timer")); }, 50);
      setTimeout(() => log("t3"), 200);
      const iv = setInterval(() => { log("iv"); clearInterval(iv); }, 100);
      log("sync");`);
    expect(r.stdout.trim().split("\n")).toEqual([
      "sync",
      "tick",
      "micro",
      "queueMicrotask",
      "tick-in-micro",
      "timeout",
      "immediate",
      "t2",
      "tick-from-timer",
      "imm-from-timer",
      "iv",
      "t3",
    ]);
  });

  it("waits for timers in real time", async () => {
    const r = await run(
      `const t = Date.now(); setTimeout(() => console.log(Date.now() - t >= 45), 50)`,
    );
    expect(r.stdout).toBe("true\n");
    expect(r.durationMs).toBeGreaterThanOrEqual(45);
  });

  it("streams output chunks in order", async () => {
    const sb = await createSandbox();
    const s = sb.stream(
      `console.log("a"); console.error("b"); setTimeout(() => { console.log("c"); console.error("d") }, 5)`,
    );
    const seen: string[] = [];
    for await (const c of s) seen.push(`${c.stream}:${c.data}`);
    expect(seen).toEqual(["stdout:a\n", "stderr:b\n", "stdout:c\n", "stderr:d\n"]);
    const res = await s.result;
    expect(res).toMatchObject({ status: "ok", stdout: "a\nc\n", stderr: "b\nd\n" });
    const chunks: string[] = [];
    await sb.run(`for (let i = 0; i < 3; i++) setTimeout(() => console.log(i), i * 5)`, {
      onStdout: (c) => chunks.push(c),
    });
    expect(chunks).toEqual(["0\n", "1\n", "2\n"]);
    await sb.dispose();
  });
});

describe("isolation", () => {
  it("gives every run a fresh global scope", async () => {
    const sb = await createSandbox();
    await sb.run(`globalThis.leak = 1; var v = 2`);
    const r = await sb.run(`console.log(typeof leak, typeof v)`);
    expect(r.stdout).toBe("undefined undefined\n");
    await sb.dispose();
  });

  it("keeps state across runs with keepState", async () => {
    const sb = await createSandbox({ keepState: true });
    await sb.run(`globalThis.counter = 41`);
    const r = await sb.run(`console.log(++counter, process.argv[2])`, { args: ["x"] });
    expect(r.stdout).toBe("42 x\n");
    await sb.dispose();
  });

  it("reaches no host object through the constructor chain", async () => {
    const r = await run(`
      const p = this.constructor.constructor("return process")();
      console.log(p === process, typeof p.binding, typeof p.dlopen, typeof p.mainModule);
      console.log(typeof require, typeof module, typeof Buffer, typeof globalThis.__host);
      console.log(Object.getOwnPropertyNames(globalThis).filter((k) => /host|raw/i.test(k)).length);
      // The guest's require serves the guest's own builtins, never the host's.
      console.log(require("fs") === __airlockRequire("fs"), typeof require("fs").constants.O_NOFOLLOW);`);
    expect(r.stdout).toBe(
      "true undefined undefined undefined\nfunction undefined function undefined\n0\ntrue undefined\n",
    );
  });

  it("imports only the guest's builtins, never host modules", async () => {
    const ok = await run(
      `import fs from "node:fs"; try { fs.readFileSync("/etc/passwd") } catch (e) { console.log(e.code) }`,
    );
    expect(ok.stdout).toBe("ENOENT\n");
    const r = await run(`import x from "some-host-package"; console.log(typeof x)`);
    expect(r.status).toBe("error");
    expect(r.stdout).toBe("");
  });
});
