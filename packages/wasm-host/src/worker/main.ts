/**
 * Worker entry. Receives the compiled engine module and a shared control block in
 * `workerData`, runs one request at a time, and keeps a warm instance for the next.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { FromWorker, RunRequest, ToWorker, WireChunk } from "../protocol.js";
import { Instance, InstanceFactory } from "./instance.js";
import { Run, executeRun } from "./run.js";

interface Init {
  wasmModule: WebAssembly.Module;
  ctrl: SharedArrayBuffer;
  warmPages: number;
  warmStackBytes: number;
}

const init = workerData as Init;
const port = parentPort!;
const ctrl = new Int32Array(init.ctrl);
const factory = new InstanceFactory(init.wasmModule);
/** keepState sessions: session id → its instance. */
const sessions = new Map<number, Instance>();
let current: Run | null = null;
const post = (m: FromWorker) => port.postMessage(m);

async function handleRun(req: RunRequest): Promise<void> {
  const run = new Run(req, ctrl, (chunks: WireChunk[]) =>
    post({ type: "out", id: req.id, chunks }),
  );
  current = run;
  let inst: Instance | undefined;
  try {
    inst = req.session === null ? undefined : sessions.get(req.session);
    if (inst !== undefined && (inst.broken || inst.pages !== req.limits.maxMemoryPages)) {
      inst.dispose();
      inst = undefined;
    }
    inst ??= await factory.take(req.limits.maxMemoryPages, req.limits.stackBytes);
    if (req.session !== null) sessions.set(req.session, inst);
    post({ type: "started", id: req.id });
    const outcome = await executeRun(inst, run);
    post({ type: "done", id: req.id, outcome });
  } catch (err) {
    post({
      type: "done",
      id: req.id,
      outcome: {
        status: "error",
        exitCode: 1,
        error: {
          code: "ENGINE_FAILURE",
          message: `could not start the engine: ${(err as Error).message}`,
        },
        peakBytes: 0,
      },
    });
  } finally {
    current = null;
    if (inst !== undefined && (req.session === null || inst.broken)) {
      inst.dispose();
      if (req.session !== null) sessions.delete(req.session);
    }
    factory.warm(req.limits.maxMemoryPages, req.limits.stackBytes);
  }
}

port.on("message", (msg: ToWorker) => {
  switch (msg.type) {
    case "run":
      void handleRun(msg);
      break;
    case "abort":
      if (current?.runId === msg.id) current.halt("killed");
      break;
    case "drop-session": {
      const inst = sessions.get(msg.session);
      sessions.delete(msg.session);
      inst?.dispose();
      break;
    }
  }
});

factory.warm(init.warmPages, init.warmStackBytes);
post({ type: "ready" });
