import { expect, it } from "vitest";

it("pins the public export list", async () => {
  const mod = await import("../src/index.js");
  expect(Object.keys(mod).sort()).toEqual([
    "AnalyzerOptionsError",
    "LEVEL_THRESHOLDS",
    "MAX_INPUT_CHARS",
    "SEVERITY_WEIGHTS",
    "analyze",
    "blockThreshold",
    "errors",
    "levelForScore",
    "scoreFindings",
    "shouldBlock",
  ]);
  expect(Object.keys(mod.errors)).toEqual(["AnalyzerOptionsError"]);
});
