import { AirlockError, resolveConfig } from "@airlock/config";
import { describe, expect, it } from "vitest";
import {
  AnalyzerOptionsError,
  analyze,
  blockThreshold,
  levelForScore,
  scoreFindings,
  shouldBlock,
} from "../src/index.js";
import type { Finding, Severity } from "../src/index.js";

const f = (rule: string, severity: Severity, line = 1): Finding => ({
  category: "network",
  rule,
  severity,
  message: rule,
  line,
  column: 1,
  snippet: "",
});

describe("scoring", () => {
  it("nothing found is 0 / none", () => {
    expect(scoreFindings([])).toEqual({ score: 0, level: "none" });
  });

  it("one finding of a severity gives that level", () => {
    expect(scoreFindings([f("a", "info")]).level).toBe("none");
    expect(scoreFindings([f("a", "low")]).level).toBe("low");
    expect(scoreFindings([f("a", "medium")]).level).toBe("medium");
    expect(scoreFindings([f("a", "high")]).level).toBe("high");
    expect(scoreFindings([f("a", "critical")]).level).toBe("critical");
  });

  it("has diminishing returns and never exceeds 100", () => {
    const one = scoreFindings([f("a", "medium")]).score;
    const two = scoreFindings([f("a", "medium"), f("a", "medium", 2)]).score;
    const many = scoreFindings(Array.from({ length: 200 }, (_, i) => f("a", "medium", i))).score;
    expect(two).toBeGreaterThan(one);
    expect(two).toBeLessThan(2 * one);
    expect(many).toBeLessThanOrEqual(50); // one rule repeated at most doubles its weight
    const all = scoreFindings(
      Array.from({ length: 50 }, (_, i) => f(`r${i}`, "critical", i)),
    ).score;
    expect(all).toBe(100);
  });

  it("distinct rules add up to a higher level", () => {
    expect(scoreFindings([f("a", "medium"), f("b", "medium"), f("c", "medium")]).level).toBe(
      "high",
    );
  });

  it("levels by threshold", () => {
    expect([0, 4, 5, 24, 25, 49, 50, 79, 80, 100].map(levelForScore)).toEqual([
      "none",
      "none",
      "low",
      "low",
      "medium",
      "medium",
      "high",
      "high",
      "critical",
      "critical",
    ]);
  });

  it("findings come sorted by position", () => {
    const result = analyze("fetch(a);\neval(b);\nfetch(c); process.env.X");
    const positions = result.findings.map((x) => [x.line, x.column]);
    expect(positions).toEqual(
      [...positions].sort(
        (a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number),
      ),
    );
    expect(positions[0]).toEqual([1, 1]);
  });

  it("the same rule at the same place is reported once", () => {
    const result = analyze("process.binding('fs')");
    expect(result.findings.filter((x) => x.rule === "process-binding")).toHaveLength(1);
  });
});

describe("blocking per tier", () => {
  it("strict blocks high, standard blocks critical, extended and agent never block on score", () => {
    expect(blockThreshold("strict")).toBe("high");
    expect(blockThreshold("standard")).toBe("critical");
    expect(blockThreshold("extended")).toBeNull();
    expect(blockThreshold("agent")).toBeNull();
  });

  it("allow and deny per tier", () => {
    const high = analyze("WebAssembly.instantiate(bytes)");
    const critical = analyze("require('child_process').execSync(cmd)");
    const low = analyze("await fetch('https://api.example.com')");
    expect([high.level, critical.level, low.level]).toEqual(["high", "critical", "low"]);
    expect(shouldBlock(high, "strict")).toBe(true);
    expect(shouldBlock(high, "standard")).toBe(false);
    expect(shouldBlock(critical, "standard")).toBe(true);
    expect(shouldBlock(critical, "extended")).toBe(false);
    expect(shouldBlock(critical, "agent")).toBe(false);
    expect(shouldBlock(low, "strict")).toBe(false);
  });

  it("takes a resolved config", () => {
    const config = resolveConfig({ policy: "strict" });
    expect(blockThreshold(config)).toBe("high");
    expect(shouldBlock({ level: "high" }, config)).toBe(true);
  });

  it("an unknown tier is a typed error", () => {
    expect(() => blockThreshold("lenient" as never)).toThrow(AnalyzerOptionsError);
    expect(() => shouldBlock({ level: "none" }, { policy: "x" } as never)).toThrow(AirlockError);
  });
});
