import { describe, expect, it } from "vitest";
import { MAX_INPUT_CHARS, analyze } from "../src/index.js";
import { rules } from "./helpers.js";
import { expectValid } from "./validity.js";

/** Ordinary-looking code of about `bytes` characters. */
function bigProgram(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const chunk = `function f${i}(a, b) {\n  const s = "item-" + a + "-${i}";\n  return { id: ${i}, s, total: [a, b].map((x) => x * 2).reduce((p, q) => p + q, 0) };\n}\n`;
    parts.push(chunk);
    size += chunk.length;
  }
  return parts.join("");
}

// Generous per-test limit for slow CI machines; nothing here asserts on time.
describe("bounded work on hostile sizes and shapes", { timeout: 30_000 }, () => {
  it("a 1 MB program is fully analysed (time is logged, not asserted)", () => {
    const code = bigProgram(1024 * 1024) + "globalThis['ev' + 'al'](payload);\n";
    const t0 = performance.now();
    const result = analyze(code);
    const ms = performance.now() - t0;
    console.log(
      `analyze(${code.length} chars): ${ms.toFixed(0)} ms, ${result.findings.length} findings`,
    );
    expectValid(result);
    expect(result.parseError).toBeUndefined();
    const evalCall = rules(result, "eval-call")[0];
    expect(evalCall?.line).toBe(code.split("\n").length - 1);
  });

  it("input beyond the cap is cut and the cut is reported", () => {
    const code = bigProgram(MAX_INPUT_CHARS + 100_000) + "eval(x);\n";
    const t0 = performance.now();
    const result = analyze(code);
    console.log(
      `analyze(${code.length} chars, truncated): ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expectValid(result);
    expect(rules(result, "input-truncated")).toHaveLength(1);
    expect(rules(result, "eval-call")).toEqual([]); // beyond the cap: not seen, but the cut is reported
    expect(result.level).toBe("medium");
  });

  it("nesting too deep for the parser is reported, with a token scan", () => {
    for (const code of [
      "[".repeat(100_000) + "eval(x)",
      "(".repeat(50_000) + "1" + ")".repeat(50_000),
      "a" + "+a".repeat(60_000),
    ]) {
      const result = analyze(code);
      expectValid(result);
      expect(rules(result, "nesting-limit")).toHaveLength(1);
      expect(result.parseError?.message).toBe("nested too deeply to parse");
    }
    expect(rules(analyze("[".repeat(100_000) + "eval(x)"), "eval-call")).toHaveLength(1);
  });

  it("deep but parseable code is walked without recursion", () => {
    const depth = 1_000;
    const code = "x = " + "[".repeat(depth) + "eval(y)" + "]".repeat(depth);
    const result = analyze(code);
    expectValid(result);
    expect(result.parseError).toBeUndefined();
    expect(rules(result, "eval-call")).toHaveLength(1);
  });

  it("long + chains fold without recursion", () => {
    const code =
      "const k = " +
      Array.from("child_process", (c) => `'${c}'`).join(" + ") +
      " + ''".repeat(2_000) +
      "; require(k).exec(c)";
    const result = analyze(code);
    expect(result.parseError).toBeUndefined();
    expect(rules(result, "child-process-call")).toHaveLength(1);
  });

  it("doubling strings are capped instead of growing exponentially", () => {
    const lines = ["const a0 = 'xy';"];
    for (let i = 1; i <= 80; i++) lines.push(`const a${i} = a${i - 1} + a${i - 1};`);
    lines.push("globalThis[a80](1); globalThis['ev' + 'al'](2);");
    const result = analyze(lines.join("\n"));
    expectValid(result);
    expect(rules(result, "eval-call")).toHaveLength(1);
  });

  it("a flood of findings is capped and says so", () => {
    const result = analyze("eval(x);\n".repeat(2_000));
    expectValid(result);
    expect(result.findings.length).toBeLessThanOrEqual(501);
    expect(rules(result, "findings-capped")).toHaveLength(1);
    expect(result.level).toBe("critical");
  });

  it("80,000 top-level declarations parse in linear time (acorn's own check is quadratic)", () => {
    const code =
      Array.from({ length: 80_000 }, (_, i) => `let a${i} = ${i};`).join("\n") +
      "\nprocess.env.TOKEN";
    const t0 = performance.now();
    const result = analyze(code);
    console.log(
      `analyze(80,000 lets, ${code.length} chars): ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expect(result.parseError).toBeUndefined();
    expect(rules(result, "env-secret")).toHaveLength(1);
  });

  it("redeclarations and undefined exports are still parse errors", () => {
    expect(analyze("let a; let a;").parseError?.message).toBe(
      "Identifier 'a' has already been declared",
    );
    expect(analyze("var a; export { a, b }").parseError?.message).toBe("Export 'b' is not defined");
    expect(analyze("var a; var a; export { a }").parseError).toBeUndefined();
  });

  it("strings built by folding do not multiply work through eval", () => {
    const code = "const s = 'x;'.repeat(30000);\n" + "eval(s);\n".repeat(20_000);
    const t0 = performance.now();
    const result = analyze(code);
    console.log(
      `analyze(20,000 evals of a 60 KB folded string): ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expectValid(result);
    expect(rules(result, "eval-call").length).toBeGreaterThan(0);
  });

  it("long call chains are followed without recursion", () => {
    const code = "eval(atob(x)" + ".toString()".repeat(20_000) + ")";
    const result = analyze(code);
    expectValid(result);
    expect(rules(result, "eval-call")).toHaveLength(1);
  });

  it("junk that forces the token scan to restart stays bounded", () => {
    const code = "`${`".repeat(100_000) + "'\n".repeat(100_000);
    const t0 = performance.now();
    const result = analyze(code);
    console.log(
      `token scan of ${code.length} chars of junk: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expectValid(result);
    expect(result.parseError).toBeDefined();
  });
});
