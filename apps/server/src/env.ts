import { availableParallelism } from "node:os";
import { POLICY_TIERS, parseSize, type PolicyTier } from "@airlock/config";
import { z } from "zod";
import { ServerEnvError } from "./errors.js";

/** The server's typed settings: what the environment variables parse to (see README, "Configuration"). */
export interface ServerSettings {
  /** TCP port; 0 picks a free one. `PORT`, default 8787. */
  port: number;
  /** Interface to bind. `HOST`, default 127.0.0.1 (set 0.0.0.0 in a container). */
  host: string;
  /** Plain API keys (`API_KEYS`, comma separated, or `API_KEY`); hashed at startup. Empty = open mode. */
  apiKeys: string[];
  /** Origins allowed by CORS (`CORS_ORIGINS`, comma separated; `*` = any). Empty = no cross-origin access. */
  corsOrigins: string[];
  /** Largest request body, bytes (`MAX_BODY_SIZE`, bytes or `1mb`). Default 1 MiB. */
  maxBodySize: number;
  /** Rate-limit window per key, ms (`RATE_LIMIT_WINDOW_MS`, default 60000). */
  rateLimitWindowMs: number;
  /** Requests per key per window (`RATE_LIMIT_MAX_REQUESTS`, default 120; 0 = no limit). */
  rateLimitMaxRequests: number;
  /** SQLite audit database file (`DATABASE_PATH`, default ./airlock-audit.db). */
  databasePath: string;
  /** Audit rows older than this many days are deleted at start and hourly (`AUDIT_RETENTION_DAYS`, default 30; 0 = keep). */
  auditRetentionDays: number;
  /** `synchronous` pragma of the audit database (`AUDIT_SYNCHRONOUS`, default full). */
  auditSynchronous: "normal" | "full";
  /** Executions running at once (`QUEUE_CONCURRENCY`, default: the number of cores). */
  queueConcurrency: number;
  /** Executions waiting at most; beyond that 429 (`QUEUE_MAX_DEPTH`, default 64). */
  queueMaxDepth: number;
  /** SSE heartbeat comment interval, ms (`SSE_HEARTBEAT_MS`, default 15000). */
  sseHeartbeatMs: number;
  /** Policy tier of requests that name none (`DEFAULT_POLICY`, default standard). */
  defaultPolicy: PolicyTier;
  /** pino level (`LOG_LEVEL`, default info). */
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /**
   * Redis of the shared BullMQ queue (`REDIS_URL`, e.g. `redis://redis:6379/0`). Unset (default): executions
   * run in this process. Set: this node only enqueues, and `airlock-worker` processes run the sandboxes.
   */
  redisUrl: string | null;
  /** Prefix of every Redis key and channel (`REDIS_PREFIX`, default `airlock`): one per deployment sharing a Redis. */
  redisPrefix: string;
  /**
   * Runs an execution may get (`JOB_ATTEMPTS`, default 1): 1 marks a job failed when its worker dies; 2+
   * lets BullMQ's stalled-job check hand it to another worker. Only with `REDIS_URL`.
   */
  jobAttempts: number;
  /** Sandboxes one `airlock-worker` runs at once (`WORKER_CONCURRENCY`, default: the number of cores). */
  workerConcurrency: number;
  /**
   * How long a worker's lock on a job lasts without renewal, ms (`WORKER_LOCK_MS`, default 30000). A killed
   * worker's jobs are detected as stalled within about twice this.
   */
  workerLockMs: number;
  /** PostgreSQL audit database (`DATABASE_URL`); when set it replaces `DATABASE_PATH`. Needed with several API nodes. */
  databaseUrl: string | null;
}

/** The defaults of every setting: what an empty environment gives. */
export function defaultSettings(): ServerSettings {
  return {
    port: 8787,
    host: "127.0.0.1",
    apiKeys: [],
    corsOrigins: [],
    maxBodySize: 1024 * 1024,
    rateLimitWindowMs: 60_000,
    rateLimitMaxRequests: 120,
    databasePath: "./airlock-audit.db",
    auditRetentionDays: 30,
    auditSynchronous: "full",
    queueConcurrency: availableParallelism(),
    queueMaxDepth: 64,
    sseHeartbeatMs: 15_000,
    defaultPolicy: "standard",
    logLevel: "info",
    redisUrl: null,
    redisPrefix: "airlock",
    jobAttempts: 1,
    workerConcurrency: availableParallelism(),
    workerLockMs: 30_000,
    databaseUrl: null,
  };
}

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const list = z.string().transform((s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

const size = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const n = /^\d+$/.test(s) ? Number(s) : parseSize(s);
    if (n === undefined || n === null || !Number.isFinite(n) || n < 1) {
      ctx.addIssue({
        code: "custom",
        message: `must be a byte count or a size like 1mb, got "${s}"`,
      });
      return z.NEVER;
    }
    return n;
  });

/** One parser per variable, so an error names exactly the variable that is wrong. */
const VARIABLES = {
  PORT: ["port", int(0, 65535)],
  HOST: ["host", z.string().trim().min(1, "must not be empty")],
  API_KEYS: [
    "apiKeys",
    list.pipe(z.array(z.string().min(16, "each key must be at least 16 characters"))),
  ],
  CORS_ORIGINS: [
    "corsOrigins",
    list.pipe(
      z.array(
        z
          .string()
          .regex(
            /^(\*|https?:\/\/[^/\s]+)$/,
            'each origin must look like https://app.example.com (no path) or be "*"',
          ),
      ),
    ),
  ],
  MAX_BODY_SIZE: ["maxBodySize", size],
  RATE_LIMIT_WINDOW_MS: ["rateLimitWindowMs", int(1, 86_400_000)],
  RATE_LIMIT_MAX_REQUESTS: ["rateLimitMaxRequests", int(0, 10_000_000)],
  DATABASE_PATH: ["databasePath", z.string().trim().min(1, "must not be empty")],
  AUDIT_RETENTION_DAYS: ["auditRetentionDays", int(0, 36_500)],
  AUDIT_SYNCHRONOUS: [
    "auditSynchronous",
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(["normal", "full"])),
  ],
  QUEUE_CONCURRENCY: ["queueConcurrency", int(1, 1024)],
  QUEUE_MAX_DEPTH: ["queueMaxDepth", int(0, 100_000)],
  SSE_HEARTBEAT_MS: ["sseHeartbeatMs", int(100, 3_600_000)],
  DEFAULT_POLICY: [
    "defaultPolicy",
    z
      .string()
      .trim()
      .pipe(z.enum(POLICY_TIERS as [PolicyTier, ...PolicyTier[]])),
  ],
  LOG_LEVEL: [
    "logLevel",
    z
      .string()
      .trim()
      .pipe(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])),
  ],
  REDIS_URL: [
    "redisUrl",
    z
      .string()
      .trim()
      .regex(/^rediss?:\/\/\S+$/, "must look like redis://host:6379 or rediss://host:6380/0"),
  ],
  REDIS_PREFIX: [
    "redisPrefix",
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, '_', '.' or '-'"),
  ],
  JOB_ATTEMPTS: ["jobAttempts", int(1, 100)],
  WORKER_CONCURRENCY: ["workerConcurrency", int(1, 1024)],
  WORKER_LOCK_MS: ["workerLockMs", int(1000, 3_600_000)],
  DATABASE_URL: [
    "databaseUrl",
    z
      .string()
      .trim()
      .regex(
        /^postgres(ql)?:\/\/\S+$/,
        "must look like postgres://user:password@host:5432/airlock",
      ),
  ],
} as const satisfies Record<string, readonly [keyof ServerSettings, z.ZodType]>;

/**
 * Parses the server's environment variables into {@link ServerSettings}. Unset or empty variables keep
 * their defaults; `API_KEY` (one key) is merged into `API_KEYS`.
 *
 * @throws ServerEnvError naming the first bad variable, e.g. `PORT: must be a whole number between 0 and 65535`.
 */
export function parseEnv(env: Record<string, string | undefined> = process.env): ServerSettings {
  const settings = defaultSettings() as unknown as Record<string, unknown>;
  const merged: Record<string, string | undefined> = { ...env };
  if (env.API_KEY) merged.API_KEYS = [env.API_KEYS ?? "", env.API_KEY].join(",");
  for (const [name, [key, schema]] of Object.entries(VARIABLES)) {
    const raw = merged[name];
    if (raw === undefined || raw.trim() === "") continue;
    const parsed = (schema as z.ZodType).safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const variable = name === "API_KEYS" && env.API_KEY && !env.API_KEYS ? "API_KEY" : name;
      throw new ServerEnvError(variable, issue?.message ?? "invalid value");
    }
    settings[key] = parsed.data;
  }
  return settings as unknown as ServerSettings;
}
