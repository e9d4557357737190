// Recycling in the app pools (`pool.recycle`, the default of `airlock serve`): after a request,
// the used wasm memory is reset to the app snapshot and serves the next request. These tests
// prove that the reset memory is byte for byte what a new instance starts with, whatever the
// request did (globals, prototypes, timers left pending, a grown heap, a time-out or an
// out-of-memory in the middle), and that an instance that cannot be proven clean is dropped.
// In-process on the built worker modules, so each step (take → run → release → reset) is driven
// by the test and the same engine can be followed from one request to the next.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { AppPools } from "../dist/worker/app-pool.js";
import { Instance, InstanceFactory } from "../dist/worker/instance.js";
import { Run, executeRun, runInfoOf } from "../dist/worker/run.js";
import { MAX_RESET_GROWTH, type Snapshot } from "../dist/worker/snapshot.js";
import type { RunRequest, WorkerOutcome } from "../dist/protocol.js";

const require = createRequire(import.meta.url);
const bytes = readFileSync(require.resolve("@jitl/quickjs-ng-wasmfile-release-sync/wasm"));
const wasm = await WebAssembly.compile(bytes);
const hash = createHash("sha256").update(bytes).digest("hex");
const PAGES = 1024;
const limits = {
  timeoutMs: 2000,
  heapBytes: 32 << 20,
  stackBytes: 1 << 20,
  maxMemoryPages: PAGES,
  maxInstructions: 0,
  maxOutputBytes: 1 << 20,
};
const dec = new TextDecoder();
let nextId = 1;

/**
 * The app reports what a request can observe of earlier ones: its module state, globals,
 * prototypes, builtins, timers and microtasks left pending, and `Math.random`'s sequence. A
 * request to `/pollute/<how>` then changes all of that (and more, per `how`).
 */
const APP = `
let served = 0;
const table = Array.from({ length: 500 }, (_, i) => ({ i, s: "v" + i }));
export default {
  async fetch(req) {
    const path = new URL(req.url).pathname;
    served++;
    const seen = {
      served,
      leak: typeof globalThis.leak,
      proto: ({}).polluted ?? null,
      push: [].push(1),
      parse: typeof JSON.parse,
      table: table.length + ":" + table[7].s,
      timer: globalThis.timerFired ?? null,
      micro: globalThis.microRan ?? null,
    };
    if (path.startsWith("/pollute")) {
      globalThis.leak = "earlier request";
      Object.prototype.polluted = 1;
      Array.prototype.push = function () { return "hijacked"; };
      JSON.parse = null;
      table.length = 3;
      Math.random = () => 4;
      setTimeout(() => { globalThis.timerFired = true; }, 10);
      setInterval(() => { globalThis.timerFired = "interval"; }, 5);
      queueMicrotask(() => { globalThis.microRan = true; });
      new Promise(() => {}); // never settles
      (function deep(n) { return n === 0 ? 0 : 1 + deep(n - 1); })(300);
      if (path === "/pollute/grow") {
        // Moves the heap break: up to ~4 MiB more than the snapshot had.
        globalThis.keep = Array.from({ length: 3e4 }, (_, i) => ({ i, s: "x".repeat(i % 90) }));
      }
      if (path === "/pollute/loop") for (;;) {} // ends at the time limit
      if (path === "/pollute/oom") { const a = []; for (let i = 0; ; i++) a[i] = { i, s: "y" + i }; }
      if (path === "/pollute/throw") throw new Error("handler failed midway");
      if (path === "/pollute/await") await new Promise((r) => setTimeout(r, 1));
    }
    return new Response(JSON.stringify(seen));
  },
};`;

function request(path: string, over: Partial<typeof limits> = {}): RunRequest {
  return {
    type: "run",
    id: nextId++,
    code: APP,
    filename: "app.mjs",
    args: [],
    stdin: null,
    module: true,
    env: {},
    limits: { ...limits, ...over },
    session: null,
    serve: {
      app: "recycle-test",
      request: { method: "GET", url: `http://app.test${path}`, headers: [], body: null },
      poolSize: 1,
      poolBytes: 256 << 20,
      recycle: true,
    },
  };
}

interface Internals {
  apps: Map<string, { snapshot: Snapshot | null | undefined; ready: Instance[] }>;
  step(): Promise<boolean>;
}

/** Set while a request runs: background work waits, as in a worker. */
let busy = false;

async function pools() {
  const factory = new InstanceFactory(wasm, hash);
  const ctrl = new Int32Array(new SharedArrayBuffer(4));
  const p = new AppPools(
    wasm,
    hash,
    factory,
    ctrl,
    () => busy,
    () => undefined,
  );
  const internals = p as unknown as Internals;
  p.warm({ ...request("/"), id: 0, serve: { ...request("/").serve!, request: null } });
  for (let i = 0; i < 1000; i++) {
    const app = internals.apps.get("recycle-test");
    if (app?.snapshot !== undefined && app.ready.length > 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const snap = internals.apps.get("recycle-test")!.snapshot;
  if (!snap) throw new Error("no app snapshot");
  /** Runs the background work the worker does while idle (resets, refills) to completion. */
  const idle = async () => {
    while (await internals.step()) {
      // one unit per call
    }
  };
  return { p, snap, idle, ctrl };
}

async function serve(
  p: AppPools,
  ctrl: Int32Array,
  req: RunRequest,
): Promise<{ inst: Instance; out: WorkerOutcome; seen?: Record<string, unknown> }> {
  busy = true;
  let inst: Instance;
  let out: WorkerOutcome;
  try {
    ({ inst } = await p.take(req));
    out = await executeRun(inst, new Run(req, ctrl, () => undefined));
  } finally {
    busy = false;
  }
  p.release(inst, req);
  const body = out.response?.body;
  return { inst, out, ...(body ? { seen: JSON.parse(dec.decode(body)) } : {}) };
}

const PRISTINE = {
  served: 1,
  leak: "undefined",
  proto: null,
  push: 1,
  parse: "function",
  table: "500:v7",
  timer: null,
  micro: null,
};

/** The memory of a new instance restored from `snap`, as a request would get it. */
async function newMemory(snap: Snapshot): Promise<Buffer> {
  const engine = await snap.freshEngine(wasm, PAGES);
  Instance.restore(snap, engine, limits.stackBytes);
  return Buffer.from(engine.bytes());
}

/**
 * True if `now` equals a new instance's memory byte for byte, except the `Math.random` state,
 * which every restore reseeds (and which must then differ).
 */
function sameAsNew(now: Buffer, pristine: Buffer, snap: Snapshot): boolean {
  const s = snap as unknown as { ctxPtr: number; randomOffset: number };
  const off = s.ctxPtr + s.randomOffset;
  const masked = (b: Buffer) => Buffer.concat([b.subarray(0, off), b.subarray(off + 8)]);
  return (
    now.length === pristine.length &&
    masked(now).equals(masked(pristine)) &&
    now.readBigUInt64LE(off) !== pristine.readBigUInt64LE(off)
  );
}

describe("recycled app instances are new instances", () => {
  const cases: [string, Partial<typeof limits>, WorkerOutcome["status"]][] = [
    ["/pollute", {}, "ok"],
    ["/pollute/await", {}, "ok"],
    ["/pollute/grow", {}, "ok"],
    ["/pollute/throw", {}, "error"],
    ["/pollute/loop", { timeoutMs: 150 }, "timeout"],
  ];
  for (const [path, over, status] of cases) {
    it(`resets the memory byte for byte after ${path} (${status})`, async () => {
      const { p, snap, idle, ctrl } = await pools();
      const pristine = await newMemory(snap);
      const first = await serve(p, ctrl, request(path, over));
      expect(first.out.status).toBe(status);
      const engine = first.inst.engine;
      await idle(); // the reset
      // Every byte, the memory's size and the stack pointer (the module's only mutable
      // global) are what a new instance starts with.
      const now = engine.bytes();
      expect(now.length).toBe(pristine.length);
      expect(sameAsNew(now, pristine, snap)).toBe(true);
      expect(engine.stackPointer()).toBe((snap as unknown as { stackTop: number }).stackTop);
      // The next request gets that same memory and sees nothing of the first one.
      const second = await serve(p, ctrl, request("/check"));
      expect(second.inst.engine).toBe(engine);
      expect(second.inst).not.toBe(first.inst); // host-side wrappers are new as well
      expect(second.out.status).toBe("ok");
      expect(second.seen).toEqual(PRISTINE);
    });
  }

  it("gives each recycled request its own Math.random sequence", async () => {
    const { p, idle, ctrl } = await pools();
    const app = (r: RunRequest) => ({ ...r, code: RANDOM_APP, serve: { ...r.serve!, app: "rnd" } });
    const seen = new Set<string>();
    const engines = new Set<unknown>();
    for (let i = 0; i < 6; i++) {
      const { inst, out } = await serve(p, ctrl, app(request("/")));
      engines.add(inst.engine);
      seen.add(dec.decode(out.response!.body));
      await idle();
    }
    expect(engines.size).toBeLessThan(6); // recycled
    expect(seen.size).toBe(6);
  });

  it("after an out-of-memory in the middle: reset byte for byte, or dropped if it grew", async () => {
    const { p, snap, idle, ctrl } = await pools();
    const pristine = await newMemory(snap);
    const oom = await serve(p, ctrl, request("/pollute/oom", { heapBytes: 4 << 20 }));
    // Where the handler's promise chain catches the engine's InternalError, the request ends
    // as an error; where the engine could not even allocate it, as out_of_memory.
    expect(["error", "out_of_memory"]).toContain(oom.out.status);
    expect(oom.out.error?.message).toMatch(/out of memory/);
    const engine = oom.inst.engine;
    const s = snap as unknown as { brkAddr: number; brk: number; pages: number };
    const brk = engine.bytes().readUInt32LE(s.brkAddr);
    const reusable = engine.bytes().length === s.pages * 65536 && brk - s.brk <= MAX_RESET_GROWTH;
    await idle();
    if (reusable) expect(sameAsNew(engine.bytes(), pristine, snap)).toBe(true);
    // The same limits: a memory is sized for the limits it serves (heap included), so a pool
    // whose limits change starts over with new instances.
    const next = await serve(p, ctrl, request("/check", { heapBytes: 4 << 20 }));
    expect(next.inst.engine === engine).toBe(reusable);
    expect(next.seen).toEqual(PRISTINE);
  });

  it("drops an instance it cannot prove clean instead of reusing it", async () => {
    const { p, snap, idle, ctrl } = await pools();
    // A heap that grew past the reset bound (8 MiB): refused; a new engine serves next.
    const huge = (r: RunRequest): RunRequest => ({
      ...r,
      code: HUGE_APP,
      limits: { ...r.limits, heapBytes: 64 << 20 },
      serve: { ...r.serve!, app: "huge" },
    });
    const first = await serve(p, ctrl, huge(request("/")));
    expect(first.out.status).toBe("ok");
    await idle();
    const next = await serve(p, ctrl, huge(request("/")));
    expect(next.out.status).toBe("ok");
    expect(next.inst.engine).not.toBe(first.inst.engine);
    // A wasm memory larger than the snapshot's (a memory cannot shrink): refused.
    const used = await serve(p, ctrl, request("/check"));
    expect(snap.reset(used.inst.engine)).toBe(true);
    used.inst.engine.memory.grow(1);
    expect(snap.reset(used.inst.engine)).toBe(false);
  });
});

const HUGE_APP = `export default { fetch() {
  globalThis.huge = Array.from({ length: 3e5 }, (_, i) => ({ i, a: [i] }));
  return new Response(String(huge.length));
} };`;
const RANDOM_APP = `export default { fetch() { return new Response(String(Math.random())); } };`;

/**
 * What a request can see of the request before it and of its own run info (`process.env`,
 * `argv`, exit state). The top level changes all of those before the app snapshot is taken.
 */
const INFO_APP = `
const topEnv = process.env;
process.env.TOP = "set by the top level";
process.exitCode = 3;
process.on("exit", () => console.log("a top-level exit listener"));
let previous = null;
export default {
  async fetch(req) {
    const seen = {
      url: req.url,
      method: req.method,
      secret: req.headers.get("x-secret"),
      body: await req.text(),
      previous,
      global: globalThis.lastRequest ?? null,
      env: { ...process.env },
      argv: process.argv.slice(1),
      exitCode: process.exitCode ?? null,
      exitListeners: process.listenerCount("exit"),
      topEnv: topEnv === process.env,
    };
    previous = { url: req.url, secret: seen.secret, body: seen.body };
    globalThis.lastRequest = previous;
    process.env.LEAK = req.url;
    process.on("exit", () => console.log("a request's exit listener"));
    return new Response(JSON.stringify(seen));
  },
};`;

describe("run info applied once, in the app snapshot", () => {
  const post = (path: string, secret: string, env: Record<string, string> = {}): RunRequest => {
    const r = request(path);
    return {
      ...r,
      code: INFO_APP,
      env,
      serve: {
        ...r.serve!,
        app: "info",
        request: {
          method: "POST",
          url: `http://app.test${path}`,
          headers: [["x-secret", secret]],
          body: new TextEncoder().encode(`body of ${path}`),
        },
      },
    };
  };
  const own = (path: string, secret: string, env: Record<string, string> = {}) => ({
    url: `http://app.test${path}`,
    method: "POST",
    secret,
    body: `body of ${path}`,
    previous: null,
    global: null,
    env,
    argv: ["app.mjs"],
    exitCode: null,
    exitListeners: 0,
    topEnv: false,
  });

  it("a request sees its own URL, headers, body and env, nothing of the one before", async () => {
    const { p, idle, ctrl } = await pools();
    const engines = new Set<unknown>();
    const steps: [string, string, Record<string, string>][] = [
      ["/a", "first", {}],
      ["/b", "second", {}],
      ["/c", "third", { MODE: "other env: setRunInfo runs" }],
      ["/d", "fourth", {}],
    ];
    for (const [path, secret, env] of steps) {
      const req = post(path, secret, env);
      const { inst, out, seen } = await serve(p, ctrl, req);
      engines.add(inst.engine);
      expect(out.status).toBe("ok");
      expect(seen).toEqual(own(path, secret, env));
      // The instance came from the app snapshot, which holds the default run info: requests
      // with that info skip `reset` + `setRunInfo`, the one with another env does not.
      expect(inst.app).toBe("info");
      expect(inst.runInfo === runInfoOf(req)).toBe(Object.keys(env).length === 0);
      await idle();
    }
    expect(engines.size).toBeLessThan(steps.length); // memories were recycled
  });
});
