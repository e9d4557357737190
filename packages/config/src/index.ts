export { AirlockError, ConfigValidationError, ConfigParseError, ConfigReadError } from "./errors.js";
export * as errors from "./errors.js";
export type * from "./types.js";
