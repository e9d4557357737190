// `airlock run` with a daemon up (`airlock up`): the CLI hands the program to the daemon's warm
// workers over its socket instead of loading the engine itself. Whole process, next to node in
// the same run; the daemon is private to this bench (its own state directory) and its run count
// proves it took every job.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIRLOCK, PROGRAMS, PROGRAMS_DIR, compareRow, measure } from "./programs.mjs";
import { fmtMs, fmtRatio } from "./stats.mjs";

const WARM_PROGRAMS = ["hello.js", "tail-call.js", "fib.js"];
/** Built with `airlock build` and run as artifacts (frozen code) through the daemon too. */
const BUILT_PROGRAMS = ["tail-call.js", "loop.js", "typed-array.js"];

export function daemonRunBench(runs) {
  const dir = mkdtempSync(join(tmpdir(), "airlock-bench-daemon-"));
  const env = { ...process.env, AIRLOCK_STATE_DIR: dir };
  const cli = (...args) => spawnSync(AIRLOCK, args, { env, encoding: "utf8", timeout: 120_000 });
  const rows = [];
  const lines = [];
  let failures = 0;
  try {
    const up = cli("up", `${PROGRAMS_DIR}/hello.js`, "--pool-size", "2");
    if (up.status !== 0) throw new Error(`airlock up failed: ${up.stderr}`);
    const runsBefore = JSON.parse(cli("ps", "--json").stdout).runs;
    let expectedJobs = 0;
    for (const program of PROGRAMS.filter((p) => WARM_PROGRAMS.includes(p.file))) {
      // As a user types it (`airlock run FILE`: the CLI's fast path to the daemon), after one
      // unmeasured run: the daemon's workers compile and tier up on their first jobs.
      measure("airlock", program, 1, env, []);
      const n = program.runs ?? runs;
      expectedJobs += n + 1;
      const row = compareRow(
        program,
        measure("node", program, n),
        measure("airlock", program, n, env, []),
      );
      if (!row.ok) failures++;
      rows.push(row);
      lines.push(
        `daemon up: ${row.program.padEnd(14)} node ${fmtMs(row.node)}  airlock run ${fmtMs(row.airlock)}  ${fmtRatio(row.ratio)}  ${row.check}`,
      );
    }
    for (const file of BUILT_PROGRAMS) {
      const program = PROGRAMS.find((p) => p.file === file);
      const path = join(dir, file.replace(/\.js$/, ".airlock"));
      const build = cli("build", `${PROGRAMS_DIR}/${file}`, "-o", path);
      if (build.status !== 0) throw new Error(`airlock build ${file} failed: ${build.stderr}`);
      const built = { ...program, file: `${file} (built)`, path };
      measure("airlock", built, 1, env, []);
      expectedJobs += runs + 1;
      const row = compareRow(
        built,
        measure("node", program, runs),
        measure("airlock", built, runs, env, []),
      );
      if (!row.ok) failures++;
      rows.push(row);
      lines.push(
        `daemon up: ${row.program.padEnd(14)} node ${fmtMs(row.node)}  airlock run ${fmtMs(row.airlock)}  ${fmtRatio(row.ratio)}  ${row.check}`,
      );
    }
    const jobs = JSON.parse(cli("ps", "--json").stdout).runs - runsBefore;
    if (jobs !== expectedJobs) {
      failures++;
      lines.push(`daemon up: the daemon ran ${jobs} jobs, expected ${expectedJobs}`);
    }
  } finally {
    cli("exit");
    rmSync(dir, { recursive: true, force: true });
  }
  const markdown = `## \`airlock run\` with a daemon up (\`airlock up\`)

\`airlock run FILE\` finds the daemon's socket and sends the program to the daemon's warm workers
(a fresh sandbox per run) before the rest of the CLI is loaded; whole process, median of ${runs}
(hello.js: 15), after one unmeasured run per program. "(built)": the program built with
\`airlock build\` and run as an artifact (its frozen code runs in the daemon's workers).

| program | node | airlock run (daemon up) | airlock / node | answer |
| --- | ---: | ---: | ---: | --- |
${rows.map((r) => `| ${r.program} | ${fmtMs(r.node)} | ${fmtMs(r.airlock)} | ${fmtRatio(r.ratio)} | ${r.check} |`).join("\n")}
`;
  return { lines, markdown, failures };
}
