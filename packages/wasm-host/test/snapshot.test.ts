// Snapshot/restore of an initialised engine (src/worker/snapshot.ts), in-process on the built
// worker modules, then through the public API. These pin the non-public parts of
// quickjs-emscripten-core 0.32.0 the snapshot relies on: if an upgrade breaks them, this fails.
import { createHash } from "node:crypto";
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { Instance, InstanceFactory } from "../dist/worker/instance.js";
import { Run, executeRun } from "../dist/worker/run.js";
import { Engine, Snapshot } from "../dist/worker/snapshot.js";
import { checksum } from "../dist/worker/checksum.js";
import type { WireChunk } from "../dist/protocol.js";
import { run } from "./helpers.js";

const require = createRequire(import.meta.url);
const bytes = readFileSync(require.resolve("@jitl/quickjs-ng-wasmfile-release-sync/wasm"));
const wasm = await WebAssembly.compile(bytes);
const hash = createHash("sha256").update(bytes).digest("hex");
const limits = {
  timeoutMs: 2000,
  heapBytes: 32 << 20,
  stackBytes: 1 << 20,
  maxMemoryPages: 1024,
  maxInstructions: 0,
  maxOutputBytes: 1 << 20,
};
let nextId = 1;

async function exec(inst: Instance, code: string, stackBytes = limits.stackBytes) {
  const out: WireChunk[] = [];
  const req = {
    type: "run" as const,
    id: nextId++,
    code,
    filename: "t.js",
    args: [],
    stdin: null,
    module: false,
    env: {},
    limits: { ...limits, stackBytes },
    session: null,
  };
  const r = new Run(req, new Int32Array(new SharedArrayBuffer(4)), (c) => out.push(...c));
  const outcome = await executeRun(inst, r);
  return {
    ...outcome,
    stdout: out
      .filter(([fd]) => fd === 1)
      .map(([, t]) => t)
      .join(""),
  };
}

/** A factory whose snapshot is taken, plus an instance restored from it. */
async function factoryWithSnapshot() {
  const factory = new InstanceFactory(wasm, hash);
  factory.warm(1024);
  for (let i = 0; i < 200 && factory.current === undefined; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(factory.current).toBeInstanceOf(Snapshot);
  return { factory, snap: factory.current as Snapshot };
}

const snapTop = (snap: Snapshot) => (snap as unknown as { stackTop: number }).stackTop;

const POLLUTE = `
  console.log("polluted");
  globalThis.leak = "from run A";
  Object.prototype.polluted = 1;
  Array.prototype.push = function () { return "hijacked"; };
  Math.random = () => 4;
  JSON.parse = null;
  (function deep(n) { return n === 0 ? 0 : 1 + deep(n - 1); })(400);
  const big = []; for (let i = 0; i < 2e4; i++) big[i] = { i, s: "x".repeat(i % 50) };
  globalThis.keep = big;
`;
const CHECK = `console.log(JSON.stringify([typeof leak, ({}).polluted, [].push(1), typeof JSON.parse,
  String(Math.random).includes("native code"), typeof keep]))`;
const PRISTINE = `["undefined",null,1,"function",true,"undefined"]\n`;

describe("snapshot/restore", () => {
  it("restores an engine whose state equals a fresh initialisation", async () => {
    const { snap } = await factoryWithSnapshot();
    const inst = Instance.restore(snap, await snap.freshEngine(wasm, 1024), 1 << 20);
    expect((await exec(inst, CHECK)).stdout).toBe(PRISTINE);
    const fresh = await Instance.create(wasm, hash, 1024, 1 << 20);
    expect((await exec(fresh, CHECK)).stdout).toBe(PRISTINE);
  });

  it("resets a used engine byte for byte to the snapshot (heap, stack, statics)", async () => {
    const { snap } = await factoryWithSnapshot();
    const engine = await snap.freshEngine(wasm, 1024);
    const pristine = Buffer.from(engine.bytes());
    const inst = Instance.restore(snap, engine, 1 << 20);
    expect((await exec(inst, POLLUTE)).stdout).toBe("polluted\n");
    expect(snap.reset(engine)).toBe(true);
    const after = engine.bytes();
    expect(after.subarray(0, pristine.length).equals(pristine)).toBe(true);
    expect(after.subarray(pristine.length).every((b) => b === 0)).toBe(true);
    // And the reset engine runs, pristine.
    const again = Instance.restore(snap, engine, 1 << 20);
    expect((await exec(again, CHECK)).stdout).toBe(PRISTINE);
  });

  it("refuses to reset an engine that is not at rest (deny) and one from another build", async () => {
    const { snap } = await factoryWithSnapshot();
    const engine = await snap.freshEngine(wasm, 1024);
    const other = await Engine.create(wasm, "another-build", 1024);
    expect(snap.reset(other)).toBe(false);
    expect(() => snap.attach(other, { hostFunctions: () => [] })).toThrow(/different engine/);
    // A heap that grew past the reset bound is discarded rather than zeroed.
    const inst = Instance.restore(snap, engine, 1 << 20);
    await exec(inst, `globalThis.k = []; for (let i = 0; i < 4e5; i++) k.push({ i, a: [i, i] })`);
    expect(snap.reset(engine)).toBe(false);
    // Host stack overflow inside the engine (this test thread has V8's default stack, smaller
    // than a pool worker's): wasm frames are unwound by a JS exception, the shadow-stack pointer
    // is left mid-stack, and the engine must not be reused.
    const engine2 = await snap.freshEngine(wasm, 1024);
    const deep = await exec(
      Instance.restore(snap, engine2, 4 << 20),
      `(function f(n) { return n === 0 ? 0 : 1 + f(n - 1); })(1e5)`,
      4 << 20,
    );
    expect(deep.error?.code).toBe("ENGINE_FAILURE");
    expect(engine2.stackPointer()).not.toBe(snapTop(snap));
    expect(snap.reset(engine2)).toBe(false);
  });

  it("recycles released instances through the factory, clean each time", async () => {
    const { factory } = await factoryWithSnapshot();
    const engines = new Set<Engine>();
    for (let i = 0; i < 6; i++) {
      const inst = await factory.take(1024, 1 << 20);
      engines.add(inst.engine);
      expect((await exec(inst, CHECK)).stdout).toBe(PRISTINE);
      await exec(inst, POLLUTE);
      factory.release(inst);
      factory.warm(1024);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(engines.size).toBeLessThan(6); // some engine was reused
  });

  it("reseeds Math.random in every restored instance", async () => {
    const { snap } = await factoryWithSnapshot();
    const seqs = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const inst = Instance.restore(snap, await snap.freshEngine(wasm, 1024), 1 << 20);
      seqs.add((await exec(inst, `console.log(Math.random(), Math.random())`)).stdout);
    }
    expect(seqs.size).toBe(8);
  });
});

const tempDirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "airlock-snap-"));
  tempDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe("on-disk snapshot cache", () => {
  async function factoryFromCache(dir: string) {
    const factory = new InstanceFactory(wasm, hash, {}, dir);
    return { factory, loaded: factory.loadCached() };
  }

  it("saves the snapshot once and restores later factories from it", async () => {
    const dir = tempDir();
    const first = await factoryFromCache(dir);
    expect(first.loaded).toBe(false);
    const inst = await first.factory.take(1024, 1 << 20); // takes and saves the snapshot
    expect((await exec(inst, CHECK)).stdout).toBe(PRISTINE);
    const files = readdirSync(dir).filter((f) => f.endsWith(".bin"));
    expect(files).toHaveLength(1);
    const second = await factoryFromCache(dir);
    expect(second.loaded).toBe(true);
    const restored = await second.factory.take(1024, 1 << 20);
    expect(restored.snapshot).not.toBeNull();
    expect((await exec(restored, CHECK)).stdout).toBe(PRISTINE);
    expect((await exec(restored, `console.log(Math.random() !== Math.random())`)).stdout).toBe(
      "true\n",
    );
  });

  it("keeps only the newest few snapshot files in the directory", async () => {
    const dir = tempDir();
    for (let i = 0; i < 6; i++) {
      const f = join(dir, `snapshot-${"0".repeat(31)}${i}.bin`);
      writeFileSync(f, "old", { mode: 0o600 });
      utimesSync(f, 1000 + i, 1000 + i);
    }
    await (await factoryFromCache(dir)).factory.take(1024, 1 << 20);
    const left = readdirSync(dir).filter((f) => f.endsWith(".bin"));
    expect(left).toHaveLength(4);
    expect((await factoryFromCache(dir)).loaded).toBe(true); // ours is among them
  });

  it("checksums catch every single-bit flip, at any alignment", () => {
    const data = new Uint8Array(1027).map((_, i) => (i * 7919) & 255);
    const sum = checksum(data);
    // The assembled wasm loop computes what this reference does.
    const reference = (d: Uint8Array) => {
      const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
      let a = 0x811c9dc5 ^ d.length;
      let b = 0x9e3779b9;
      const words = d.length >>> 2;
      for (let i = 0; i < words; i++) {
        const w = view.getUint32(4 * i, true);
        a = Math.imul(a ^ w, 0x01000193);
        b = Math.imul(b ^ ((w >>> 16) | (w << 16)), 0x2c1b3c6d) ^ (b >>> 13);
      }
      for (let i = words * 4; i < d.length; i++) a = Math.imul(a ^ d[i]!, 0x01000193);
      const hex = (x: number) => (x >>> 0).toString(16).padStart(8, "0");
      return hex(a) + hex(b);
    };
    for (const n of [0, 1, 3, 4, 5, 1027])
      expect(checksum(data.subarray(0, n)), `${n}`).toBe(reference(data.subarray(0, n)));
    expect(checksum(new Uint8Array(200_000).fill(0xa5))).toBe(
      reference(new Uint8Array(200_000).fill(0xa5)),
    );
    // Misaligned input (a subarray of a file buffer) gives the same sum.
    const shifted = new Uint8Array(data.length + 1);
    shifted.set(data, 1);
    expect(checksum(shifted.subarray(1))).toBe(sum);
    for (let i = 0; i < data.length; i += 13) {
      for (const bit of [0, 5, 7]) {
        const flipped = data.slice();
        flipped[i]! ^= 1 << bit;
        expect(checksum(flipped), `byte ${i} bit ${bit}`).not.toBe(sum);
      }
    }
    expect(checksum(data.subarray(0, 1026))).not.toBe(sum); // a lost tail byte
  });

  it("ignores a tampered, truncated or group-writable file (deny) and falls back", async () => {
    const dir = tempDir();
    await (await factoryFromCache(dir)).factory.take(1024, 1 << 20);
    const file = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith(".bin"))!,
    );
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100]! ^= 1;
    writeFileSync(file, flipped);
    expect((await factoryFromCache(dir)).loaded).toBe(false);
    writeFileSync(file, good.subarray(0, good.length >> 1));
    expect((await factoryFromCache(dir)).loaded).toBe(false);
    writeFileSync(file, good);
    chmodSync(file, 0o666);
    expect((await factoryFromCache(dir)).loaded).toBe(false);
    chmodSync(file, 0o600);
    expect((await factoryFromCache(dir)).loaded).toBe(true);
    // A fallback factory still works: it takes a new snapshot.
    const { factory } = await factoryFromCache(tempDir());
    expect((await exec(await factory.take(1024, 1 << 20), CHECK)).stdout).toBe(PRISTINE);
  });
});

describe("isolation through the public API (restored and recycled instances)", () => {
  it("never shows one run's globals, prototypes or heap to the next", async () => {
    for (let i = 0; i < 12; i++) {
      const before = await run(CHECK);
      expect(before.stdout).toBe(PRISTINE);
      expect((await run(POLLUTE)).stdout).toBe("polluted\n");
      await new Promise((r) => setTimeout(r, i % 3)); // let refills happen sometimes
    }
  });

  it("gives every sandbox its own Math.random sequence", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      seen.add((await run(`console.log(Math.random(), Math.random(), Math.random())`)).stdout);
    }
    expect(seen.size).toBe(30);
  });
});
