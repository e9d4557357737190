import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { median } from "./stats.mjs";

const repo = fileURLToPath(new URL("../../", import.meta.url));
export const PROGRAMS_DIR = [
  fileURLToPath(new URL("../../../shared/bench-programs/", import.meta.url)),
  process.env.AIRLOCK_BENCH_PROGRAMS ?? "",
].find((d) => d && existsSync(d));
/**
 * The `airlock` command as a user's shell runs it: the package's bin (`bin/airlock`), which starts
 * `node` from PATH with the flags the job needs — the same node as the peer when the bench runs
 * under it (pnpm puts it first on PATH).
 */
export const AIRLOCK = `${repo}packages/cli/bin/airlock`;

/**
 * The shared workloads. `args` keeps each program's run time sane under the interpreter (fib(45) takes
 * minutes in QuickJS; the frozen tier will run the full size). `expect` is the line every runtime must print;
 * `null` means "the same line node prints".
 */
export const PROGRAMS = [
  // As typed (`airlock run hello.js`); the others get room for interpreted long runs (RUN_FLAGS).
  // Start-up only, so noise decides a 3-run median: `runs` 15, after an unmeasured one each
  // (`warmup`: the first run after a build writes the engine snapshot and code caches).
  {
    file: "hello.js",
    args: [],
    expect: "hello from the sandbox",
    runFlags: [],
    runs: 15,
    warmup: true,
  },
  { file: "fib.js", args: ["30"], expect: "fib(30) = 832040" },
  { file: "tail-call.js", args: [], expect: "tail-call total = 2500519900" },
  { file: "loop.js", args: [], expect: null },
  { file: "typed-array.js", args: [], expect: null },
  { file: "alloc-stress.js", args: [], expect: "alloc kept = 42860" },
  { file: "objects-600k.js", args: [], expect: null },
];

function timeOnce(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 64 << 20,
    ...(env ? { env } : {}),
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, stdout: r.stdout ?? "", stderr: r.stderr ?? "", status: r.status };
}

/** `airlock run` flags for the shared programs: room for the interpreted long runs. */
export const RUN_FLAGS = ["--timeout", "10m", "--memory", "1gb"];

/**
 * Runs one program `runs` times under a runtime; returns the median wall time and the checked
 * output. `env` replaces the environment (the daemon rows point airlock at a private daemon);
 * `runFlags` go between `run` and the file (default: the program's own, else RUN_FLAGS). A
 * program's `path` replaces the shared programs' file (a built artifact).
 */
export function measure(runtime, program, runs, env, runFlags = program.runFlags ?? RUN_FLAGS) {
  const path = program.path ?? `${PROGRAMS_DIR}/${program.file}`;
  const [cmd, argv] =
    runtime === "node"
      ? [process.execPath, [path, ...program.args]]
      : [AIRLOCK, ["run", ...runFlags, path, ...program.args]];
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    last = timeOnce(cmd, argv, env);
    times.push(last.ms);
    if (last.status !== 0) break;
  }
  return {
    ms: median(times),
    out: last.stdout.trim(),
    ok: last.status === 0,
    stderr: last.stderr.trim(),
  };
}

/**
 * One row of a whole-process comparison: the two medians, their ratio, and whether both printed
 * the program's expected line (`expect`, else node's).
 */
export function compareRow(program, node, airlock) {
  const expected = program.expect ?? node.out;
  const ok = node.out === expected && airlock.out === expected;
  return {
    program: `${program.file} ${program.args.join(" ")}`.trim(),
    node: node.ms,
    airlock: airlock.ms,
    ratio: airlock.ms / node.ms,
    ok,
    check: ok ? "ok" : `MISMATCH: ${airlock.out || airlock.stderr.split("\n")[0]}`,
  };
}
