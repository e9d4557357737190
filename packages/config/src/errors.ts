/**
 * Base class of every error Airlock throws on purpose. Each subclass has a stable `code`
 * (`AIRLOCK_…`) that callers can switch on, and a message that says what to change.
 */
export class AirlockError extends Error {
  readonly code: `AIRLOCK_${string}`;
  constructor(code: `AIRLOCK_${string}`, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A config value is wrong. `field` is the dotted path (`runtime.timeout_ms`, `dirs[0].path`). */
export class ConfigValidationError extends AirlockError {
  readonly field: string;
  readonly hint: string;
  readonly file: string | undefined;
  /** Every problem found, first one first; `field`/`hint` repeat the first. */
  readonly issues: readonly { field: string; message: string }[];
  constructor(issues: readonly { field: string; message: string }[], file?: string) {
    const first = issues[0] ?? { field: "(root)", message: "invalid config" };
    const where = file ? `${file}: ` : "";
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    super("AIRLOCK_CONFIG_INVALID", `${where}${first.field}: ${first.message}${more}`);
    this.field = first.field;
    this.hint = first.message;
    this.file = file;
    this.issues = issues;
  }
}

/** The config file is not valid JSON; `line`/`column` are 1-based. */
export class ConfigParseError extends AirlockError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(
      "AIRLOCK_CONFIG_PARSE",
      `${file}:${line}:${column}: malformed JSON (${detail}); fix the syntax at that position`,
    );
  }
}

/** The config file could not be read (missing, a directory, no permission). */
export class ConfigReadError extends AirlockError {
  constructor(
    readonly file: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super("AIRLOCK_CONFIG_READ", `${file}: cannot read config file (${reason})`, options);
  }
}
