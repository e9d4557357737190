/** The eleven threat categories, plus `analysis` for facts about the analysis itself (parse errors, caps). */
export type Category =
  | "command-execution"
  | "code-injection"
  | "filesystem"
  | "network"
  | "prototype-pollution"
  | "module-loading"
  | "environment"
  | "buffer-abuse"
  | "timers"
  | "webassembly"
  | "encoding"
  | "analysis";

/** How bad one finding is on its own. */
export type Severity = "info" | "low" | "medium" | "high" | "critical";

/** The overall verdict for a piece of code, derived from `score`. */
export type RiskLevel = "none" | "low" | "medium" | "high" | "critical";

/** One thing the analyzer noticed. `line` and `column` are 1-based. */
export interface Finding {
  readonly category: Category;
  /** Stable machine name of the rule (`eval-call`, `child-process-call`, …); see the README table. */
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  readonly line: number;
  readonly column: number;
  /** The source line around the finding, at most 120 characters. */
  readonly snippet: string;
}

/** Where the code stopped parsing. `line` and `column` are 1-based. */
export interface ParseErrorInfo {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

/** The result of {@link analyze}. */
export interface AnalysisResult {
  /** 0 (nothing found) to 100. */
  readonly score: number;
  readonly level: RiskLevel;
  /** Sorted by position, one per rule and position. */
  readonly findings: readonly Finding[];
  /** Present when the code (or part of it) did not parse; findings then come from a token scan. */
  readonly parseError?: ParseErrorInfo;
}

export interface AnalyzeOptions {
  /** `"typescript"` accepts type syntax (annotations, interfaces, enums, `as`). Default `"javascript"`. */
  readonly language?: "javascript" | "typescript";
  /** `"auto"` (default) tries a module first, then a script, and keeps whichever parses. */
  readonly sourceType?: "script" | "module" | "auto";
}
