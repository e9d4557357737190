// The host-call bridge, exercised in-process on the built worker modules: a test guest module
// and a test op stand in for the capability modules the next layer adds.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { buildPrelude, GUEST_MODULES } from "../dist/guest/prelude.js";
import { Instance } from "../dist/worker/instance.js";
import { GuestError, OPS, type Op } from "../dist/worker/ops/index.js";
import { Run, executeRun } from "../dist/worker/run.js";
import type { WireChunk } from "../dist/protocol.js";

const require = createRequire(import.meta.url);
const wasm = await WebAssembly.compile(
  readFileSync(require.resolve("@jitl/quickjs-ng-wasmfile-release-sync/wasm")),
);
const limits = {
  timeoutMs: 2000,
  heapBytes: 32 << 20,
  stackBytes: 1 << 20,
  maxMemoryPages: 1024,
  maxInstructions: 0,
  maxOutputBytes: 1 << 20,
};

// Runs in the guest (inlined by Function.prototype.toString): it only touches `host` and globalThis.
function installTestApi(g: Record<string, unknown>, host: { call: Function; callAsync: Function }) {
  g.echo = (args: unknown[], bytes?: Uint8Array) => host.call("test.echo", args, bytes);
  g.sleep = (ms: number) => host.callAsync("time.sleep", [ms]);
  g.fail = () => host.call("test.fail", []);
  g.failAsync = () => host.callAsync("test.failAsync", []);
  g.unknown = () => host.call("no.such.op", []);
}

const ops = new Map<string, Op>([
  ...OPS,
  [
    "test.echo",
    { kind: "sync", run: (args, bytes) => (bytes ? bytes.map((b) => b + 1) : { args }) },
  ],
  [
    "test.fail",
    {
      kind: "sync",
      run: () => {
        throw new GuestError("ENOENT", "no such thing");
      },
    },
  ],
  [
    "test.failAsync",
    { kind: "async", run: () => Promise.reject(new GuestError("EACCES", "denied")) },
  ],
]);

async function runWith(code: string) {
  const prelude = buildPrelude([...GUEST_MODULES, installTestApi as never]);
  const inst = await Instance.create(wasm, "test", 1024, 1 << 20, { prelude, ops });
  const out: WireChunk[] = [];
  const ctrl = new Int32Array(new SharedArrayBuffer(4));
  const req = {
    type: "run" as const,
    id: 1,
    code,
    filename: "t.js",
    args: [],
    stdin: null,
    module: false,
    env: {},
    limits,
    session: null,
  };
  const outcome = await executeRun(inst, new Run(req, ctrl, (c) => out.push(...c)));
  inst.dispose();
  return {
    outcome,
    stdout: out
      .filter(([fd]) => fd === 1)
      .map(([, d]) => d)
      .join(""),
  };
}

describe("host-call bridge", () => {
  it("passes JSON arguments and byte payloads by copy", async () => {
    const r = await runWith(
      `const a = { n: 1, s: "x\\u0000y", l: [true, null] };
       const back = echo([a]);
       console.log(JSON.stringify(back), back.args[0] === a);
       const src = new Uint8Array([1, 2, 3]);
       const out = echo([], src);
       console.log(out instanceof Uint8Array, Array.from(out).join(), Array.from(src).join());`,
    );
    expect(r.outcome.status).toBe("ok");
    expect(r.stdout).toBe(
      `{"args":[{"n":1,"s":"x\\u0000y","l":[true,null]}]} false\ntrue 2,3,4 1,2,3\n`,
    );
  });

  it("settles async ops from the worker's event loop", async () => {
    const r = await runWith(
      `const t = Date.now(); sleep(30).then((ms) => console.log(ms, Date.now() - t >= 25)); console.log("first")`,
    );
    expect(r.stdout).toBe("first\n30 true\n");
  });

  it("turns op errors into guest errors with a code", async () => {
    const r = await runWith(
      `try { fail() } catch (e) { console.log(e instanceof Error, e.code, e.message) }
       try { unknown() } catch (e) { console.log(e.code) }
       failAsync().catch((e) => console.log(e.code, e.message));`,
    );
    expect(r.stdout).toBe("true ENOENT no such thing\nERR_UNKNOWN_OP\nEACCES denied\n");
  });

  it("does not expose the raw bridge on globalThis", async () => {
    const r = await runWith(
      `console.log(Object.getOwnPropertyNames(globalThis).filter((k) => /raw|host|internals/i.test(k)).join())`,
    );
    expect(r.stdout).toBe("\n");
  });
});
