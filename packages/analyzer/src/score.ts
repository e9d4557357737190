import type { PolicyTier } from "@airlock/config";
import { AnalyzerOptionsError } from "./errors.js";
import type { AnalysisResult, Finding, RiskLevel, Severity } from "./types.js";

/**
 * What one finding of each severity adds on its own. Each weight equals the lower bound of the
 * level of the same name, so one finding of severity S yields at least level S.
 */
export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = {
  info: 1,
  low: 8,
  medium: 25,
  high: 50,
  critical: 80,
};

/** Lower score bounds of each level: `none` < 5 ≤ `low` < 25 ≤ `medium` < 50 ≤ `high` < 80 ≤ `critical`. */
export const LEVEL_THRESHOLDS: Readonly<Record<Exclude<RiskLevel, "none">, number>> = {
  low: 5,
  medium: 25,
  high: 50,
  critical: 80,
};

const LEVEL_ORDER: readonly RiskLevel[] = ["none", "low", "medium", "high", "critical"];
const rank = (level: RiskLevel): number => LEVEL_ORDER.indexOf(level);
const severityLevel = (s: Severity): RiskLevel => (s === "info" ? "none" : s);

/**
 * Sum with diminishing returns. Repeats of one rule add half as much each time (a file with 50
 * `fetch` calls is not 50 times worse than one), then distinct rules combine like independent
 * probabilities: `100 · (1 − Π(1 − wᵢ/100))`, which never exceeds 100.
 */
export function scoreFindings(findings: readonly Finding[]): { score: number; level: RiskLevel } {
  const perRule = new Map<string, { weight: number; count: number }>();
  let worst: RiskLevel = "none";
  for (const f of findings) {
    const key = `${f.category}/${f.rule}/${f.severity}`;
    const entry = perRule.get(key) ?? { weight: SEVERITY_WEIGHTS[f.severity], count: 0 };
    entry.count++;
    perRule.set(key, entry);
    if (rank(severityLevel(f.severity)) > rank(worst)) worst = severityLevel(f.severity);
  }
  let remaining = 1;
  for (const { weight, count } of perRule.values()) {
    const contribution = Math.min(100, weight * (2 - 0.5 ** (count - 1)));
    remaining *= 1 - contribution / 100;
  }
  const score = Math.round(100 * (1 - remaining));
  const byScore = levelForScore(score);
  return { score, level: rank(byScore) >= rank(worst) ? byScore : worst };
}

/** The level a score falls in (see {@link LEVEL_THRESHOLDS}). */
export function levelForScore(score: number): RiskLevel {
  if (score >= LEVEL_THRESHOLDS.critical) return "critical";
  if (score >= LEVEL_THRESHOLDS.high) return "high";
  if (score >= LEVEL_THRESHOLDS.medium) return "medium";
  if (score >= LEVEL_THRESHOLDS.low) return "low";
  return "none";
}

const BLOCK_AT: Readonly<Record<PolicyTier, RiskLevel | null>> = {
  strict: "high",
  standard: "critical",
  extended: null,
  agent: null,
};

function tierOf(policy: PolicyTier | { readonly policy: PolicyTier }): PolicyTier {
  const tier = typeof policy === "string" ? policy : policy?.policy;
  if (typeof tier !== "string" || !Object.hasOwn(BLOCK_AT, tier)) {
    throw new AnalyzerOptionsError(
      "policy",
      `unknown policy tier ${JSON.stringify(tier)}; use strict, standard, extended or agent`,
    );
  }
  return tier as PolicyTier;
}

/**
 * The lowest risk level that a tier refuses to run, or `null` when the tier never blocks on the
 * score alone: `strict` blocks `high` and `critical`, `standard` blocks `critical`, `extended` and
 * `agent` never block (their code is expected to use the network, files and commands; the sandbox
 * still enforces every grant). Accepts a tier name or a resolved `AirlockConfig`.
 */
export function blockThreshold(
  policy: PolicyTier | { readonly policy: PolicyTier },
): RiskLevel | null {
  return BLOCK_AT[tierOf(policy)];
}

/** True when `result` reaches the tier's {@link blockThreshold}. */
export function shouldBlock(
  result: Pick<AnalysisResult, "level">,
  policy: PolicyTier | { readonly policy: PolicyTier },
): boolean {
  const threshold = blockThreshold(policy);
  return threshold !== null && rank(result.level) >= rank(threshold);
}
