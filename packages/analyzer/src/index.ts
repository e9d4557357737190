export { analyze, MAX_INPUT_CHARS } from "./analyze.js";
export {
  scoreFindings,
  levelForScore,
  blockThreshold,
  shouldBlock,
  SEVERITY_WEIGHTS,
  LEVEL_THRESHOLDS,
} from "./score.js";
export { AnalyzerOptionsError } from "./errors.js";
export * as errors from "./errors.js";
export type {
  AnalysisResult,
  AnalyzeOptions,
  Category,
  Finding,
  ParseErrorInfo,
  RiskLevel,
  Severity,
} from "./types.js";
