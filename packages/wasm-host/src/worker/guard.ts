/**
 * The hard deadline of an inline pool (guests run on the calling thread, no worker to terminate).
 *
 * QuickJS's interrupt handler ends a guest between bytecodes; one long builtin call
 * (`'x'.repeat(2 ** 27)`, a huge `join`) never reaches it. A worker pool terminates the worker;
 * on the calling thread the equivalent is V8's TerminateExecution, which node:vm's `timeout`
 * raises from a watchdog thread and which stops wasm code too (at loop back-edges and calls).
 * So every outermost entry into the engine — eval, function call, pending jobs: the only FFI
 * calls that run guest code — goes through a vm script with the run's remaining time. An
 * engine stopped that way is mid-operation: it is never entered again.
 */
import { Script } from "node:vm";
import { hostNow } from "./bridge.js";
import type { Instance } from "./instance.js";

/** The quickjs-emscripten-core FFI functions that run guest code. */
const ENTRIES = ["QTS_Eval", "QTS_Call", "QTS_ExecutePendingJob"] as const;

type Ffi = Record<string, (...args: unknown[]) => unknown>;

/** Thrown by a guarded entry into an engine the guard stopped. */
export class GuardTrippedError extends Error {
  constructor() {
    super("the engine was stopped at its run's deadline");
    this.name = "GuardTrippedError";
  }
}

const GUARD_SLOT = "__airlockGuardedEntry";
// One compiled script for every entry: it calls the function the guard parked on globalThis.
const ENTER = new Script(`globalThis.${GUARD_SLOT}()`, { filename: "airlock:guard" });

export class EntryGuard {
  /**
   * @param graceMs how long past the run's deadline an entry may last: the interrupt handler
   *   ends ordinary code at the deadline itself; the guard is the backstop for builtins.
   */
  constructor(readonly graceMs = 250) {}

  private deadline = Infinity;
  private depth = 0;
  private armedFfi: Ffi | null = null;
  /** The engine of the run the guard stopped, if it stopped one. */
  private stopped: Ffi | null = null;
  private readonly wrapped = new WeakSet<Ffi>();

  /** Guards `inst`'s engine until {@link disarm}; entries must finish before `deadline` (epoch ms). */
  arm(inst: Instance, deadline: number): void {
    const ffi = inst.engine.internals.ffi as unknown as Ffi;
    if (!this.wrapped.has(ffi)) this.wrap(ffi);
    this.armedFfi = ffi;
    this.deadline = deadline;
  }

  disarm(): void {
    this.armedFfi = null;
    this.deadline = Infinity;
  }

  /** True when the armed run's engine was stopped (the run timed out inside one entry). */
  get tripped(): boolean {
    return this.stopped !== null && this.stopped === this.armedFfi;
  }

  /**
   * Runs `fn` (host code that enters the guest several times, e.g. one turn of the event loop)
   * under one watchdog instead of one per entry. Plain call when nothing is armed.
   */
  run<T>(fn: () => T): T {
    const ffi = this.armedFfi;
    if (ffi === null) return fn();
    return this.enter(ffi, fn) as T;
  }

  private wrap(ffi: Ffi): void {
    this.wrapped.add(ffi);
    for (const name of ENTRIES) {
      const original = ffi[name];
      if (typeof original !== "function") {
        throw new Error(`engine FFI has no ${name}: quickjs-emscripten-core changed`);
      }
      ffi[name] = (...args: unknown[]) => this.enter(ffi, () => original.apply(ffi, args));
    }
  }

  private enter(ffi: Ffi, call: () => unknown): unknown {
    if (this.stopped === ffi) throw new GuardTrippedError();
    // Nested entries (guest → host function → guest) are covered by the outermost one; entries
    // outside an armed run (instance set-up, disposal) are bounded by the code the host runs.
    if (this.depth > 0 || ffi !== this.armedFfi || this.deadline === Infinity) return call();
    const left = Math.max(1, Math.ceil(this.deadline - hostNow()));
    const g = globalThis as Record<string, unknown>;
    this.depth++;
    g[GUARD_SLOT] = call;
    try {
      return ENTER.runInThisContext({ timeout: left });
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
        this.stopped = ffi;
        throw new GuardTrippedError();
      }
      throw err;
    } finally {
      this.depth--;
      g[GUARD_SLOT] = undefined;
    }
  }
}
