import { analyze } from "../src/index.js";
import type { AnalysisResult, AnalyzeOptions, Finding } from "../src/index.js";

/** The findings of `code` for one rule. */
export function rules(result: AnalysisResult, rule: string): Finding[] {
  return result.findings.filter((f) => f.rule === rule);
}

/** Analyse and return the single finding of `rule` (fails when it is missing). */
export function finding(code: string, rule: string, options?: AnalyzeOptions): Finding {
  const result = analyze(code, options);
  const found = rules(result, rule);
  if (found.length === 0) {
    throw new Error(
      `no ${rule} in ${JSON.stringify(result.findings.map((f) => f.rule))} for: ${code}`,
    );
  }
  return found[0] as Finding;
}

export function categories(code: string, options?: AnalyzeOptions): Set<string> {
  return new Set(analyze(code, options).findings.map((f) => f.category));
}
