import { expect } from "vitest";
import { levelForScore } from "../src/index.js";
import type { AnalysisResult } from "../src/index.js";

const CATEGORIES = new Set([
  "command-execution",
  "code-injection",
  "filesystem",
  "network",
  "prototype-pollution",
  "module-loading",
  "environment",
  "buffer-abuse",
  "timers",
  "webassembly",
  "encoding",
  "analysis",
]);
const ORDER = ["none", "low", "medium", "high", "critical"];

/** Everything a caller may rely on about a result. */
export function expectValid(result: AnalysisResult): void {
  expect(Number.isInteger(result.score)).toBe(true);
  expect(result.score).toBeGreaterThanOrEqual(0);
  expect(result.score).toBeLessThanOrEqual(100);
  // The level is the score's level, raised to the worst single finding when that is higher.
  const worst = Math.max(
    0,
    ...result.findings.map((f) => ORDER.indexOf(f.severity === "info" ? "none" : f.severity)),
  );
  expect(ORDER.indexOf(result.level)).toBe(
    Math.max(ORDER.indexOf(levelForScore(result.score)), worst),
  );
  let prev: [number, number] = [0, 0];
  const seen = new Set<string>();
  for (const f of result.findings) {
    expect(CATEGORIES.has(f.category)).toBe(true);
    expect(f.rule).not.toBe("internal-error");
    expect(f.line).toBeGreaterThanOrEqual(1);
    expect(f.column).toBeGreaterThanOrEqual(1);
    expect(f.snippet.length).toBeLessThanOrEqual(120);
    expect(f.line > prev[0] || (f.line === prev[0] && f.column >= prev[1])).toBe(true);
    prev = [f.line, f.column];
    const key = `${f.rule}@${f.line}:${f.column}`;
    expect(seen.has(key)).toBe(false);
    seen.add(key);
  }
  if (result.parseError) {
    expect(result.parseError.line).toBeGreaterThanOrEqual(1);
    expect(result.parseError.column).toBeGreaterThanOrEqual(1);
  }
}
