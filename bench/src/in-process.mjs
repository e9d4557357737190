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
    if (r.stdout !== "hi\n") throw new Error(`unexpected output ${JSON.stringify(r.stdout)}`);
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
