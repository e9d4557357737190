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
