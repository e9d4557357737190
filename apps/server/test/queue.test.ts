import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExecutionQueue, type JobOutcome } from "../src/queue/queue.js";
import { TooManyRequestsError } from "../src/errors.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A job whose run resolves when told to, recording whether its signal was aborted. */
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const seen = { started: false, aborted: false };
  return {
    seen,
    open,
    run: async (signal: AbortSignal) => {
      seen.started = true;
      signal.addEventListener("abort", () => (seen.aborted = true));
      await opened;
      return value;
    },
  };
}

describe("ExecutionQueue", () => {
  it("runs at most `concurrency` jobs at once and starts the next when one ends", async () => {
    const q = new ExecutionQueue({ concurrency: 2, maxDepth: 10 });
    const gates = [gate(1), gate(2), gate(3)];
    const handles = gates.map((g, i) => q.submit({ id: `j${i}`, deadlineMs: 10_000, run: g.run }));
    await sleep(5);
    expect(gates.map((g) => g.seen.started)).toEqual([true, true, false]);
    expect(q.stats()).toMatchObject({ running: 2, queued: 1 });
    gates[0]!.open();
    expect(await handles[0]!.result).toEqual({ kind: "done", value: 1 });
    await sleep(5);
    expect(gates[2]!.seen.started).toBe(true);
    gates[1]!.open();
    gates[2]!.open();
    await Promise.all(handles.map((h) => h.result));
    expect(q.stats()).toMatchObject({ running: 0, queued: 0, done: 3, accepted: 3 });
  });

  it("starts high priority before normal before low, FIFO within a priority", async () => {
    const q = new ExecutionQueue({ concurrency: 1, maxDepth: 10 });
    const order: string[] = [];
    const blocker = gate(0);
    q.submit({ id: "blocker", deadlineMs: 10_000, run: blocker.run });
    const job = (id: string, priority: "low" | "normal" | "high") =>
      q.submit({ id, priority, deadlineMs: 10_000, run: async () => void order.push(id) });
    const hs = [
      job("low1", "low"),
      job("n1", "normal"),
      job("high1", "high"),
      job("n2", "normal"),
      job("high2", "high"),
    ];
    blocker.open();
    await Promise.all(hs.map((h) => h.result));
    expect(order).toEqual(["high1", "high2", "n1", "n2", "low1"]);
  });

  it("refuses with 429 AIRLOCK_QUEUE_FULL and a Retry-After once depth is reached (and accepts below it)", async () => {
    const q = new ExecutionQueue({ concurrency: 1, maxDepth: 2 });
    const g = gate(0);
    for (const id of ["a", "b", "c"]) q.submit({ id, deadlineMs: 10_000, run: g.run });
    let refused: unknown;
    try {
      q.submit({ id: "d", deadlineMs: 10_000, run: g.run });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect(refused).toMatchObject({ status: 429, code: "AIRLOCK_QUEUE_FULL" });
    expect((refused as TooManyRequestsError).retryAfterS).toBeGreaterThanOrEqual(1);
    expect(q.stats()).toMatchObject({ accepted: 3, rejected: 1, queued: 2, running: 1 });
    g.open();
    await sleep(5);
    expect(() => q.submit({ id: "e", deadlineMs: 10_000, run: async () => 1 })).not.toThrow();
  });

  it("cancelling a queued job means it never runs; cancelling a running one aborts its signal", async () => {
    const q = new ExecutionQueue({ concurrency: 1, maxDepth: 5 });
    const running = gate(1);
    const waiting = gate(2);
    const h1 = q.submit({ id: "r", deadlineMs: 10_000, run: running.run });
    const h2 = q.submit({ id: "w", deadlineMs: 10_000, run: waiting.run });
    await sleep(1);
    expect(q.cancel("w", "not needed")).toBe(true);
    expect(await h2.result).toEqual({ kind: "cancelled", reason: "not needed" });
    expect(h1.cancel("stop")).toBe(true);
    expect(await h1.result).toEqual({ kind: "cancelled", reason: "stop" });
    expect(running.seen.aborted).toBe(true);
    expect(h1.cancel("again")).toBe(false);
    running.open();
    await sleep(5);
    expect(waiting.seen.started).toBe(false);
    expect(q.stats()).toMatchObject({ cancelled: 2, done: 0, running: 0 });
  });

  it("the watchdog settles `timeout` and aborts a run that overstays its deadline", async () => {
    const q = new ExecutionQueue({ concurrency: 1, maxDepth: 5, releaseGraceMs: 50 });
    const stuck = gate("late");
    const h = q.submit({ id: "s", deadlineMs: 30, run: stuck.run });
    expect(await h.result).toEqual({ kind: "timeout" });
    expect(stuck.seen.aborted).toBe(true);
    // The stuck run still holds its slot during the grace period, then the queue moves on.
    const next = q.submit({ id: "n", deadlineMs: 1000, run: async () => "next" });
    expect(await next.result).toEqual({ kind: "done", value: "next" });
    stuck.open();
  });

  it("a run that throws is a `failed` outcome, not an exception", async () => {
    const q = new ExecutionQueue({ concurrency: 1, maxDepth: 5 });
    const h = q.submit({ id: "x", deadlineMs: 1000, run: () => Promise.reject(new Error("boom")) });
    const outcome = await h.result;
    expect(outcome.kind).toBe("failed");
  });

  it("settle-once: completion racing the deadline and a cancel yields exactly one outcome per job", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            runMs: fc.integer({ min: 0, max: 12 }),
            deadlineMs: fc.integer({ min: 1, max: 12 }),
            cancelAtMs: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (jobs) => {
          const q = new ExecutionQueue({ concurrency: 3, maxDepth: 100, releaseGraceMs: 5 });
          const deliveries = new Map<string, JobOutcome<number>[]>();
          const handles = jobs.map((j, i) => {
            const id = `j${i}`;
            deliveries.set(id, []);
            const h = q.submit({
              id,
              deadlineMs: j.deadlineMs,
              run: () => new Promise<number>((r) => setTimeout(() => r(i), j.runMs)),
            });
            if (j.cancelAtMs !== undefined) setTimeout(() => q.cancel(id, "c"), j.cancelAtMs);
            // Subscribe twice: each subscriber sees the same single outcome.
            void h.result.then((o) => deliveries.get(id)!.push(o));
            return h;
          });
          const outcomes = await Promise.all(handles.map((h) => h.result));
          await sleep(20);
          for (const [id, seen] of deliveries) {
            expect(seen, id).toHaveLength(1);
          }
          const s = q.stats();
          // Every accepted job was counted under exactly one outcome kind.
          expect(s.done + s.timeout + s.cancelled + s.failed).toBe(jobs.length);
          expect(outcomes.filter((o) => o.kind === "done")).toHaveLength(s.done);
          expect(s.running).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("close() cancels waiting and running jobs and refuses new ones", async () => {
    const q = new ExecutionQueue({ concurrency: 1, maxDepth: 5 });
    const g = gate(1);
    const h1 = q.submit({
      id: "a",
      deadlineMs: 10_000,
      run: async (signal) => {
        const p = g.run(signal);
        signal.addEventListener("abort", () => g.open());
        return p;
      },
    });
    const h2 = q.submit({ id: "b", deadlineMs: 10_000, run: async () => 2 });
    await q.close("bye");
    expect((await h1.result).kind).toBe("cancelled");
    expect((await h2.result).kind).toBe("cancelled");
    expect(() => q.submit({ id: "c", deadlineMs: 10, run: async () => 3 })).toThrow(
      /shutting down/,
    );
  });
});
