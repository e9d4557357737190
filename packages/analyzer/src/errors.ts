import { AirlockError } from "@airlock/config/errors";

/** `analyze` or `shouldBlock` got an option it does not know; the message lists the accepted values. */
export class AnalyzerOptionsError extends AirlockError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super("AIRLOCK_ANALYZER_OPTIONS", `${option}: ${message}`);
  }
}
