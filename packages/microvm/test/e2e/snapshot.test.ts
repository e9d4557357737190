import { readdirSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createVmSnapshot, VmDisposedError, type VmSnapshot } from "../../src/index.js";

// Snapshot/restore with guest RAM in /dev/shm: restored VMs must be as usable and as isolated
// as cold-booted ones, and not share clocks or random streams.

let snap: VmSnapshot;
beforeAll(async () => {
  snap = await createVmSnapshot({ writableRoot: true });
});
afterAll(() => snap?.close());

it("restores ready-to-exec VMs much faster than a boot, isolated from each other", async () => {
  const t0 = performance.now();
  await using a = await snap.restore();
  const restoreMs = performance.now() - t0;
  await using b = await snap.restore();
  console.info(`restore → ready: ${Math.round(restoreMs)} ms and ${b.bootMs} ms`);
  // ~50–150 ms on an idle 2-core machine; the bound leaves room for a loaded CI.
  expect(restoreMs).toBeLessThan(2000);

  expect(await a.exec({ argv: ["sh", "-c", "echo a > /etc/who && cat /etc/who"] })).toMatchObject({
    exitCode: 0,
    stdout: "a\n",
  });
  expect((await b.exec({ argv: ["cat", "/etc/who"] })).exitCode).not.toBe(0);

  // Each restore reseeds the RNG and takes the host's clock.
  const rand = ["sh", "-c", "head -c 16 /dev/urandom | od -An -tx1"];
  const [ra, rb] = await Promise.all([a.exec({ argv: rand }), b.exec({ argv: rand })]);
  expect(ra.stdout).toMatch(/[0-9a-f]{2}/);
  expect(ra.stdout).not.toBe(rb.stdout);
  const now = Number((await a.exec({ argv: ["date", "+%s"] })).stdout);
  expect(Math.abs(now - Date.now() / 1000)).toBeLessThan(5);
});

it("a restored VM that is closed leaves the snapshot usable; a closed snapshot refuses", async () => {
  const vm = await snap.restore();
  await vm.close();
  await using again = await snap.restore();
  expect((await again.exec({ argv: ["cat", "/etc/who"] })).exitCode).not.toBe(0);

  await snap.close();
  await expect(snap.restore()).rejects.toBeInstanceOf(VmDisposedError);
  // Running restored VMs keep their private copy of the RAM.
  expect((await again.exec({ argv: ["echo", "alive"] })).stdout).toBe("alive\n");
  // Its RAM file is gone from /dev/shm (the package's test files run one at a time).
  expect(readdirSync("/dev/shm").filter((f) => f.startsWith("airlock-snap-"))).toEqual([]);
});
