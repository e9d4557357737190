import { createHash, randomUUID } from "node:crypto";
import { TIERS, resolveConfig, type AirlockConfig, type PolicyTier } from "@airlock/config";
import {
  analyze,
  blockThreshold,
  shouldBlock,
  type AnalysisResult,
  type Finding,
} from "@airlock/analyzer";
import type { RunResult } from "@airlock/wasm-host";
import type { FastifyBaseLogger } from "fastify";
import type { AuditStatus, AuditStore } from "../audit/store.js";
import type { Engine, EngineName } from "../engines/registry.js";
import { EngineUnavailableError } from "../errors.js";
import type { JobOutcome } from "../queue/queue.js";
import type { RunHandle, RunQueue } from "../queue/run-queue.js";
import { contextPrelude } from "./context.js";
import { LatencyWindow } from "./latency.js";
import { Lru } from "./lru.js";
import type {
  ExecuteRequest,
  ExecutionResult,
  ExecutionStatus,
  OutputChunk,
  Violation,
} from "./types.js";

const MiB = 1024 * 1024;
/** The queue's watchdog fires this long after the engine's own deadline should have. */
const WATCHDOG_GRACE_MS = 2000;
/** Finished results kept in memory for `GET /api/result/:id` (output is never written to the audit DB). */
const RESULT_CACHE_SIZE = 1000;
/**
 * Analyses kept by the code's SHA-256: agents submit the same tool code again and again, and parsing is
 * most of the analyzer's cost. Only code up to `ANALYSIS_CACHE_MAX_CHARS` is kept, so the cache stays small.
 */
const ANALYSIS_CACHE_SIZE = 512;
const ANALYSIS_CACHE_MAX_CHARS = 256 * 1024;
/** Resolved configs by (policy, timeout, memory): resolving runs the config's zod schema each time. */
const CONFIG_CACHE_SIZE = 64;

const sha256 = (code: string) => createHash("sha256").update(code, "utf8").digest("hex");

export interface SubmitContext {
  apiKeyId: string | null;
  requestId: string | null;
  onChunk?: (chunk: OutputChunk) => void;
}

export interface Submitted {
  id: string;
  /** Resolves once with the final result; never rejects. */
  done: Promise<ExecutionResult>;
}

export interface ExecutionServiceOptions {
  /** In-process or BullMQ (see `createExecutionQueue`): the service does not care which. */
  queue: RunQueue;
  audit: AuditStore;
  engines: Record<EngineName, Engine>;
  defaultPolicy: PolicyTier;
  log: FastifyBaseLogger;
}

/** Status shown for an execution that has not finished. */
export type PendingStatus = { id: string; status: "queued" | "running" };

/**
 * The execution pipeline: tier limits → static analysis (may block) → audit row `queued` → queue →
 * engine → audit row updated → result. The HTTP layer only parses and calls this.
 */
export class ExecutionService {
  readonly #o: ExecutionServiceOptions;
  readonly #results = new Map<string, ExecutionResult>();
  /** Accepted and not yet finished: queued, running, or ended with its audit row still being made durable. */
  readonly #pending = new Map<string, ExecuteRequest>();
  readonly #listeners = new Set<(r: ExecutionResult) => void>();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #analyses = new Lru<string, AnalysisResult>(ANALYSIS_CACHE_SIZE);
  readonly #configs = new Lru<string, AirlockConfig>(CONFIG_CACHE_SIZE);
  readonly latency = new LatencyWindow(1000);
  readonly counts: Record<ExecutionStatus, number> = {
    completed: 0,
    error: 0,
    blocked: 0,
    timeout: 0,
    cancelled: 0,
  };

  constructor(options: ExecutionServiceOptions) {
    this.#o = options;
  }

  /** Analyses code the way `POST /api/execute` would, without running it. */
  analyze(code: string, policy: PolicyTier): AnalysisResult & { blocked: boolean } {
    const result = this.#analysis(code, sha256(code));
    return { ...result, blocked: shouldBlock(result, policy) };
  }

  /** The analyzer's result, from the cache when this exact code (by SHA-256) was analysed recently. */
  #analysis(code: string, codeSha256: string): AnalysisResult {
    if (code.length > ANALYSIS_CACHE_MAX_CHARS) return analyze(code, { language: "javascript" });
    return this.#analyses.getOrSet(codeSha256, () =>
      deepFreeze(analyze(code, { language: "javascript" })),
    );
  }

  /** The resolved (frozen) config of a tier with these limits, resolved once per combination. */
  #config(policy: PolicyTier, timeoutMs: number, memoryBytes: number): AirlockConfig {
    // The server never lends the host: whatever the tier grants locally, remote callers get no host
    // directories, no host environment and no host commands.
    return this.#configs.getOrSet(`${policy}:${timeoutMs}:${memoryBytes}`, () =>
      resolveConfig({
        policy,
        runtime: { timeout_ms: timeoutMs, heap_size: memoryBytes },
        dirs: [],
        env: [],
        allowCommands: [],
        commands: {},
      }),
    );
  }

  /** Subscribes to every finished execution (the dashboard's feed). Returns the unsubscribe function. */
  onResult(listener: (r: ExecutionResult) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Accepts an execution. Throws an `ApiError` when it is refused (engine unavailable 501, queue full 429);
   * a blocked execution is accepted, audited, and resolves at once with status `blocked`.
   */
  async submit(req: ExecuteRequest, ctx: SubmitContext): Promise<Submitted> {
    const engineName = req.engine ?? "quickjs";
    const engine = this.#o.engines[engineName];
    if (!engine.info.available) {
      throw new EngineUnavailableError(engineName, engine.info.reason ?? "not installed");
    }
    const policy = req.policy ?? this.#o.defaultPolicy;
    const tier = TIERS[policy].runtime;
    const timeoutMs = Math.min(req.timeout ?? tier.timeout_ms, tier.timeout_ms);
    const memoryBytes = Math.min(
      req.memory !== undefined ? req.memory * MiB : tier.heap_size,
      tier.heap_size,
    );
    const config = this.#config(policy, timeoutMs, memoryBytes);
    const limits = { timeoutMs, memoryBytes, maxOutputBytes: config.runtime.max_output_bytes };
    const codeSha256 = sha256(req.code);
    const analysis = this.#analysis(req.code, codeSha256);
    const dangerAnalysis = {
      score: analysis.score,
      level: analysis.level,
      findings: analysis.findings,
    };
    const id = `exe_${randomUUID()}`;
    const base = {
      id,
      createdAt: Date.now(),
      requestId: ctx.requestId,
      apiKeyId: ctx.apiKeyId,
      codeSha256,
      codeSize: Buffer.byteLength(req.code, "utf8"),
      policy,
      engine: engineName,
      score: analysis.score,
      level: analysis.level,
      findings: analysis.findings,
    };
    const shell = { engine: engineName, policy, limits, dangerAnalysis, exitCode: null };

    if (shouldBlock(analysis, policy)) {
      await this.#o.audit.insert({ ...base, status: "blocked" });
      const violations: Violation[] = blockingFindings(analysis.findings, policy).map((f) => ({
        type: "analysis",
        rule: f.rule,
        message: `line ${f.line}: ${f.message}`,
      }));
      const result: ExecutionResult = {
        id,
        status: "blocked",
        ...shell,
        output: "",
        stderr: "",
        durationMs: 0,
        error: {
          code: "AIRLOCK_BLOCKED",
          message: `the ${policy} policy blocks code at risk level ${analysis.level} (score ${analysis.score}); the code was not run`,
        },
        violations,
      };
      this.#finish(result);
      return { id, done: Promise.resolve(result) };
    }

    // Refuse before writing anything: a refused request was never accepted, so it leaves no row.
    await this.#o.queue.assertAccepting();
    await this.#o.audit.insert({ ...base, status: "queued" });
    const code = contextPrelude(req.context) + req.code;
    let handle: RunHandle;
    try {
      handle = await this.#o.queue.submit(
        {
          id,
          engine: engineName,
          code,
          config,
          timeoutMs,
          heapBytes: memoryBytes,
          maxOutputBytes: limits.maxOutputBytes,
          priority: req.priority ?? "normal",
          deadlineMs: timeoutMs + WATCHDOG_GRACE_MS,
        },
        {
          onStart: () => void this.#o.audit.markRunning(id).catch((e) => this.#auditFailed(id, e)),
          ...(ctx.onChunk ? { onChunk: ctx.onChunk } : {}),
        },
      );
    } catch (error) {
      // Lost the race for the last slot between the check and here (the audit insert awaited), or the
      // shared queue became unreachable.
      await this.#o.audit.finish(id, {
        status: "rejected",
        exitCode: null,
        durationMs: null,
        outputBytes: null,
        errorCode: (error as { code?: string }).code ?? "AIRLOCK_REJECTED",
        errorMessage: (error as Error).message,
      });
      throw error;
    }
    this.#pending.set(id, req);
    const started = performance.now();
    const done = handle.result.then(async (outcome) => {
      const { status, ...fields } = toResult(outcome, performance.now() - started);
      const result: ExecutionResult = { id, status, ...shell, ...fields };
      try {
        await this.#o.audit.finish(id, {
          status: result.status as AuditStatus,
          exitCode: result.exitCode,
          durationMs: result.durationMs,
          outputBytes: Buffer.byteLength(result.output) + Buffer.byteLength(result.stderr),
          errorCode: result.error?.code ?? null,
          errorMessage: result.error?.message.slice(0, 500) ?? null,
        });
      } catch (e) {
        this.#auditFailed(id, e);
      }
      // Only now, with the final row durable, is the result shown (here and by `lookup`).
      this.#pending.delete(id);
      this.#finish(result);
      return result;
    });
    this.#inflight.add(done);
    void done.finally(() => this.#inflight.delete(done));
    return { id, done };
  }

  /** Resolves when every accepted execution has finished and its audit row is written. */
  async drain(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** Cancels a queued or running execution. False when unknown or already finished. */
  cancel(id: string, reason: string): boolean {
    return this.#o.queue.cancel(id, reason);
  }

  /** A finished result (with output) while it is cached, a pending status, or undefined. */
  lookup(id: string): ExecutionResult | PendingStatus | undefined {
    const done = this.#results.get(id);
    if (done) return done;
    const state = this.#o.queue.state(id);
    if (state === "queued" || state === "running") return { id, status: state };
    // The run ended but its final audit row is still being synced: not finished yet for the client.
    if (this.#pending.has(id)) return { id, status: "running" };
    return undefined;
  }

  #finish(result: ExecutionResult): void {
    this.counts[result.status]++;
    if (result.status !== "blocked") this.latency.add(result.durationMs);
    this.#results.set(result.id, result);
    if (this.#results.size > RESULT_CACHE_SIZE) {
      const oldest = this.#results.keys().next().value;
      if (oldest !== undefined) this.#results.delete(oldest);
    }
    for (const l of this.#listeners) l(result);
  }

  #auditFailed(id: string, error: unknown): void {
    this.#o.log.error({ err: error, executionId: id }, "audit write failed");
  }
}

/** Cached analyses are shared by every result that reuses them: freeze them so none can alter another's. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const SEVERITY_RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;

/** The findings at or above the tier's block level; all non-info ones when only their sum crossed it. */
function blockingFindings(findings: readonly Finding[], policy: PolicyTier): readonly Finding[] {
  const threshold = blockThreshold(policy);
  const min = threshold === null || threshold === "none" ? 0 : SEVERITY_RANK[threshold];
  const severe = findings.filter((f) => SEVERITY_RANK[f.severity] >= min);
  return severe.length > 0 ? severe : findings.filter((f) => f.severity !== "info");
}

/** Maps a queue outcome (and the engine's result inside it) to the API's result fields. */
function toResult(
  outcome: JobOutcome<RunResult>,
  elapsedMs: number,
): Pick<
  ExecutionResult,
  "status" | "output" | "stderr" | "exitCode" | "durationMs" | "error" | "violations"
> {
  const round = (ms: number) => Math.round(ms * 100) / 100;
  switch (outcome.kind) {
    case "timeout":
      return {
        status: "timeout",
        output: "",
        stderr: "",
        exitCode: null,
        durationMs: round(elapsedMs),
        error: {
          code: "AIRLOCK_TIMEOUT",
          message: "the engine did not stop at its deadline; it was aborted",
        },
        violations: [{ type: "limit", rule: "timeout", message: "wall-clock deadline exceeded" }],
      };
    case "cancelled":
      return {
        status: "cancelled",
        output: "",
        stderr: "",
        exitCode: null,
        durationMs: round(elapsedMs),
        error: { code: "AIRLOCK_CANCELLED", message: outcome.reason },
      };
    case "failed":
      return {
        status: "error",
        output: "",
        stderr: "",
        exitCode: null,
        durationMs: round(elapsedMs),
        error: {
          code:
            (outcome.error as { code?: string })?.code === "AIRLOCK_WORKER_LOST"
              ? "AIRLOCK_WORKER_LOST"
              : "AIRLOCK_ENGINE_FAILURE",
          message: String((outcome.error as Error)?.message ?? outcome.error),
        },
      };
    case "done": {
      const r = outcome.value;
      const common = {
        output: r.stdout,
        stderr: r.stderr,
        exitCode: r.exitCode,
        durationMs: round(r.durationMs),
      };
      const error = r.error ? { code: r.error.code, message: r.error.message } : undefined;
      switch (r.status) {
        case "ok":
          return r.exitCode === 0
            ? { ...common, status: "completed" }
            : {
                ...common,
                status: "error",
                error: {
                  code: "AIRLOCK_EXIT_CODE",
                  message: `the code exited with code ${r.exitCode}`,
                },
              };
        case "timeout":
          return {
            ...common,
            status: "timeout",
            error: error ?? { code: "AIRLOCK_TIMEOUT", message: "wall-clock deadline exceeded" },
            violations: [
              { type: "limit", rule: "timeout", message: "wall-clock deadline exceeded" },
            ],
          };
        case "out_of_memory":
        case "output_limit":
          return {
            ...common,
            status: "error",
            error: error ?? {
              code: `AIRLOCK_${r.status.toUpperCase()}`,
              message: r.status.replace("_", " "),
            },
            violations: [
              {
                type: "limit",
                rule: r.status === "out_of_memory" ? "memory" : "output",
                message:
                  r.status === "out_of_memory" ? "heap limit exceeded" : "output limit exceeded",
              },
            ],
          };
        case "killed":
          return {
            ...common,
            status: "cancelled",
            error: error ?? { code: "AIRLOCK_CANCELLED", message: "aborted" },
          };
        default:
          return { ...common, status: "error", ...(error ? { error } : {}) };
      }
    }
  }
}
