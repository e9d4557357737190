import { describe, expect, it } from "vitest";
import { analyze } from "../src/index.js";
import { rules } from "./helpers.js";

/**
 * [name, code, category, rule, line, column]: the dangerous operation is on the last line,
 * after a harmless first line, so positions are checked across lines.
 */
const CASES: [string, string, string, string, number, number][] = [
  [
    "computed member with concatenation",
    "let a = 1;\n  globalThis['ev' + 'al'](src)",
    "code-injection",
    "eval-call",
    2,
    3,
  ],
  [
    "computed member on process",
    "let a = 1;\nconst v = process['e' + 'nv'].DB_PASSWORD",
    "environment",
    "env-secret",
    2,
    11,
  ],
  [
    "template literal without expressions",
    "let a = 1;\nwindow[`eval`](src)",
    "code-injection",
    "eval-call",
    2,
    1,
  ],
  [
    "join('') of literals",
    "let a = 1;\nself[['e', 'v', 'a', 'l'].join('')](src)",
    "code-injection",
    "eval-call",
    2,
    1,
  ],
  [
    "split/reverse/join",
    "let a = 1;\nconst k = 'lave'.split('').reverse().join('');\nglobal[k](src)",
    "code-injection",
    "eval-call",
    3,
    1,
  ],
  [
    "alias of require",
    "let a = 1;\nconst r = require;\nr('child_process').exec('id')",
    "command-execution",
    "child-process-call",
    3,
    1,
  ],
  [
    "alias chain through globalThis",
    "let a = 1;\nconst g = globalThis; const e = g.eval;\ne(src)",
    "code-injection",
    "eval-call",
    3,
    1,
  ],
  [
    "destructured require",
    "let a = 1;\nconst { exec } = require('child_process');\nexec('id')",
    "command-execution",
    "child-process-call",
    3,
    1,
  ],
  [
    "concatenated module name",
    "let a = 1;\nconst cp = require('child_' + 'process');",
    "command-execution",
    "child-process-import",
    2,
    12,
  ],
  [
    "fromCharCode resolved to eval",
    "let a = 1;\nglobalThis[String.fromCharCode(101, 118, 97, 108)](src)",
    "code-injection",
    "eval-call",
    2,
    1,
  ],
  ["top-level this as global", "let a = 1;\nthis.eval(src)", "code-injection", "eval-call", 2, 1],
  ["optional chaining", "let a = 1;\nglobalThis?.eval?.(src)", "code-injection", "eval-call", 2, 1],
  ["eval.call", "let a = 1;\neval.call(null, src)", "code-injection", "eval-call", 2, 1],
  ["eval.apply", "let a = 1;\neval.apply(null, [src])", "code-injection", "eval-call", 2, 1],
  ["eval.bind", "let a = 1;\neval.bind(null)(src)", "code-injection", "eval-call", 2, 1],
  [
    "Reflect.apply",
    "let a = 1;\nReflect.apply(eval, null, [src])",
    "code-injection",
    "eval-call",
    2,
    1,
  ],
  ["indirect eval (0, eval)", "let a = 1;\n(0, eval)(src)", "code-injection", "eval-call", 2, 1],
  [
    "import() of child_process",
    "let a = 1;\nconst cp = await import('child_process');",
    "command-execution",
    "child-process-import",
    2,
    18,
  ],
  [
    "import().then callback",
    "let a = 1;\nimport('child_process').then((m) => m.execSync('id'))",
    "command-execution",
    "child-process-call",
    2,
    37,
  ],
  [
    "comments and whitespace",
    "let a = 1;\neval /* not me */ (\n  src)",
    "code-injection",
    "eval-call",
    2,
    1,
  ],
  [
    "unicode escape in identifier",
    "let a = 1;\n\\u0065val(src)",
    "code-injection",
    "eval-call",
    2,
    1,
  ],
  [
    "hex escapes in a key",
    "let a = 1;\nwindow['\\x65\\x76\\x61\\x6c'](src)",
    "code-injection",
    "eval-call",
    2,
    1,
  ],
  [
    "Function via constructor chain",
    "let a = 1;\n[].constructor.constructor('return process')()",
    "code-injection",
    "function-constructor",
    2,
    1,
  ],
  [
    "immediately invoked wrapper",
    "let a = 1;\n(function (r) { r('child_process').spawn('sh') })(require)",
    "command-execution",
    "child-process-call",
    2,
    17,
  ],
  [
    "createRequire",
    "import { createRequire } from 'module';\nconst req = createRequire(import.meta.url);\nreq('child_process').exec('id')",
    "command-execution",
    "child-process-call",
    3,
    1,
  ],
  [
    "Reflect.get on globalThis",
    "let a = 1;\nReflect.get(globalThis, 'ev' + 'al')(src)",
    "code-injection",
    "eval-call",
    2,
    1,
  ],
  [
    "conditional global alias",
    "let a = 1;\nconst G = typeof window !== 'undefined' ? window : global;\nG.eval(src)",
    "code-injection",
    "eval-call",
    3,
    1,
  ],
  [
    "string assembled over bindings",
    "let a = 1;\nconst p1 = 'child', p2 = '_process';\nrequire(p1 + p2).execSync('id')",
    "command-execution",
    "child-process-call",
    3,
    1,
  ],
  [
    "passing eval as a value",
    "let a = 1;\n[src].map(eval)",
    "code-injection",
    "code-sink-reference",
    2,
    11,
  ],
  [
    "module export default",
    "let a = 1;\nconst m = await import('node:child_process'); m.default.execSync('x')",
    "command-execution",
    "child-process-call",
    2,
    47,
  ],
];

describe("obfuscation does not hide the operation", () => {
  for (const [name, code, category, rule, line, column] of CASES) {
    it(name, () => {
      const result = analyze(code);
      expect(result.parseError).toBeUndefined();
      const found = rules(result, rule);
      expect(found.length, JSON.stringify(result.findings.map((f) => f.rule))).toBeGreaterThan(0);
      expect(found[0]?.category).toBe(category);
      expect([found[0]?.line, found[0]?.column]).toEqual([line, column]);
      expect(found[0]?.snippet).toBe(code.split("\n")[line - 1]?.trim());
    });
  }

  it("building a dangerous name is itself reported", () => {
    const result = analyze("const k = ['e','v','a','l'].join('');");
    expect(rules(result, "obfuscated-name")[0]).toMatchObject({
      category: "encoding",
      line: 1,
      column: 11,
    });
  });

  it("a let changed with += is not folded to its first value", () => {
    const result = analyze("let k = 'eval'; k += 'uate'; globalThis[k](src)");
    expect(rules(result, "eval-call")).toEqual([]);
  });
});
