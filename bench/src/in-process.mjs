import { createSandbox, shutdownWorkers } from "@airlock/wasm-host";
import { quantile } from "./stats.mjs";

/** New isolated sandbox + console.log('hi'), in-process: p50/p99 over `n` runs after a warm-up. */
export async function sandboxLatency(n) {
  const times = [];
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now();
    const sb = await createSandbox();
    const r = await sb.run("console.log('hi')");
    await sb.dispose();
    const ms = performance.now() - t0;
    if (r.stdout !== "hi\n") throw new Error(`unexpected output ${JSON.stringify(r)}`);
    if (i >= 20) times.push(ms);
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), n };
}

/** RSS growth per live sandbox with `count` sandboxes alive at once, each holding its state. */
export async function rssPerLiveSandbox(count) {
  // Warm the pool and the engine so their fixed cost is not counted per sandbox.
  const warm = await createSandbox({ keepState: true });
  await warm.run("1");
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const live = [];
  for (let i = 0; i < count; i++) {
    const sb = await createSandbox({ keepState: true });
    await sb.run(`globalThis.id = ${i}`);
    live.push(sb);
  }
  globalThis.gc?.();
  const after = process.memoryUsage().rss;
  for (const sb of live) await sb.dispose();
  await warm.dispose();
  return { count, perSandboxBytes: (after - before) / count };
}

export async function closeInProcess() {
  await shutdownWorkers();
}

/**
 * Engine snapshot costs, in-process on the built worker modules (internals, not the public API):
 * restoring the snapshot into a new engine (new wasm instance and memory), and resetting a used
 * engine back to it (what the workers do between runs).
 */
export async function snapshotCosts(n) {
  const { createHash } = await import("node:crypto");
  const { readFileSync } = await import("node:fs");
  const { createRequire } = await import("node:module");
  const dist = new URL("../../packages/wasm-host/dist/worker/", import.meta.url);
  const { Instance, InstanceFactory } = await import(new URL("instance.js", dist).href);
  const { Run, executeRun } = await import(new URL("run.js", dist).href);
  const require = createRequire(new URL("../../packages/wasm-host/package.json", import.meta.url));
  const bytes = readFileSync(require.resolve("@jitl/quickjs-ng-wasmfile-release-sync/wasm"));
  const wasm = await WebAssembly.compile(bytes);
  const hash = createHash("sha256").update(bytes).digest("hex");
  const factory = new InstanceFactory(wasm, hash);
  let t0 = performance.now();
  await Instance.create(wasm, hash, 2048, 1 << 20);
  const freshInit = performance.now() - t0;
  factory.warm(2048);
  while (factory.current === undefined) await new Promise((r) => setTimeout(r, 5));
  const snap = factory.current;
  if (snap === null) throw new Error("no snapshot (see NODE_DEBUG=airlock)");
  const limits = {
    timeoutMs: 5000,
    heapBytes: 64 << 20,
    stackBytes: 1 << 20,
    maxMemoryPages: 2048,
    maxInstructions: 0,
    maxOutputBytes: 1 << 20,
  };
  const ctrl = new Int32Array(new SharedArrayBuffer(4));
  const hello = (inst, id) =>
    executeRun(
      inst,
      new Run(
        {
          type: "run",
          id,
          code: "console.log('hi')",
          filename: "h.js",
          args: [],
          stdin: null,
          module: false,
          env: {},
          limits,
          session: null,
        },
        ctrl,
        () => {},
      ),
    );
  const restore = [];
  const reset = [];
  const engines = [];
  for (let i = 0; i < n; i++) {
    t0 = performance.now();
    const engine = await snap.freshEngine(wasm, 2048);
    Instance.restore(snap, engine, 1 << 20);
    restore.push(performance.now() - t0);
    if (engines.length < 4) engines.push(engine);
  }
  for (let i = 0; i < n; i++) {
    const engine = engines[i % engines.length];
    await hello(Instance.restore(snap, engine, 1 << 20), i + 1);
    t0 = performance.now();
    if (!snap.reset(engine)) throw new Error("reset refused");
    Instance.restore(snap, engine, 1 << 20);
    reset.push(performance.now() - t0);
  }
  return {
    freshInit,
    residentBytes: snap.residentBytes,
    restore: { p50: quantile(restore, 0.5), p99: quantile(restore, 0.99) },
    reset: { p50: quantile(reset, 0.5), p99: quantile(reset, 0.99) },
    n,
  };
}

/** Library-like modules in the generated bundle: ~2.8 KB each, ~1 MB in all. */
const BUNDLE_BLOCKS = 360;

/**
 * A ~1 MB app bundle of ordinary JS: `blocks` library-like modules (message catalogs, classes,
 * formatters, checksums, lookup tables, a router), built into registries by the top level
 * (deterministic, so the app snapshot is taken), and a fetch handler that uses a few of them.
 */
export function bigBundle(blocks = BUNDLE_BLOCKS) {
  const parts = ["const libs = [];", "const routes = new Map();"];
  for (let i = 0; i < blocks; i++) {
    const messages = Array.from(
      { length: 12 },
      (_, k) =>
        `    m${k}: "Hello {name}, message ${k} of catalog ${i}: you have {count} new items in folder ${i}-${k}.",`,
    ).join("\n");
    const table = Array.from({ length: 40 }, (_, k) => (i * 7919 + k * 104729) % 65521).join(", ");
    parts.push(`const lib${i} = (() => {
  const messages = {
${messages}
  };
  const table = [${table}];
  class Model${i} {
    constructor(data) {
      this.id = data.id ?? ${i};
      this.name = String(data.name ?? "model-${i}");
      this.tags = [...(data.tags ?? [])];
      this.created = data.created ?? 0;
    }
    validate() {
      const errors = [];
      if (!Number.isInteger(this.id) || this.id < 0) errors.push("id must be a non-negative integer");
      if (this.name.length === 0 || this.name.length > 200) errors.push("name must be 1..200 chars");
      for (const t of this.tags) if (typeof t !== "string") errors.push("tags must be strings");
      return errors;
    }
    toJSON() {
      return { id: this.id, name: this.name, tags: this.tags, kind: "Model${i}" };
    }
  }
  function format(template, vars) {
    return template.replace(/\\{(\\w+)\\}/g, (_, k) => String(vars[k] ?? ""));
  }
  function checksum(str) {
    let h = 2166136261 ^ ${i};
    for (let j = 0; j < str.length; j++) h = Math.imul(h ^ str.charCodeAt(j), 16777619);
    return (h >>> 0).toString(16);
  }
  function lookup(n) {
    return table[n % table.length] * ${(i % 13) + 1};
  }
  routes.set("/lib/${i}", (url) => format(messages.m${i % 12}, { name: url.searchParams.get("name") ?? "guest", count: lookup(${i}) }));
  return { messages, table, Model: Model${i}, format, checksum, lookup };
})();
libs.push(lib${i});`);
  }
  parts.push(`
const index = new Map(libs.map((l, i) => [l.checksum("lib" + i), i]));
export default {
  fetch(req) {
    const url = new URL(req.url);
    const route = routes.get(url.pathname);
    if (route) return new Response(route(url));
    const lib = libs[url.pathname.length % libs.length];
    const m = new lib.Model({ id: 7, name: url.pathname, tags: ["a"] });
    return new Response("hello " + url.pathname + " " + m.validate().length + " " + index.size);
  },
};`);
  return parts.join("\n");
}

/**
 * Issue #5: start of a ~1 MB bundle from its app snapshot, in-process. Time from the request
 * (`Sandbox.serve`) to the app's handler running, on pool hits with the worker idle: a new wasm
 * memory per request vs a recycled one (reset to the app snapshot). Reference: evaluating the
 * bundle's top level in a sandbox without an app snapshot.
 */
export async function bundleStartBench(n = 100) {
  const code = bigBundle();
  const bytes = Buffer.byteLength(code);
  const sb = await createSandbox();
  const evalTimes = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const r = await sb.run(code, { type: "module", filename: "bundle.mjs" });
    if (r.status !== "ok") throw new Error(`bundle failed: ${r.stderr}`);
    if (i > 0) evalTimes.push(performance.now() - t0);
  }
  const rows = [];
  for (const recycle of [false, true]) {
    const pool = { size: 2, recycle };
    const options = { pool, filename: "bundle.mjs" };
    await sb.warm(code, options);
    const starts = [];
    const totals = [];
    let instanceBytes = 0;
    for (let i = 0; i < n + 10; i++) {
      for (let k = 0; k < 2000; k++) {
        const stats = sb.poolStats(code, options);
        if (stats.length > 0 && stats.every((s) => s.mode !== "pending" && s.ready >= s.target))
          break;
        await new Promise((r) => setTimeout(r, 1));
      }
      const t0 = performance.now();
      const r = await sb.serve(code, { method: "GET", url: "http://bench/lib/3?name=x" }, options);
      const t1 = performance.now();
      if (!new TextDecoder().decode(r.response?.body).startsWith("Hello x, message 3"))
        throw new Error(`bad response: ${r.stderr}`);
      if (r.pool?.mode !== "app")
        throw new Error(`no app snapshot: ${sb.poolStats(code, options)[0]?.reason}`);
      instanceBytes = sb.poolStats(code, options)[0]?.instanceBytes ?? 0;
      if (i < 10 || !r.pool.hit) continue;
      starts.push(r.pool.startedAt - (performance.timeOrigin + t0));
      totals.push(t1 - t0);
    }
    rows.push({
      recycle,
      n: starts.length,
      p50: quantile(starts, 0.5),
      p99: quantile(starts, 0.99),
      total50: quantile(totals, 0.5),
      instanceBytes,
    });
  }
  await sb.dispose();
  const fmt = (ms) => (ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)) + " ms";
  const evalMs = quantile(evalTimes, 0.5);
  const lines = [
    `bundle start (${(bytes / 1024).toFixed(0)} KiB): top level per run ${fmt(evalMs)}; ` +
      rows
        .map(
          (r) =>
            `${r.recycle ? "recycled" : "new memory"}: request → user code p50 ${fmt(r.p50)}, p99 ${fmt(r.p99)}`,
        )
        .join("; "),
  ];
  const markdown = `## Start of a ~1 MB bundle from its app snapshot (issue #5, in-process)

A generated ${(bytes / 1024).toFixed(0)} KiB app (${BUNDLE_BLOCKS} library-like modules: message catalogs, classes,
formatters, lookup tables, a router; registries built by the top level), served with
\`Sandbox.serve\`: time from the call to the app's \`fetch\` running, on pool hits with the worker
idle (${rows[0].n} requests each). Goal: ≤ 3 ms. Snapshot estimate per ready instance:
${(rows[0].instanceBytes / 1024 / 1024).toFixed(1)} MiB.

| start | request → user code, p50 | p99 | whole request, p50 |
| --- | ---: | ---: | ---: |
| top level evaluated per run (no app snapshot; \`Sandbox.run\`, whole run) | ${fmt(evalMs)} | | |
${rows.map((r) => `| app snapshot, ${r.recycle ? "recycled memory (reset to the snapshot)" : "new wasm memory per request"} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.total50)} |`).join("\n")}
`;
  return { lines, markdown, rows, bytes, evalMs };
}
