// `pnpm bench`: every shared program under Airlock and under node in the same run, answers checked,
// medians and ratios written to bench/RESULTS.md together with the machine and the command.
import { writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { aotBench } from "./aot.mjs";
import { daemonRunBench } from "./daemon-run.mjs";
import {
  bundleStartBench,
  closeInProcess,
  rssPerLiveSandbox,
  sandboxLatency,
  snapshotCosts,
} from "./in-process.mjs";
import { PROGRAMS, PROGRAMS_DIR, compareRow, measure } from "./programs.mjs";
import { serveBench } from "./serve.mjs";
import { serviceBench } from "./service.mjs";
import { vmBench } from "./vm.mjs";
import { fmtMs, fmtRatio } from "./stats.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const only = process.argv.slice(2);
if (!PROGRAMS_DIR) {
  console.error("bench: ../shared/bench-programs not found; set AIRLOCK_BENCH_PROGRAMS");
  process.exit(2);
}

// The machine may be shared: the load average goes next to the numbers.
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
const loadBefore = load();
console.log(`load average (1/5/15 min) at start: ${loadBefore}`);
const rows = [];
let failures = 0;
for (const program of PROGRAMS.filter((p) => only.length === 0 || only.includes(p.file))) {
  if (program.warmup) for (const runtime of ["node", "airlock"]) measure(runtime, program, 1);
  const row = compareRow(
    program,
    measure("node", program, program.runs ?? RUNS),
    measure("airlock", program, program.runs ?? RUNS),
  );
  if (!row.ok) failures++;
  rows.push(row);
  console.log(
    `${row.program.padEnd(18)} node ${fmtMs(row.node).padStart(10)}  airlock ${fmtMs(row.airlock).padStart(10)}  ${fmtRatio(row.ratio).padStart(7)}  ${row.check}`,
  );
}

// `pnpm bench daemon` runs only the `airlock run` rows with a daemon up.
const daemon = only.length === 0 || only.includes("daemon") ? daemonRunBench(RUNS) : null;
for (const line of daemon?.lines ?? []) console.log(line);
failures += daemon?.failures ?? 0;

// `pnpm bench aot` runs only the built-artifact rows.
const aot = only.length === 0 || only.includes("aot") ? aotBench(RUNS) : null;
for (const line of aot?.lines ?? []) console.log(line);
failures += aot?.failures ?? 0;

// `pnpm bench service` runs only the service rows.
const service = only.length === 0 || only.includes("service") ? await serviceBench() : null;
for (const line of service?.lines ?? []) console.log(line);
failures += service?.failures ?? 0;

// `pnpm bench serve` runs only the `airlock serve` rows.
const serve = only.length === 0 || only.includes("serve") ? await serveBench() : null;
for (const line of serve?.lines ?? []) console.log(line);
failures += serve?.failures ?? 0;

// `pnpm bench bundle` (or `serve`) runs only the ~1 MB bundle start rows (issue #5).
const bundle =
  only.length === 0 || only.includes("bundle") || only.includes("serve")
    ? await bundleStartBench(100)
    : null;
for (const line of bundle?.lines ?? []) console.log(line);

// `pnpm bench vm` runs only the microVM rows (mount reads, HTTPS interception; issue #8).
const vm = only.length === 0 || only.includes("vm") ? await vmBench() : null;
for (const line of vm?.lines ?? []) console.log(line);
failures += vm?.failures ?? 0;

const latency = await sandboxLatency(Number(process.env.BENCH_SANDBOXES ?? 500));
console.log(
  `new sandbox + hello (in-process): p50 ${fmtMs(latency.p50)}, p99 ${fmtMs(latency.p99)}`,
);
const rss = await rssPerLiveSandbox(100);
console.log(
  `RSS per live sandbox (100 live): ${(rss.perSandboxBytes / 1024 / 1024).toFixed(2)} MiB`,
);
await closeInProcess();
const snapshot = await snapshotCosts(200);
console.log(
  `engine snapshot: fresh init ${fmtMs(snapshot.freshInit)}; restore into a new engine p50 ${fmtMs(snapshot.restore.p50)}, p99 ${fmtMs(snapshot.restore.p99)}; reset a used engine p50 ${fmtMs(snapshot.reset.p50)}, p99 ${fmtMs(snapshot.reset.p99)}`,
);
const loadAfter = load();
console.log(`load average (1/5/15 min) at end: ${loadAfter}`);

const cpu = cpus()[0]?.model ?? "unknown";
const md = `# Benchmark results

Produced by \`pnpm bench\` (${RUNS} runs per program, hello.js 15 after an unmeasured one; median wall time of the whole process, Airlock and
\`node\` measured in the same run; every printed answer checked). Date: ${new Date().toISOString().slice(0, 10)}.
Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.
Load average (1 / 5 / 15 min): ${loadBefore} at start, ${loadAfter} at end (the machine is shared;
wall times scale with it).

## Whole process: \`airlock run prog.js\` vs \`node prog.js\`

| program | node | airlock | airlock / node | answer |
| --- | ---: | ---: | ---: | --- |
${rows.map((r) => `| ${r.program} | ${fmtMs(r.node)} | ${fmtMs(r.airlock)} | ${fmtRatio(r.ratio)} | ${r.check} |`).join("\n")}

${daemon?.markdown ?? ""}
${aot?.markdown ?? ""}
${service?.markdown ?? ""}
${serve?.markdown ?? ""}
${bundle?.markdown ?? ""}
${vm?.markdown ?? ""}
## Per sandbox, in-process

| measure | value | goal |
| --- | ---: | ---: |
| new isolated sandbox + \`console.log('hi')\`, p50 (n=${latency.n}) | ${fmtMs(latency.p50)} | ≤ 1 ms |
| same, p99 | ${fmtMs(latency.p99)} | |
| RSS per live sandbox, ${rss.count} live (each holding its state) | ${(rss.perSandboxBytes / 1024 / 1024).toFixed(2)} MiB | ≤ 1 MiB |

## Engine snapshot (worker internals, in-process, n=${snapshot.n})

| measure | value |
| --- | ---: |
| fresh instance: new engine + runtime + context + prelude evaluated | ${fmtMs(snapshot.freshInit)} |
| snapshot size (non-zero pages copied per restore) | ${(snapshot.residentBytes / 1024).toFixed(0)} KiB |
| restore into a new engine (new wasm instance + memory), p50 / p99 | ${fmtMs(snapshot.restore.p50)} / ${fmtMs(snapshot.restore.p99)} |
| reset a used engine to the snapshot (what workers do between runs), p50 / p99 | ${fmtMs(snapshot.reset.p50)} / ${fmtMs(snapshot.reset.p99)} |
`;
const out = fileURLToPath(new URL("../RESULTS.md", import.meta.url));
if (only.length === 0) writeFileSync(out, md);
console.log(only.length === 0 ? `wrote ${out}` : "(subset run: RESULTS.md not written)");
process.exit(failures > 0 ? 1 : 0);
