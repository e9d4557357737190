import { AirlockError } from "@airlock/config/errors";

/** The sandbox was disposed; create a new one with `createSandbox()`. */
export class SandboxDisposedError extends AirlockError {
  constructor() {
    super("AIRLOCK_DISPOSED", "this sandbox was disposed; create a new one with createSandbox()");
  }
}

/** A sandbox or run option is invalid. `field` names it (`timeoutMs`, `limits.heapBytes`, `args[2]`). */
export class InvalidOptionError extends AirlockError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super("AIRLOCK_INVALID_OPTION", `${field}: ${problem}`);
  }
}

/** The worker pool was shut down while a run was queued or running. */
export class WorkerPoolClosedError extends AirlockError {
  constructor() {
    super(
      "AIRLOCK_POOL_CLOSED",
      "the wasm worker pool was shut down (shutdownWorkers()) while this run was pending; run it again",
    );
  }
}
