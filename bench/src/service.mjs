// The execution service under load: `POST /api/execute` hello (policy + analysis + sandbox + audit write),
// concurrency 32, through a real `airlock server` child process on loopback, driven by autocannon.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import autocannon from "autocannon";
import { AIRLOCK } from "./programs.mjs";
import { fmtMs } from "./stats.mjs";

async function freePort() {
  const srv = createNetServer();
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function startServer(dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    AIRLOCK,
    ["server", "--host", "127.0.0.1", "--port", String(port), "--db", join(dir, "audit.sqlite")],
    {
      // Each request is rate-limited per key in production; the bench measures raw capacity.
      env: { ...process.env, RATE_LIMIT_MAX_REQUESTS: "10000000", LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  // Logs are at warn level (per-request logging would dominate the numbers): poll /health instead.
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${out}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`server did not start: ${out}`);
}

function load(url, seconds, connections) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/api/execute`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: "console.log('hello')" }),
        connections,
        duration: seconds,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/** Runs the service bench; returns lines for the console and a markdown section. */
export async function serviceBench({ seconds = 10, connections = 32 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "airlock-bench-service-"));
  const { child, url } = await startServer(dir);
  try {
    // Check the answer once, then warm the pool and the JIT.
    const check = await (
      await fetch(`${url}/api/execute`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: "console.log('hello')" }),
      })
    ).json();
    const ok = check.status === "completed" && check.output === "hello\n";
    await load(url, 2, connections);
    const single = await load(url, Math.max(2, seconds / 2), 1);
    const r = await load(url, seconds, connections);
    const non2xx = r.non2xx + r.errors + r.timeouts + single.non2xx + single.errors;
    const lines = [
      `service POST /api/execute hello, c=1: p50 ${fmtMs(single.latency.p50)}, p99 ${fmtMs(single.latency.p99)}`,
      `service POST /api/execute hello, c=${connections}, ${seconds}s: ${r.requests.average.toFixed(0)} req/s, p50 ${fmtMs(r.latency.p50)}, p99 ${fmtMs(r.latency.p99)}, errors/non-2xx ${non2xx}${ok ? "" : " ANSWER MISMATCH"}`,
    ];
    const markdown = `## Service: \`POST /api/execute\` hello through \`airlock server\`

Policy + static analysis + a fresh sandbox + SQLite audit write per request; autocannon, ${connections}
connections, ${seconds} s after a 2 s warm-up, client and server on the same 2-core machine.

| measure | value | goal |
| --- | ---: | ---: |
| latency p50, one client at a time | ${fmtMs(single.latency.p50)} | ≤ 5 ms |
| latency p99, one client at a time | ${fmtMs(single.latency.p99)} | |
| throughput, ${connections} connections | ${r.requests.average.toFixed(0)} req/s | ≥ 500 req/s |
| latency p50 / p99, ${connections} connections | ${fmtMs(r.latency.p50)} / ${fmtMs(r.latency.p99)} | |
| errors + non-2xx | ${non2xx} | 0 |
| answer | ${ok ? "ok" : "MISMATCH"} | |
`;
    return { lines, markdown, failures: ok && non2xx === 0 ? 0 : 1 };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}
