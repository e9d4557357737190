export { analyze, numericLiteral } from "./analyze.js";
export { compile } from "./compile.js";
export { explain } from "./explain.js";
export { frozenImports, instantiateFrozen } from "./wrap.js";
export {
  FreezeParseError,
  FreezeReportMismatchError,
  FreezeCompileError,
  FrozenDeadlineError,
} from "./errors.js";
export * as errors from "./errors.js";
export type * from "./types.js";
