import { AirlockError } from "@airlock/config/errors";

/**
 * An error the HTTP layer turns into `{ error: { code, message, field? } }` with `status`.
 * Every failure a client can cause is one of these subclasses; anything else is a 500.
 */
export class ApiError extends AirlockError {
  constructor(
    readonly status: number,
    code: `AIRLOCK_${string}`,
    message: string,
    readonly field?: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** A request field is missing or wrong; `field` names it (`timeout`, `context.user`). */
export class BadRequestError extends ApiError {
  constructor(field: string | undefined, message: string) {
    super(400, "AIRLOCK_BAD_REQUEST", message, field);
  }
}

/** No API key, or one the server does not know. */
export class UnauthorizedError extends ApiError {
  constructor(message: string) {
    super(401, "AIRLOCK_UNAUTHORIZED", message);
  }
}

/** The execution, route or report does not exist (or was pruned by retention). */
export class NotFoundError extends ApiError {
  constructor(message: string) {
    super(404, "AIRLOCK_NOT_FOUND", message);
  }
}

/** The request body is larger than `MAX_BODY_SIZE`. */
export class PayloadTooLargeError extends ApiError {
  constructor(limit: number) {
    super(
      413,
      "AIRLOCK_PAYLOAD_TOO_LARGE",
      `request body exceeds ${limit} bytes; send less code/context or raise MAX_BODY_SIZE`,
    );
  }
}

/** Too many requests: the key's rate limit, or a full execution queue. `retryAfterS` goes in `Retry-After`. */
export class TooManyRequestsError extends ApiError {
  constructor(
    code: "AIRLOCK_RATE_LIMITED" | "AIRLOCK_QUEUE_FULL",
    message: string,
    readonly retryAfterS: number,
  ) {
    super(429, code, message);
  }
}

/** The requested engine exists in the API but is not installed on this server. */
export class EngineUnavailableError extends ApiError {
  constructor(
    readonly engine: string,
    reason: string,
  ) {
    super(
      501,
      "AIRLOCK_ENGINE_UNAVAILABLE",
      `engine "${engine}" is not available on this server (${reason}); use engine "quickjs" or see GET /api/engines`,
      "engine",
    );
  }
}

/** An environment variable of the server is invalid. The message is one line naming it. */
export class ServerEnvError extends AirlockError {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super("AIRLOCK_SERVER_ENV", `${variable}: ${problem}`);
  }
}

/** The execution queue was closed (server shutting down) while a job was waiting. */
export class QueueClosedError extends ApiError {
  constructor() {
    super(503, "AIRLOCK_SHUTTING_DOWN", "the server is shutting down; retry on another instance");
  }
}

/** The shared execution queue (Redis) cannot be reached right now; nothing was enqueued. */
export class QueueUnavailableError extends ApiError {
  constructor(cause?: unknown) {
    super(
      503,
      "AIRLOCK_QUEUE_UNAVAILABLE",
      "the execution queue (Redis at REDIS_URL) is unreachable; retry shortly, or check that Redis is up",
      undefined,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** A worker process stopped (crashed, was killed) while running the execution and BullMQ gave up on it. */
export class WorkerLostError extends AirlockError {
  constructor(reason: string) {
    super(
      "AIRLOCK_WORKER_LOST",
      `the worker running this execution stopped before it finished (${reason}); run it again, or raise JOB_ATTEMPTS to retry automatically`,
    );
  }
}
