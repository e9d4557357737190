import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyze, compile } from "@airlock/freeze";
import { describe, expect, it } from "vitest";
import {
  build,
  decodeArtifact,
  isArtifact,
  readArtifact,
  type BuildProgress,
} from "../src/index.js";
import { planLink } from "../src/link.js";
import { app, runBundle } from "./helpers.js";

const FIB = `export function fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }\n`;

function multiFileApp(): string {
  return app({
    "package.json": JSON.stringify({ name: "demo-app", main: "src/main.js" }),
    "src/main.js": `#!/usr/bin/env node
import { readFileSync } from "node:fs";
import path from "path";
import { fib } from "./fib.js";
import pad from "left-pad-lite";
const n = Number(process.argv[2] ?? 20);
console.log(pad(String(fib(n)), 8), path.basename("/a/b.txt"), typeof readFileSync);
`,
    "src/fib.js": FIB,
    "node_modules/left-pad-lite/package.json": JSON.stringify({
      name: "left-pad-lite",
      main: "index.js",
    }),
    // CommonJS with a bare builtin require: stays a require for the sandbox's own polyfill.
    "node_modules/left-pad-lite/index.js": `const os = require("os");
module.exports = function pad(s, n) { return (" ".repeat(n) + s).slice(-n) + (os ? "" : "!"); };
`,
  });
}

describe("build", () => {
  it("bundles a multi-file app with a node_modules dependency, keeping node: builtins external", async () => {
    const dir = multiFileApp();
    const events: BuildProgress[] = [];
    const out = join(dir, "out.airlock");
    const r = await build({ entry: dir, outFile: out, onProgress: (e) => events.push(e) });
    expect(r.outFile).toBe(out);
    expect(r.manifest).toMatchObject({
      format: "airlock-artifact",
      version: 1,
      entry: join("src", "main.js"),
      name: "demo-app",
      config: null,
      engine: { quickjs: "0.32.0" },
      frozen: [{ name: "fib", params: [expect.any(String)], paths: ["int32", "f64"] }],
    });
    expect(r.explain).toContain("fib: frozen (int32 + f64 paths)");
    expect(events.filter((e) => e.status !== "start").map((e) => `${e.step}:${e.status}`)).toEqual([
      "resolve:done",
      "bundle:done",
      "analyse:done",
      "freeze:done",
      "write:done",
    ]);
    const a = readArtifact(out);
    expect(a.bundle).toMatch(/from "node:fs"/);
    expect(a.bundle).toMatch(/from "path"/);
    expect(a.bundle).toMatch(/__require\("os"\)/);
    expect(a.bundle).toMatch(/function pad\d*\(s, n\d*\)/); // the dependency is inlined
    expect(a.bundle.startsWith("//#!/usr/bin/env node\n")).toBe(true);
    // Node runs the bundle as-is (no __airlock_frozen: the dispatch is skipped) …
    const plain = runBundle(a.bundle, undefined, ["20"]);
    expect(plain.stderr).toBe("");
    expect(plain.stdout).toBe("    6765 b.txt function\n");
    // … and with the frozen module linked, fib is dispatched once, same answer.
    const linked = runBundle(a.bundle, a.wasm, ["25"]);
    expect(linked.stdout).toBe("   75025 b.txt function\n");
    expect(linked.stderr).toBe('calls {"fib":1}\n');
  });

  it("freezes only functions that loop or recurse, and says why not for the others", async () => {
    const dir = app({
      "main.js": `
function sq(x) { return x * x; }
function sumSq(n) { let s = 0; for (let i = 0; i < n; i++) s += sq(i); return s; }
const fact = (n) => (n <= 1 ? 1 : n * fact(n - 1));
function render() { return this.x; }
console.log(sq(3), sumSq(10), fact(10), typeof render);
`,
    });
    const r = await build({ entry: join(dir, "main.js"), outFile: join(dir, "a.airlock") });
    expect(r.explain).toEqual([
      "sq: frozen only inside frozen callers — no loop or recursion: a call from the sandbox to frozen code (~35 µs) costs more than it saves",
      "sumSq: frozen (int32 + f64 paths)",
      "fact: frozen (int32 + f64 paths)",
      "render: not frozen — uses this",
    ]);
    expect(r.manifest.frozen.map((f) => f.name)).toEqual(["sumSq", "fact"]);
    const a = readArtifact(r.outFile);
    expect(a.bundle).not.toMatch(/function sq\(x\) \{ \{/); // no dispatch in sq
    // Line numbers are unchanged by the rewrite.
    expect(a.bundle.split("\n").length).toBe(
      a.bundle
        .replace(/\{ if \(__airlock_sk\d[^\n]*?return __airlock_r; \} \} \} \}/g, "")
        .split("\n").length,
    );
    const linked = runBundle(a.bundle, a.wasm);
    expect(linked.stdout).toBe("9 285 3628800 function\n");
    expect(linked.stderr).toBe('calls {"sumSq":1,"fact":1}\n');
  });

  it("dispatches functions with typed-array parameters and records which parameters they are", async () => {
    const dir = app({
      "main.js": `
function total(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }
function scale(a, k) { for (let i = 0; i < a.length; i++) a[i] *= k; return a.length; }
const a = new Int32Array([1, 2, 3]);
console.log(scale(a, 2), total(a), a.join(","));
`,
    });
    const r = await build({ entry: join(dir, "main.js"), outFile: join(dir, "a.airlock") });
    expect(r.manifest.frozen.map((f) => [f.name, f.paramKinds])).toEqual([
      ["total", ["typedarray"]],
      ["scale", ["typedarray", "number"]],
    ]);
    const a = readArtifact(r.outFile);
    expect(a.bundle).toMatch(/__airlock_f\("scale", \w+, k\)/); // esbuild may rename `a`
    // This helper's dispatcher handles numbers only: typed arrays fall back to the original.
    expect(runBundle(a.bundle, a.wasm).stdout).toBe("3 12 2,4,6\n");
  });

  it("keeps the temporal dead zone: a const read before its declaration still throws", () => {
    // esbuild turns top-level const into var, so this only arises for modules linked directly.
    const source = `
function f(n) { let s = 0; for (let i = 0; i < n; i++) s += K; return s; }
let early;
try { early = f(3); } catch (e) { early = e.name; }
const K = 2;
console.log(early, f(3));
`;
    const plan = planLink(source, analyze(source, { sourceType: "module" }));
    expect(plan.dispatched.map((f) => f.name)).toEqual(["f"]);
    expect(plan.code).toContain("try { K; }");
    const { wasm } = compile(source, plan.compileReport);
    const linked = runBundle(plan.code, wasm);
    expect(linked.stdout).toBe("ReferenceError 6\n");
    expect(linked.stderr).toBe('calls {"f":1}\n');
    expect(runBundle(source).stdout).toBe("ReferenceError 6\n");
  });

  it("links expression-bodied arrows, parenthesised or not", () => {
    const source = `const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
const fact = (n) => n <= 1 ? 1 : n * fact(n - 1);
console.log(fib(20), fact(10));
`;
    const plan = planLink(source, analyze(source, { sourceType: "module" }));
    expect(plan.dispatched.map((f) => f.name)).toEqual(["fib", "fact"]);
    expect(plan.code.split("\n").length).toBe(source.split("\n").length);
    const { wasm } = compile(source, plan.compileReport);
    const linked = runBundle(plan.code, wasm);
    expect(linked.stdout).toBe("6765 3628800\n");
    expect(linked.stderr).toBe('calls {"fib":1,"fact":1}\n');
  });

  it("embeds the app directory's airlock.json, resolved", async () => {
    const dir = app({
      "index.js": FIB + "console.log(fib(10));",
      "airlock.json": JSON.stringify({ policy: "strict", runtime: { timeout_ms: 1234 } }),
    });
    const r = await build({ entry: dir, outFile: join(dir, "a.airlock") });
    expect(r.manifest.config?.policy).toBe("strict");
    expect(r.manifest.config?.runtime.timeout_ms).toBe(1234);
    expect(r.manifest.config).not.toHaveProperty("source");
  });

  it("deny: a missing entry and a bundling error are typed errors", async () => {
    const dir = app({ "main.js": `import x from "./nope.js"; console.log(x);` });
    await expect(build({ entry: join(dir, "missing") })).rejects.toMatchObject({
      code: "AIRLOCK_BUILD_ENTRY",
    });
    await expect(build({ entry: app({ "README.md": "" }) })).rejects.toMatchObject({
      code: "AIRLOCK_BUILD_ENTRY",
    });
    await expect(build({ entry: join(dir, "main.js") })).rejects.toMatchObject({
      code: "AIRLOCK_BUILD_BUNDLE",
      message: expect.stringMatching(/nope\.js/),
    });
  });
});

describe("incremental rebuilds", () => {
  it("an unchanged app does no esbuild or freeze work; a change redoes only what it must", async () => {
    const dir = multiFileApp();
    const out = join(dir, "app.airlock");
    const steps = (events: BuildProgress[]) =>
      events.filter((e) => e.status !== "start").map((e) => `${e.step}:${e.status}`);
    const first = await build({ entry: dir, outFile: out });
    expect(first.work).toEqual({ bundled: true, frozen: true });

    const events: BuildProgress[] = [];
    const second = await build({ entry: dir, outFile: out, onProgress: (e) => events.push(e) });
    expect(second.work).toEqual({ bundled: false, frozen: false });
    expect(steps(events)).toEqual([
      "resolve:done",
      "bundle:cached",
      "analyse:cached",
      "freeze:cached",
      "write:done",
    ]);
    expect(readArtifact(out).bundle).toBe(readArtifact(out).bundle);
    expect(second.manifest.hashes).toEqual(first.manifest.hashes);

    // A comment-only change: esbuild runs again, gives the same bundle, freeze is skipped.
    const fibFile = join(dir, "src", "fib.js");
    writeFileSync(fibFile, `// a comment esbuild drops\n${readFileSync(fibFile, "utf8")}`);
    const third = await build({ entry: dir, outFile: out });
    expect(third.work).toEqual({ bundled: true, frozen: false });

    // A change in a node_modules dependency is an input too.
    const dep = join(dir, "node_modules", "left-pad-lite", "index.js");
    writeFileSync(dep, readFileSync(dep, "utf8").replace('"!"', '"?"'));
    const fourth = await build({ entry: dir, outFile: out });
    expect(fourth.work).toEqual({ bundled: true, frozen: true });
    expect(fourth.manifest.hashes.bundle).not.toBe(first.manifest.hashes.bundle);
  });
});

describe("artifact container", () => {
  it("round-trips and rejects corruption with the right code", async () => {
    const dir = app({ "fib.js": FIB + "console.log(fib(Number(process.argv[2])));" });
    const r = await build({ entry: join(dir, "fib.js"), outFile: join(dir, "fib.airlock") });
    const bytes = new Uint8Array(readFileSync(r.outFile));
    expect(isArtifact(bytes)).toBe(true);
    expect(isArtifact(new TextEncoder().encode("console.log(1)"))).toBe(false);
    const a = decodeArtifact(bytes);
    expect(a.manifest).toEqual(r.manifest);
    expect(a.bundle).toContain('__airlock_f("fib", n)');
    expect(a.wasm.length).toBeGreaterThan(8);
    expect(Buffer.from(a.wasm.subarray(0, 4)).toString("latin1")).toBe("\0asm");

    const corrupt = (mutate: (b: Uint8Array) => Uint8Array) => {
      try {
        decodeArtifact(mutate(bytes.slice()), "x.airlock");
        return "accepted";
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    const end = bytes.length;
    const wasmStart = end - a.wasm.length;
    const flip = (at: number) => (b: Uint8Array) => {
      b[at] = b[at]! ^ 0xff;
      return b;
    };
    expect(corrupt(flip(0))).toBe("AIRLOCK_ARTIFACT_BAD_MAGIC");
    expect(corrupt(flip(8))).toBe("AIRLOCK_ARTIFACT_VERSION");
    expect(corrupt(flip(wasmStart - 5))).toBe("AIRLOCK_ARTIFACT_HASH_MISMATCH");
    expect(corrupt(flip(wasmStart + 3))).toBe("AIRLOCK_ARTIFACT_HASH_MISMATCH");
    expect(corrupt((b) => b.subarray(0, end - 1))).toBe("AIRLOCK_ARTIFACT_CORRUPT");
    expect(corrupt((b) => b.subarray(0, 12))).toBe("AIRLOCK_ARTIFACT_CORRUPT");
    expect(corrupt(flip(20))).toBe("AIRLOCK_ARTIFACT_CORRUPT"); // inside the manifest JSON
    try {
      decodeArtifact(flip(wasmStart + 3)(bytes.slice()), "x.airlock");
    } catch (e) {
      expect(e).toMatchObject({
        section: "frozen",
        message: expect.stringMatching(/^x\.airlock: /),
      });
    }
    expect(corrupt((b) => b)).toBe("accepted");
  });
});
