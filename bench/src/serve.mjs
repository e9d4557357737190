// `airlock serve` under load: a hello fetch-handler app, every request in its own fresh sandbox,
// through a real `airlock serve` child process on loopback, driven by autocannon — next to the
// same hello from a plain `node:http` server in the same run, for scale. Plus, in-process and
// idle: "pool hit", the time from a request to the sandbox running user code.
//
// Concurrency: by Little's law, requests in flight = throughput × latency, so "2,000 req/s with
// p99 ≤ 5 ms" means a few requests in flight (2,000/s × ~2 ms ≈ 4), not 16: each level is
// measured (BENCH_SERVE_CONNECTIONS, default 4,8,16) and the goal is judged at 4.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { createSandbox, shutdownWorkers } from "@airlock/wasm-host";
import { AIRLOCK } from "./programs.mjs";
import { fmtMs, quantile } from "./stats.mjs";

const HELLO_APP = `export default { fetch(req) { return new Response("hello " + new URL(req.url).pathname); } };`;
const NODE_HELLO = `require("node:http").createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain;charset=UTF-8" });
  res.end("hello " + new URL(req.url, "http://x").pathname);
}).listen(Number(process.argv[1]), "127.0.0.1", () => console.log("listening"));`;
const CONNECTIONS = (process.env.BENCH_SERVE_CONNECTIONS ?? "4,8,16").split(",").map(Number);
const DURATION = Number(process.env.BENCH_SERVE_SECONDS ?? 10);

async function freePort() {
  const srv = createNetServer();
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts a child and waits until `url`/healthz (or /) answers. */
async function startChild(cmd, args, url, probe) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null)
      throw new Error(`${args.join(" ")} exited ${child.exitCode}: ${out}`);
    try {
      if ((await fetch(`${url}${probe}`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`no answer from ${url}: ${out}`);
}

async function stop(child) {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

async function load(url, connections) {
  // Warm-up (JIT, pools), then the measured run; every body is checked.
  await autocannon({ url: `${url}/hello`, connections, duration: 2 });
  const r = await autocannon({
    url: `${url}/hello`,
    connections,
    duration: DURATION,
    expectBody: "hello /hello",
  });
  const bad = r.errors + r.timeouts + r.non2xx + r.mismatches;
  return {
    connections,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    bad,
  };
}

/** True if this CLI has `serve --fresh-memory` (the opt-out of recycled memories). */
function hasFreshMemoryFlag() {
  try {
    return execFileSync(AIRLOCK, ["serve", "--help"], {
      encoding: "utf8",
    }).includes("--fresh-memory");
  } catch {
    return false;
  }
}

/** Share of pool hits that reached user code within 0.2 ms, from the /metrics histogram. */
async function hitStartFromMetrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const bucket = (le) =>
    Number(
      new RegExp(
        `airlock_pool_hit_start_seconds_bucket\\{le="${le.replace(/[+.]/g, "\\$&")}",app="[^"]*"\\} (\\d+)`,
      ).exec(text)?.[1] ?? NaN,
    );
  const hits = Number(/airlock_pool_hits_total\{app="[^"]*"\} (\d+)/.exec(text)?.[1] ?? NaN);
  const misses = Number(/airlock_pool_misses_total\{app="[^"]*"\} (\d+)/.exec(text)?.[1] ?? 0);
  return {
    within02: bucket("0.0002") / bucket("+Inf"),
    within1: bucket("0.001") / bucket("+Inf"),
    hits,
    misses,
  };
}

/**
 * In-process, idle: request → user code running, on pool hits (n sequential requests). Each
 * request waits until the worker reported its pool full again (its refill done), so this
 * measures a hit on an idle worker, not a request racing the refill of the previous one.
 */
async function poolHit(n, recycle) {
  const sb = await createSandbox();
  const pool = { size: 2, recycle };
  await sb.warm(HELLO_APP, { pool });
  const starts = [];
  const totals = [];
  for (let i = 0; i < n + 20; i++) {
    // Let the background refill finish: this measures a hit, not a refill racing the request.
    for (let k = 0; k < 200 && !sb.poolStats(HELLO_APP).every((s) => s.ready >= s.target); k++)
      await new Promise((r) => setTimeout(r, 1));
    const t0 = performance.now();
    const r = await sb.serve(HELLO_APP, { method: "GET", url: "http://bench/hello" }, { pool });
    const t1 = performance.now();
    if (new TextDecoder().decode(r.response?.body) !== "hello /hello")
      throw new Error("bad response");
    if (i < 20 || !r.pool?.hit) continue;
    starts.push(r.pool.startedAt - (performance.timeOrigin + t0));
    totals.push(t1 - t0);
  }
  await sb.dispose();
  await shutdownWorkers();
  return {
    n: starts.length,
    p50: quantile(starts, 0.5),
    p99: quantile(starts, 0.99),
    total50: quantile(totals, 0.5),
  };
}

export async function serveBench() {
  const dir = mkdtempSync(join(tmpdir(), "airlock-bench-serve-"));
  const lines = [];
  const rows = [];
  let failures = 0;
  try {
    const app = join(dir, "hello.mjs");
    writeFileSync(app, HELLO_APP);
    const servers = [
      ["`airlock serve` (default: memory reset to the app snapshot)", [], CONNECTIONS],
    ];
    // The opt-out, at the highest level only (it is the slow mode), if this CLI has it.
    if (hasFreshMemoryFlag()) {
      servers.push([
        "`airlock serve --fresh-memory` (new wasm memory per request)",
        ["--fresh-memory"],
        CONNECTIONS.slice(-1),
      ]);
    } else lines.push("serve: this CLI has no --fresh-memory; that row is skipped");
    for (const [label, flags, levels] of servers) {
      for (const connections of levels) {
        // A new server per level: its metrics (pool hits, hit → user code) are that level's.
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        const child = await startChild(
          AIRLOCK,
          ["serve", app, "--port", String(port), "--pool-size", "8", ...flags],
          url,
          "/healthz",
        );
        try {
          const r = await load(url, connections);
          const hit = await hitStartFromMetrics(url);
          if (r.bad > 0) failures++;
          rows.push({ label, ...r, hit });
        } finally {
          await stop(child);
        }
      }
    }
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const node = await startChild(process.execPath, ["-e", NODE_HELLO, String(port)], url, "/");
    try {
      for (const connections of CONNECTIONS) {
        const r = await load(url, connections);
        if (r.bad > 0) failures++;
        rows.push({ label: "plain `node:http` hello (same machine, same run)", ...r });
      }
    } finally {
      await stop(node);
    }
    for (const r of rows) {
      lines.push(
        `serve: ${r.label}, ${r.connections} connections: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.total} requests, ${r.bad} bad` +
          (r.hit
            ? `; pool hits ${r.hit.hits}, misses ${r.hit.misses}, hit→user code ≤0.2 ms ${(100 * r.hit.within02).toFixed(0)}%`
            : ""),
      );
    }
    const hits = [];
    for (const recycle of [false, true]) hits.push({ recycle, ...(await poolHit(300, recycle)) });
    for (const h of hits) {
      lines.push(
        `serve: pool hit (in-process, idle, recycle ${h.recycle}): request → user code p50 ${fmtMs(h.p50)}, p99 ${fmtMs(h.p99)}; whole request p50 ${fmtMs(h.total50)}`,
      );
    }
    const markdown = `## \`airlock serve\`: hello over HTTP, every request in a fresh sandbox

autocannon with ${CONNECTIONS.join(", ")} connections, ${DURATION} s each after a 2 s warm-up, every response
body checked, client and servers on the same 2-core machine; \`airlock serve\` runs as a child
process with its default 2 workers and \`--pool-size 8\`, a new one per level. Goal: ≥ 2,000 req/s
and p99 ≤ 5 ms with a fresh sandbox per request — at ~4 connections (Little's law: 2,000/s × ~2 ms);
pool hit ≤ 0.2 ms. "hit → user code" under load includes the wait for a free worker.

| server | connections | req/s | p50 | p99 | requests | bad | pool hits / misses | hit → user code ≤ 0.2 ms |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.map((r) => `| ${r.label} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} ms | ${r.p99} ms | ${r.total} | ${r.bad} | ${r.hit ? `${r.hit.hits} / ${r.hit.misses}` : ""} | ${r.hit ? `${(100 * r.hit.within02).toFixed(0)}% (≤ 1 ms: ${(100 * r.hit.within1).toFixed(0)}%)` : ""} |`).join("\n")}

Pool hit, in-process and idle (\`Sandbox.serve\`, ${hits[0].n} requests each): time from the call to the
app's \`fetch\` running in a ready sandbox (main thread → worker → instance taken → handler called).

| pool | request → user code, p50 | p99 | whole request, p50 |
| --- | ---: | ---: | ---: |
${hits.map((h) => `| ${h.recycle ? "recycled memories" : "new memory per request"} | ${fmtMs(h.p50)} | ${fmtMs(h.p99)} | ${fmtMs(h.total50)} |`).join("\n")}
`;
    return { lines, markdown, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
