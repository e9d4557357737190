/**
 * Executes one run inside an {@link Instance}: applies the limits, evaluates the code, drives
 * the event loop (worker/loop order = Node's: ticks → microtasks after every callback, timers
 * phase, then immediates) and turns how it ended into a {@link WorkerOutcome}.
 */
import type { QuickJSDeferredPromise, QuickJSHandle } from "quickjs-emscripten-core";
import { EXIT_CODES } from "../limits.js";
import type { HttpResponseData, RunRequest, WireChunk, WorkerOutcome } from "../protocol.js";
import { epochNow } from "../clock.js";
import { hostNow, type BridgeRun } from "./bridge.js";
import type { Instance } from "./instance.js";
import { installModuleLoader } from "./modules.js";
import { installFrozenGlobal } from "./ops/frozen.js";
import type { EntryGuard } from "./guard.js";

/**
 * quickjs-ng polls the interrupt handler about once per this many bytecode operations
 * (JS_INTERRUPT_COUNTER_INIT). The instruction budget is counted in polls × this.
 */
export const INSTRUCTIONS_PER_POLL = 10_000;
/** Output is posted to the main thread in batches of about this many bytes. */
const FLUSH_BYTES = 16 * 1024;

type Stop = "exit" | "timeout" | "instructions" | "output" | "killed" | "oom" | "error";

export class Run implements BridgeRun {
  readonly pending = new Set<QuickJSDeferredPromise>();
  readonly runId: number;
  stop: Stop | null = null;
  exitCode = 0;
  error: WorkerOutcome["error"];
  private readonly deadline: number;
  private readonly maxPolls: number;
  private polls = 0;
  private outBytes = 0;
  private chunks: WireChunk[] = [];
  private chunkBytes = 0;
  private waker: (() => void) | null = null;
  private endHooks: (() => void)[] = [];
  /** Fetch-handler runs: the guest's response, once it gave one. */
  response: HttpResponseData | null = null;
  /** When the app's handler was called (epoch ms), fetch-handler runs. */
  servedAt: number | undefined;
  /** Clock and randomness reads (bridge `now`, `crypto.random*`). */
  entropyReads = 0;
  /** True when the guest's heap is over its limit (set by executeRun when it can be measured). */
  heapOver: (() => boolean) | undefined;
  /** App-init runs: what the top-level code left behind (null: nothing; safe to snapshot). */
  leftover: string | null = null;

  constructor(
    readonly req: RunRequest,
    private readonly ctrl: Int32Array,
    private readonly post: (chunks: WireChunk[]) => void,
  ) {
    this.runId = req.id;
    this.deadline = hostNow() + req.limits.timeoutMs;
    this.maxPolls =
      req.limits.maxInstructions > 0
        ? Math.ceil(req.limits.maxInstructions / INSTRUCTIONS_PER_POLL)
        : 0;
  }

  /** The QuickJS interrupt handler: true ends the guest with an uncatchable error. */
  readonly interrupt = (): boolean => {
    if (this.stop !== null) return true;
    if (Atomics.load(this.ctrl, 0) === this.runId) return this.halt("killed");
    if (this.maxPolls > 0 && ++this.polls > this.maxPolls) return this.halt("instructions");
    if (this.heapOver?.() === true) return this.halt("oom");
    if (hostNow() > this.deadline) return this.halt("timeout");
    return false;
  };

  halt(reason: Stop): true {
    this.stop ??= reason;
    this.wake();
    return true;
  }

  noteEntropy(): void {
    this.entropyReads++;
  }

  respond(response: HttpResponseData): void {
    if (this.response !== null) return;
    this.response = response;
    // The response is the end of the request: timers the handler left are not waited for.
    this.requestExit(0);
  }

  failRequest(report: { text: string; code: string; message: string; stack?: string }): void {
    if (this.stop !== null || this.response !== null) return;
    this.writeReport(report.text);
    this.error = {
      code: report.code,
      message: report.message,
      ...(report.stack ? { stack: report.stack } : {}),
    };
    this.halt("error");
  }

  onEnd(fn: () => void): void {
    this.endHooks.push(fn);
  }

  /** Runs the end hooks (newest first); a failing hook does not stop the others. */
  end(): void {
    const hooks = this.endHooks.reverse();
    this.endHooks = [];
    for (const h of hooks) {
      try {
        h();
      } catch {
        // cleanup is best effort: the run is over either way
      }
    }
  }

  timeLeft(): number {
    return this.deadline - hostNow();
  }

  requestExit(code: number): void {
    this.exitCode = code;
    this.halt("exit");
  }

  write(fd: 1 | 2, text: string): boolean {
    if (this.stop === "output") return true;
    const max = this.req.limits.maxOutputBytes;
    const bytes = Buffer.byteLength(text);
    if (this.outBytes + bytes > max) {
      const room = max - this.outBytes;
      if (room > 0)
        this.push(
          fd,
          Buffer.from(text)
            .subarray(0, room)
            .toString("utf8")
            .replace(/\uFFFD$/, ""),
        );
      this.outBytes = max;
      this.halt("output");
      return true;
    }
    this.outBytes += bytes;
    this.push(fd, text);
    return false;
  }

  /** Stderr that must appear even past the output limit (the crash report), capped at 4 KiB. */
  writeReport(text: string): void {
    if (this.write(2, text) && this.stop !== "output") this.push(2, text.slice(0, 4096));
  }

  private push(fd: 1 | 2, text: string): void {
    if (text === "") return;
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && last[0] === fd) last[1] += text;
    else this.chunks.push([fd, text]);
    this.chunkBytes += text.length;
    if (this.chunkBytes >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    const chunks = this.chunks;
    this.chunks = [];
    this.chunkBytes = 0;
    this.post(chunks);
  }

  wake(): void {
    const w = this.waker;
    this.waker = null;
    w?.();
  }

  /** Sleep until `ms` pass, an async op settles, or the run is stopped. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), Math.max(0, ms));
      this.waker = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

const isModule = (req: RunRequest) => req.module;

/** What the guest's `process` gets for a run (argv, env, stdin), as the JSON `setRunInfo` takes. */
export function runInfoOf(req: RunRequest): string {
  return JSON.stringify({
    argv: ["airlock", req.filename, ...req.args],
    env: req.env,
    stdin: req.stdin === null ? "" : Buffer.from(req.stdin).toString("utf8"),
  });
}

/**
 * Puts an idle instance in the state a run with `info` starts from: the loop's queues emptied
 * and the run info set (what `executeRun` does first). False if the guest threw.
 */
export function applyRunInfo(inst: Instance, info: string): boolean {
  const { ctx, api } = inst;
  const callOk = (fn: QuickJSHandle, ...args: QuickJSHandle[]): boolean => {
    const r = ctx.callFunction(fn, ctx.undefined, ...args);
    if (r.error) {
      r.error.dispose();
      return false;
    }
    r.value.dispose();
    return true;
  };
  if (!callOk(api.reset)) return false;
  const infoH = ctx.newString(info);
  try {
    return callOk(api.setRunInfo, infoH);
  } finally {
    infoH.dispose();
  }
}

/** Runs `req` in `inst` and reports how it ended. Never throws for guest behaviour. */
export async function executeRun(
  inst: Instance,
  run: Run,
  guard?: EntryGuard,
): Promise<WorkerOutcome> {
  const { rt, ctx, api } = inst;
  /** One synchronous stretch of guest work: one watchdog for it in inline pools (guard.ts). */
  const seg = <T>(fn: () => T): T => (guard === undefined ? fn() : guard.run(fn));
  const { req } = run;
  const handles: QuickJSHandle[] = [];
  /** Fetch-handler run: `init` only runs the app's top level; `prepared` skips it (app snapshot). */
  const serving = req.serve !== undefined;
  const init = serving && req.serve!.request === null;
  const prepared = serving && inst.app !== null && inst.app === req.serve!.app;
  inst.current = run;
  inst.beginRun();
  rt.setInterruptHandler(run.interrupt);
  // Kept for what it does count (allocations × 8 bytes); the byte limit is the heap check.
  rt.setMemoryLimit(req.limits.heapBytes);
  const snapshot = inst.snapshot;
  if (snapshot !== null) {
    run.heapOver = () => snapshot.heapGrowth(inst.engine) > req.limits.heapBytes;
  }
  rt.setMaxStackSize(req.limits.stackBytes);
  installModuleLoader(inst, run);

  /** Classifies an error that escaped the guest. Returns false (the run is over). */
  const uncaught = (errH: QuickJSHandle, rejection: boolean): false => {
    if (run.stop !== null) return false; // interrupted on purpose: the error is ours
    let described: { name?: string; message?: string } = {};
    let d: unknown;
    try {
      d = ctx.dump(errH);
      if (d !== null && typeof d === "object") described = d as typeof described;
      else described = { message: String(d) };
    } catch {
      described = { message: "out of memory" };
    }
    // When an allocation fails the engine throws InternalError("out of memory") or, if it
    // cannot even allocate that error, `null`: classify by the runtime's memory state then.
    const engineOom =
      /out of memory/i.test(String(described.message)) &&
      (described.name ?? "InternalError") === "InternalError";
    const opaque = d === null || d === undefined || typeof d !== "object";
    if (engineOom || (opaque && inst.memoryExhausted(req.limits.heapBytes))) {
      run.halt("oom");
      run.writeReport(`Uncaught InternalError: out of memory\n`);
      return false;
    }
    run.halt("error");
    let report: { text: string; code: string; message: string; stack?: string };
    try {
      const r = ctx.callFunction(api.report, ctx.undefined, errH, rejection ? ctx.true : ctx.false);
      if (r.error) {
        r.error.dispose();
        throw new Error("report failed");
      }
      report = JSON.parse(ctx.getString(r.value)) as typeof report;
      r.value.dispose();
    } catch {
      const message = `${described.name ?? "Error"}: ${described.message ?? ""}`;
      report = { text: `Uncaught ${message}\n`, code: "ERR_UNCAUGHT_EXCEPTION", message };
    }
    run.writeReport(report.text);
    run.error = {
      code: report.code,
      message: report.message,
      ...(report.stack ? { stack: report.stack } : {}),
    };
    return false;
  };

  /** Calls a guest function; returns its result as a number/string, or undefined if it threw. */
  const call = (fn: QuickJSHandle, ...args: QuickJSHandle[]): number | string | undefined => {
    const r = ctx.callFunction(fn, ctx.undefined, ...args);
    if (r.error) {
      uncaught(r.error, false);
      r.error.dispose();
      return undefined;
    }
    const t = ctx.typeof(r.value);
    const v =
      t === "number" ? ctx.getNumber(r.value) : t === "string" ? ctx.getString(r.value) : undefined;
    r.value.dispose();
    return v;
  };

  /** nextTicks then microtasks until both queues are empty; then unhandled rejections. */
  const drain = (): boolean => {
    for (;;) {
      if (run.stop !== null) return false;
      const ticked = call(api.runTicks);
      if (ticked === undefined) return false;
      if (!rt.hasPendingJob()) {
        if (ticked === 0) break;
        continue;
      }
      const jobs = rt.executePendingJobs(-1);
      if (jobs.error) {
        uncaught(jobs.error, false);
        jobs.error.dispose();
        return false;
      }
    }
    const unhandled = call(api.takeUnhandled);
    if (typeof unhandled === "string" && unhandled !== "") {
      const report = JSON.parse(unhandled) as {
        text: string;
        code: string;
        message: string;
        stack?: string;
      };
      run.halt("error");
      run.writeReport(report.text);
      run.error = {
        code: report.code,
        message: report.message,
        ...(report.stack ? { stack: report.stack } : {}),
      };
      return false;
    }
    run.flush();
    return true;
  };

  let modulePromise: QuickJSHandle | undefined;
  try {
    seg(() => {
      const info = runInfoOf(req);
      // An instance restored from an app snapshot taken with this very run info already holds
      // the state `reset` + `setRunInfo` would produce (see AppPools.prepare): skip both calls.
      if (!prepared || inst.runInfo !== info) {
        call(api.reset);
        const infoH = ctx.newString(info);
        handles.push(infoH);
        call(api.setRunInfo, infoH);
      }
      if (req.frozen !== undefined) installFrozenGlobal(ctx, req.frozen, run.interrupt);

      const evaluated = prepared
        ? null
        : ctx.evalCode(
            req.code,
            req.filename,
            isModule(req) ? { type: "module" } : { type: "global" },
          );
      if (evaluated === null) {
        run.servedAt = epochNow();
        call(api.serve);
      } else if (evaluated.error) {
        uncaught(evaluated.error, false);
        evaluated.error.dispose();
      } else if (isModule(req)) {
        modulePromise = evaluated.value;
        handles.push(modulePromise);
      } else {
        evaluated.value.dispose();
      }
    });

    // The event loop. Each turn: guest work up to the next wait (one stretch), the wait, then
    // the due timers and immediates (another stretch).
    for (;;) {
      const turn = seg((): number | "break" | "continue" => {
        if (!drain()) return "break";
        if (modulePromise !== undefined) {
          const st = ctx.getPromiseState(modulePromise);
          if (st.type === "rejected") {
            uncaught(st.error, true);
            st.error.dispose();
            return "break";
          }
          if (st.type === "fulfilled") {
            if (serving && run.stop === null) {
              // The namespace: keep the app's default export in the guest, then serve.
              call(api.prepareApp, st.value, init ? ctx.true : ctx.false);
              if (!init && run.stop === null) {
                run.servedAt = epochNow();
                call(api.serve);
              }
            }
            if (st.value !== modulePromise) st.value.dispose();
            handles.splice(handles.indexOf(modulePromise), 1);
            modulePromise.dispose();
            modulePromise = undefined;
            // The handler's jobs were just queued: drain them before judging the loop idle.
            if (serving) return "continue";
          }
        }
        const state = call(api.state);
        if (typeof state !== "string") return "break";
        const [when, ref, immediates] = JSON.parse(state) as [number, number, number, number];
        if (!ref && immediates === 0 && run.pending.size === 0) return "break";
        const left = run.timeLeft();
        if (left <= 0) {
          run.halt("timeout");
          return "break";
        }
        return immediates > 0 ? 0 : when >= 0 ? Math.max(0, when - hostNow()) : left;
      });
      if (turn === "break") break;
      if (turn === "continue") continue;
      const delay = turn;
      const left = run.timeLeft();
      // Always yield to the worker's own event loop so abort messages and op results arrive.
      if (delay > 0) await run.sleep(Math.min(delay, left));
      else await new Promise<void>((resolve) => setImmediate(resolve));
      if (run.stop !== null) break;
      if (run.timeLeft() <= 0) {
        run.halt("timeout");
        break;
      }
      const ok = seg((): boolean => {
        if (!drain()) return false; // microtasks queued by settled async ops
        let ok = true;
        // Like libuv, time has 1 ms granularity: a timer due within the current millisecond
        // runs now, so `setTimeout(f, 0)` from the main script precedes `setImmediate` (Node's
        // usual order) instead of depending on how fast the script finished.
        const now = ctx.newNumber(hostNow() + 1);
        try {
          while (ok && call(api.runTimer, now) === 1) ok = drain();
        } finally {
          now.dispose();
        }
        if (!ok) return false;
        const [, , queued] = JSON.parse(String(call(api.state))) as [number, number, number];
        for (let i = 0; i < queued && ok; i++) {
          if (call(api.runImmediate) !== 1) break;
          ok = drain();
        }
        return ok;
      });
      if (!ok) break;
    }

    // Overran its deadline inside one long builtin (no interrupt poll there) and then finished
    // before the main thread's backstop: still over its time limit.
    if (run.stop === null && run.timeLeft() < 0) run.halt("timeout");
    if (run.stop === null && modulePromise !== undefined) {
      // Node: "Warning: Detected unsettled top-level await", exit code 13.
      run.writeReport(`Warning: Detected unsettled top-level await at ${req.filename}\n`);
      run.exitCode = 13;
      run.error = {
        code: "ERR_UNSETTLED_TOP_LEVEL_AWAIT",
        message: "top-level await never settled",
      };
      run.halt("exit");
    }
    if (init && run.stop === null) {
      // What the app's top level left would be lost or shared by a snapshot: refuse it then.
      const state = call(api.state);
      const [when, , immediates, ticks] = JSON.parse(String(state)) as number[];
      if (when !== -1 || immediates !== 0 || ticks !== 0) run.leftover = "it left timers pending";
      else if (rt.hasPendingJob()) run.leftover = "it left pending jobs";
      else if (run.pending.size > 0) run.leftover = "it left host operations in flight";
    } else if (run.stop === null) {
      const codeH = ctx.newNumber(Number(call(api.exitCode) ?? 0));
      handles.push(codeH);
      call(api.emitExit, codeH);
      if (run.stop === null || run.stop === "exit") {
        const code = call(api.exitCode);
        run.exitCode = typeof code === "number" ? code : 0;
      }
    }
  } catch (err) {
    // A host-side failure (engine abort, leaked handle): the instance is unusable.
    inst.broken = true;
    if (run.stop === null) {
      run.halt("error");
      run.error = {
        code: "ENGINE_FAILURE",
        message: `the engine failed: ${(err as Error).message}`,
      };
      run.writeReport(`airlock: the engine failed: ${(err as Error).message}\n`);
    }
  } finally {
    run.end();
    for (const d of run.pending) d.dispose();
    run.pending.clear();
    for (const h of handles.reverse()) if (h.alive) h.dispose();
    inst.current = null;
    run.flush();
  }
  if (serving && !init && run.response === null && (run.stop === null || run.stop === "exit")) {
    if (run.exitCode === 0) {
      run.stop = "error";
      run.error = {
        code: "ERR_AIRLOCK_NO_RESPONSE",
        message: "the app's fetch handler ended without returning a Response",
      };
      run.writeReport(`airlock: ${run.error.message}\n`);
      run.flush();
    }
  }
  const result = outcome(run, inst);
  if (run.response !== null) result.response = run.response;
  return result;
}

function outcome(run: Run, inst: Instance): WorkerOutcome {
  const peakBytes = inst.memory.buffer.byteLength;
  const { limits } = run.req;
  const base = { peakBytes };
  switch (run.stop) {
    case "timeout":
      return {
        ...base,
        status: "timeout",
        exitCode: EXIT_CODES.timeout,
        error: {
          code: "TIMEOUT",
          message: `run exceeded its ${limits.timeoutMs} ms time limit (timeoutMs)`,
        },
      };
    case "instructions":
      return {
        ...base,
        status: "timeout",
        exitCode: EXIT_CODES.timeout,
        error: {
          code: "INSTRUCTION_LIMIT",
          message: `run exceeded its budget of ${limits.maxInstructions} instructions (maxInstructions, counted per ${INSTRUCTIONS_PER_POLL}-instruction interrupt poll)`,
        },
      };
    case "output":
      return {
        ...base,
        status: "output_limit",
        exitCode: EXIT_CODES.output_limit,
        error: {
          code: "OUTPUT_LIMIT",
          message: `run wrote more than ${limits.maxOutputBytes} bytes to stdout+stderr (maxOutputBytes)`,
        },
      };
    case "killed":
      return {
        ...base,
        status: "killed",
        exitCode: EXIT_CODES.killed,
        error: { code: "KILLED", message: "run was aborted by its signal" },
      };
    case "oom":
      return {
        ...base,
        status: "out_of_memory",
        exitCode: EXIT_CODES.out_of_memory,
        error: {
          code: "OUT_OF_MEMORY",
          message: `guest ran out of memory (heapBytes ${limits.heapBytes}, maxMemoryPages ${limits.maxMemoryPages})`,
        },
      };
    case "error":
      return {
        ...base,
        status: "error",
        exitCode: EXIT_CODES.error,
        error: run.error ?? { code: "ERROR", message: "run failed" },
      };
    default: {
      if (run.exitCode === 0) return { ...base, status: "ok", exitCode: 0 };
      return {
        ...base,
        status: "error",
        exitCode: run.exitCode,
        error: run.error ?? {
          code: "EXIT_CODE",
          message: `process exited with code ${run.exitCode}`,
        },
      };
    }
  }
}
