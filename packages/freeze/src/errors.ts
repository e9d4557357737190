import { AirlockError } from "@airlock/config/errors";

/** The source given to `analyze`/`compile` is not valid JavaScript (ES2022, script or module). */
export class FreezeParseError extends AirlockError {
  constructor(
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(
      "AIRLOCK_FREEZE_PARSE",
      `${line}:${column}: cannot parse the source (${detail}); freeze accepts ES2022 scripts and modules`,
    );
  }
}

/** `compile` was given a report that was not produced by `analyze` for this exact source. */
export class FreezeReportMismatchError extends AirlockError {
  constructor(detail: string) {
    super(
      "AIRLOCK_FREEZE_REPORT_MISMATCH",
      `the report does not match the source (${detail}); call analyze(source) again and pass its report`,
    );
  }
}

/** binaryen rejected the generated module: a bug in freeze, never in the guest's code. */
export class FreezeCompileError extends AirlockError {
  constructor(detail: string) {
    super(
      "AIRLOCK_FREEZE_INVALID_MODULE",
      `generated WebAssembly failed validation (${detail}); report this with the source that caused it`,
    );
  }
}

/**
 * A frozen function ran out of fuel and the host's `airlock.checkpoint()` said the run's deadline
 * has passed. The run is over: raise the run's timeout (`runtime.timeout_ms`) if it should finish.
 */
export class FrozenDeadlineError extends AirlockError {
  constructor(readonly functionName: string) {
    super(
      "AIRLOCK_FROZEN_DEADLINE",
      `frozen function ${functionName} passed the run's deadline; raise runtime.timeout_ms or make it do less work`,
    );
  }
}
