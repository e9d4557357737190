// The build-time tier: `airlock build` an app, then `airlock run app.airlock` (frozen functions
// in WebAssembly) against `node`, with gcc -O2 C as the physical limit when gcc exists; and a hot
// loop over small functions, built vs not built, to show freezing never makes them slower.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIRLOCK, PROGRAMS_DIR, RUN_FLAGS } from "./programs.mjs";
import { fmtMs, fmtRatio, median } from "./stats.mjs";

// Small functions in a hot loop: `sq` has no loop or recursion (the builder does not dispatch it);
// `tri` loops a few times per call (dispatched, then backed off at run time: each call is too short
// to pay for the ~35 µs crossing).
const HOT = `function sq(x) { return x * x; }
function tri(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }
let a = 0;
for (let i = 0; i < 300000; i++) a += sq(i % 100) + tri(i % 8);
console.log("hot = " + a);
`;

// typed-array.js with its loops moved into functions by hand (kept as a row next to the unchanged
// program, which the builder now outlines itself): each call copies the arrays across the
// sandbox boundary and back.
const TYPED = `function fill(a, run) { for (let i = 0; i < a.length; i++) a[i] = (i * 0.5 + run) % 97; return a.length; }
function conv(a, b) { for (let i = 0; i < a.length; i++) b[i] = (a[i] * 3) | 0; return b.length; }
function total(b) { let s = 0; for (let i = 0; i < b.length; i++) s += b[i]; return s; }
const N = 1000000;
const a = new Float64Array(N);
const b = new Int32Array(N);
let checksum = 0;
for (let run = 0; run < 20; run++) {
  fill(a, run);
  conv(a, b);
  checksum = (checksum + total(b)) % 1000000007;
}
console.log("typed-array checksum = " + checksum);
`;

// The shared programs, built unchanged: their hot loops are at the top level, which the builder
// outlines into synthetic frozen functions (issue #5).
const LOOP_PROGRAMS = ["loop.js", "typed-array.js", "tail-call.js"];

const C_FIB = `#include <stdio.h>
#include <stdlib.h>
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
int main(int argc, char **argv) { int n = argc > 1 ? atoi(argv[1]) : 45; printf("fib(%d) = %d\\n", n, fib(n)); return 0; }
`;

function timeOnce(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 900_000, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, out: (r.stdout ?? "").trim(), err: (r.stderr ?? "").trim(), status: r.status };
}

function measure(cmd, args, runs) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    last = timeOnce(cmd, args);
    times.push(last.ms);
    if (last.status !== 0) break;
  }
  return { ms: median(times), out: last.out, err: last.err };
}

const hasGcc = () => spawnSync("gcc", ["--version"], { encoding: "utf8" }).status === 0;

/** Runs the rows; returns console lines and a markdown section for RESULTS.md. */
export function aotBench(runs) {
  const dir = mkdtempSync(join(tmpdir(), "airlock-bench-aot-"));
  const node = process.execPath;
  copyFileSync(join(PROGRAMS_DIR, "fib.js"), join(dir, "fib.js"));
  writeFileSync(join(dir, "hot.js"), HOT);
  writeFileSync(join(dir, "typed.js"), TYPED);
  const buildOf = (file, out) => {
    const r = timeOnce(AIRLOCK, ["build", join(dir, file), "-o", join(dir, out)]);
    if (r.status !== 0) throw new Error(`airlock build ${file} failed: ${r.err}`);
    return r.ms;
  };
  const fibBuildMs = buildOf("fib.js", "fib.airlock");
  buildOf("hot.js", "hot.airlock");
  buildOf("typed.js", "typed.airlock");
  for (const file of [...LOOP_PROGRAMS, "hello.js"]) {
    copyFileSync(join(PROGRAMS_DIR, file), join(dir, file));
    buildOf(file, file.replace(/\.js$/, ".airlock"));
  }

  const rows = [];
  const sizes = process.env.BENCH_AOT_FIB45 ? [40, 45] : [40];
  const cBin = hasGcc() ? join(dir, "fib-c") : null;
  if (cBin) {
    writeFileSync(join(dir, "fib.c"), C_FIB);
    spawnSync("gcc", ["-O2", "-o", cBin, join(dir, "fib.c")]);
  }
  for (const n of sizes) {
    const nodeR = measure(node, [join(dir, "fib.js"), String(n)], runs);
    const built = measure(
      AIRLOCK,
      ["run", ...RUN_FLAGS, join(dir, "fib.airlock"), String(n)],
      runs,
    );
    const c = cBin ? measure(cBin, [String(n)], runs) : null;
    const ok = built.out === nodeR.out && (!c || c.out === nodeR.out);
    rows.push({
      program: `fib.js ${n}`,
      node: nodeR.ms,
      airlock: built.ms,
      c: c?.ms ?? null,
      check: ok ? "ok" : `MISMATCH: ${built.out || built.err.split("\n")[0]}`,
    });
  }
  const hotNode = measure(node, [join(dir, "hot.js")], runs);
  const hotPlain = measure(AIRLOCK, ["run", ...RUN_FLAGS, join(dir, "hot.js")], runs);
  const hotBuilt = measure(AIRLOCK, ["run", ...RUN_FLAGS, join(dir, "hot.airlock")], runs);
  const hotOk = hotPlain.out === hotNode.out && hotBuilt.out === hotNode.out;
  const typedNode = measure(node, [join(dir, "typed.js")], runs);
  const typedPlain = measure(AIRLOCK, ["run", ...RUN_FLAGS, join(dir, "typed.js")], 1);
  const typedBuilt = measure(AIRLOCK, ["run", ...RUN_FLAGS, join(dir, "typed.airlock")], runs);
  const typedOk = typedPlain.out === typedNode.out && typedBuilt.out === typedNode.out;

  // Start-up of each side (hello.js), so that "total − start-up" approximates the compute part:
  // `airlock run` pays ~50 ms of process start-up that node does not. These runs are typed as a
  // user would (`airlock run app.airlock`: the CLI's fast path; they fit the default limits).
  const helloNode = measure(node, [join(dir, "hello.js")], runs);
  const helloBuilt = measure(AIRLOCK, ["run", join(dir, "hello.airlock")], runs);
  const loopRows = LOOP_PROGRAMS.map((file) => {
    const nodeR = measure(node, [join(dir, file)], runs);
    const built = measure(AIRLOCK, ["run", join(dir, file.replace(/\.js$/, ".airlock"))], runs);
    const ok = nodeR.out !== "" && built.out === nodeR.out;
    return {
      program: file,
      node: nodeR.ms,
      airlock: built.ms,
      nodeCompute: nodeR.ms - helloNode.ms,
      airlockCompute: built.ms - helloBuilt.ms,
      check: ok ? "ok" : `MISMATCH: ${built.out || built.err.split("\n")[0]}`,
    };
  });

  // Below start-up noise a difference means nothing: "—".
  const computeRatio = (r) =>
    r.nodeCompute > 5 && r.airlockCompute > 5 ? fmtRatio(r.airlockCompute / r.nodeCompute) : "—";
  const computeMs = (ms) => (ms > 5 ? fmtMs(ms) : "—");

  const lines = rows.map(
    (r) =>
      `${`built ${r.program}`.padEnd(18)} node ${fmtMs(r.node).padStart(10)}  airlock ${fmtMs(r.airlock).padStart(10)}  ${fmtRatio(r.airlock / r.node).padStart(7)}${r.c !== null ? `  gcc -O2 ${fmtMs(r.c)}` : ""}  ${r.check}`,
  );
  lines.push(
    `hot loop (sq, tri) node ${fmtMs(hotNode.ms)}  airlock run hot.js ${fmtMs(hotPlain.ms)}  built ${fmtMs(hotBuilt.ms)}  ${hotOk ? "ok" : "MISMATCH"}`,
  );
  lines.push(
    `typed arrays in functions: node ${fmtMs(typedNode.ms)}  airlock run typed.js ${fmtMs(typedPlain.ms)}  built ${fmtMs(typedBuilt.ms)}  ${typedOk ? "ok" : "MISMATCH"}`,
  );
  for (const r of loopRows) {
    lines.push(
      `${`built ${r.program}`.padEnd(22)} node ${fmtMs(r.node).padStart(10)}  airlock ${fmtMs(r.airlock).padStart(10)}  ${fmtRatio(r.airlock / r.node).padStart(7)}  minus start-up: ${computeRatio(r)}  ${r.check}`,
    );
  }
  lines.push(
    `start-up (hello.js): node ${fmtMs(helloNode.ms)}  airlock run hello.airlock ${fmtMs(helloBuilt.ms)}`,
  );
  lines.push(`airlock build fib.js: ${fmtMs(fibBuildMs)} (cold cache, whole process)`);
  const markdown = `## Built artifacts: \`airlock build\` + \`airlock run app.airlock\` (frozen functions)

| program | node | airlock (built) | airlock / node | gcc -O2 C | answer |
| --- | ---: | ---: | ---: | ---: | --- |
${rows.map((r) => `| ${r.program} | ${fmtMs(r.node)} | ${fmtMs(r.airlock)} | ${fmtRatio(r.airlock / r.node)} | ${r.c !== null ? fmtMs(r.c) : "no gcc"} | ${r.check} |`).join("\n")}

The shared programs built unchanged (their hot loops are top-level statements, outlined into
frozen functions at build time). Whole process, then minus each side's start-up (\`hello.js\`:
node ${fmtMs(helloNode.ms)}, \`airlock run hello.airlock\` ${fmtMs(helloBuilt.ms)}) as an estimate of the compute part:

| program | node | airlock (built) | airlock / node | node − start-up | built − start-up | ratio | answer |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${loopRows.map((r) => `| ${r.program} | ${fmtMs(r.node)} | ${fmtMs(r.airlock)} | ${fmtRatio(r.airlock / r.node)} | ${computeMs(r.nodeCompute)} | ${computeMs(r.airlockCompute)} | ${computeRatio(r)} | ${r.check} |`).join("\n")}

Small functions in a hot loop (300k calls each of \`sq\`, no loop: not dispatched; \`tri\`, a short
loop: dispatched, then backed off at run time because each call is shorter than the crossing):
node ${fmtMs(hotNode.ms)}, \`airlock run hot.js\` ${fmtMs(hotPlain.ms)}, built \`hot.airlock\`
${fmtMs(hotBuilt.ms)} (${fmtRatio(hotBuilt.ms / hotPlain.ms)} of not building) — ${hotOk ? "answers ok" : "MISMATCH"}.
Typed arrays in functions (typed-array.js with its three loops as functions taking the arrays;
every call copies the 1M-element arrays into the frozen module's memory and back): node
${fmtMs(typedNode.ms)}, \`airlock run typed.js\` ${fmtMs(typedPlain.ms)}, built ${fmtMs(typedBuilt.ms)} — ${typedOk ? "answers ok" : "MISMATCH"}.
\`airlock build fib.js\` (whole process, cold cache): ${fmtMs(fibBuildMs)}.
`;
  return {
    lines,
    markdown,
    failures:
      rows.filter((r) => r.check !== "ok").length +
      loopRows.filter((r) => r.check !== "ok").length +
      (hotOk ? 0 : 1) +
      (typedOk ? 0 : 1),
  };
}
