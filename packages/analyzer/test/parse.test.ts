import { AirlockError } from "@airlock/config";
import { describe, expect, it } from "vitest";
import { AnalyzerOptionsError, analyze } from "../src/index.js";
import { rules } from "./helpers.js";

describe("code that does not parse", () => {
  it("returns a parse error with a 1-based position, not an exception", () => {
    const result = analyze("const a = 1;\nlet x = ;\n");
    expect(result.parseError).toEqual({ message: "Unexpected token", line: 2, column: 9 });
    expect(rules(result, "parse-error")[0]).toMatchObject({
      category: "analysis",
      severity: "low",
      line: 2,
      column: 9,
    });
    expect(result.level).toBe("low");
  });

  it("still scores dangerous tokens in junk", () => {
    const result = analyze(`}}} require("child_process").execSync("id") {{{ eval(x`);
    expect(result.parseError).toBeDefined();
    expect(rules(result, "child-process-import")).toHaveLength(1);
    expect(rules(result, "eval-call")).toHaveLength(1);
    expect(result.level).toBe("critical");
  });

  it("keeps scanning after a bad token (unterminated string)", () => {
    const result = analyze(`"unterminated\nfetch("http://169.254.169.254/")`);
    expect(result.parseError).toBeDefined();
    expect(rules(result, "metadata-address")).toHaveLength(1);
  });

  it("harmless junk is only the parse error", () => {
    const result = analyze("this is not code at all");
    expect(result.findings.map((f) => f.rule)).toEqual(["parse-error"]);
  });
});

describe("source types and languages", () => {
  it("auto accepts modules and sloppy scripts", () => {
    expect(analyze("import x from './x.js'; export const y = await x;").parseError).toBeUndefined();
    expect(analyze("with (obj) { a = 010; }").parseError).toBeUndefined();
    expect(analyze("return 42").parseError).toBeUndefined();
    expect(analyze("#!/usr/bin/env node\nconsole.log(1)").parseError).toBeUndefined();
  });

  it("a fixed sourceType is honoured", () => {
    expect(analyze("with (obj) {}", { sourceType: "module" }).parseError).toBeDefined();
    expect(analyze("import x from 'y'", { sourceType: "script" }).parseError).toBeDefined();
  });

  it("TypeScript syntax parses only in typescript mode, and is analysed", () => {
    const code =
      "const run = (cmd: string): void => { require('child_process').execSync(cmd as string); };";
    expect(analyze(code).parseError).toBeDefined();
    const ts = analyze(code, { language: "typescript" });
    expect(ts.parseError).toBeUndefined();
    expect(rules(ts, "child-process-call")).toHaveLength(1);
  });

  it("type-only code in TypeScript is not mistaken for references", () => {
    const ts = analyze(
      "interface X { eval: typeof eval; env: NodeJS.ProcessEnv }\ntype F = typeof require;",
      {
        language: "typescript",
      },
    );
    expect(ts.findings).toEqual([]);
  });
});

describe("bad options throw a typed error", () => {
  const bad: [unknown, unknown, string][] = [
    [42, undefined, "code"],
    [null, undefined, "code"],
    ["x", "module", "options"],
    ["x", { language: "python" }, "options.language"],
    ["x", { sourceType: "commonjs" }, "options.sourceType"],
    ["x", { strict: true }, "options.strict"],
  ];
  for (const [code, options, option] of bad) {
    it(`${JSON.stringify(code)} ${JSON.stringify(options)}`, () => {
      let caught: unknown;
      try {
        analyze(code as string, options as never);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AnalyzerOptionsError);
      expect(caught).toBeInstanceOf(AirlockError);
      expect((caught as AnalyzerOptionsError).code).toBe("AIRLOCK_ANALYZER_OPTIONS");
      expect((caught as AnalyzerOptionsError).option).toBe(option);
    });
  }

  it("valid options are accepted", () => {
    expect(() => analyze("1", { language: "javascript", sourceType: "script" })).not.toThrow();
    expect(() => analyze("1", {})).not.toThrow();
  });
});
