import { format } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { run } from "./helpers.js";

// Each case is the source of console.log's argument list, evaluated by Node and by the guest.
const CASES = [
  `"hello", 1, true, null, undefined`,
  `{ a: 1, b: [1, 2] }`,
  `{ a: { b: { c: { d: 1 } } } }`,
  `[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27]`,
  `["apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "honeydew"]`,
  `Array.from({ length: 120 }, (_, i) => i)`,
  `[1, , 3, , , 6]`,
  `[[1, [2, [3, [4]]]]]`,
  `{ "a-b": 1, "it's": "it's", q: 'say "hi"', nl: "a\\nb", [Symbol("s")]: 2 }`,
  `"%s is %d years and %i, %f", "Bob", 42.5, 42.5, "1.5"`,
  `"%j %o %O %%", { a: [1] }, { b: 1 }, { c: { d: { e: { f: 1 } } } }`,
  `"%s", { toString() { return "custom" } }`,
  `"%s %s", [1, [2]], { a: { b: 1 } }`,
  `"%d %i", 10n, 3n`,
  `"extra", "%s"`,
  `"only %s"`,
  `new Map([["a", 1], ["b", { c: 2 }]]), new Set([1, "two", [3]])`,
  `new Map(), new Set(), [], {}`,
  `new Date(0)`,
  `function named() {}, () => {}, async function af() {}, function* gen() {}, class A {}, class B extends Array {}`,
  `(() => { class Point { constructor() { this.x = 1; this.y = 2 } }; return new Point() })()`,
  `Object.create(null)`,
  `(() => { const o = { name: "root" }; o.self = o; o.list = [o, { o }]; return o })()`,
  `-0, 0, 1e21, NaN, -Infinity, 123n, Symbol("x"), Symbol()`,
  `/re+gex/gi, new Uint8Array([1, 2, 3]), new ArrayBuffer(3)`,
  `{ get g() { return 1 }, set s(v) {}, get gs() { return 1 }, set gs(v) {} }`,
  `"a".repeat(100)`,
  `{ long: "line one\\nline two\\nline three and more text to pass the width limit of eighty chars" }`,
  `{ aaaaaaaaaaaa: 1, bbbbbbbbbbbbbb: 2, cccccccccccccccc: 3, dddddddddddd: 4, eeeeeeeeeee: 5, ffff: 6 }`,
  `[{ a: 1, b: 2 }, { a: 3, b: 4 }, { a: 5, b: 6 }, { a: 7, b: 8 }]`,
  `new Number(3), new String("ab"), new Boolean(false)`,
  `Promise.resolve(4), new Promise(() => {})`,
];

describe("console formatting matches Node's util.format", () => {
  it("for hand-picked cases", async () => {
    const code = CASES.map((c) => `console.log(${c}); console.log("\\u0000");`).join("\n");
    const r = await run(code);
    expect(r.status).toBe("ok");
    const guest = r.stdout.split("\n\u0000\n");
    CASES.forEach((c, i) => {
      const args = new Function(`return [${c}]`)() as unknown[];
      expect({ case: c, out: guest[i] }).toEqual({ case: c, out: format(...args) });
    });
  });

  it("for generated JSON values (property-based)", async () => {
    const values = fc.sample(fc.jsonValue({ maxDepth: 4 }), { numRuns: 300, seed: 42 });
    const json = JSON.stringify(values.map((v) => JSON.stringify(v)));
    const r = await run(
      `for (const s of ${json}) { console.log(JSON.parse(s)); console.log("\\u0000") }`,
    );
    expect(r.status).toBe("ok");
    const guest = r.stdout.split("\n\u0000\n");
    values.forEach((v, i) => {
      const expected = format(JSON.parse(JSON.stringify(v)));
      if (guest[i] !== expected)
        expect({ value: v, out: guest[i] }).toEqual({ value: v, out: expected });
    });
  });

  it("prints errors with their stack, indented when nested", async () => {
    const r = await run(
      `const e = new Error("bad"); e.code = "E1"; console.log(e); console.log({ e: new RangeError("r") })`,
    );
    expect(r.stdout).toMatch(
      /^Error: bad\n {4}at <eval> \(main\.js:1:\d+\) \{\n {2}code: 'E1'\n\}\n/,
    );
    expect(r.stdout).toMatch(/\{\n {2}e: RangeError: r\n {6}at <eval>/);
  });

  it("routes console methods to stdout and stderr", async () => {
    const r = await run(
      `console.info("i"); console.debug("d"); console.warn("w"); console.error("e"); console.group("g"); console.log("in"); console.groupEnd(); console.log("out")`,
    );
    expect(r.stdout).toBe("i\nd\ng\n  in\nout\n");
    expect(r.stderr).toBe("w\ne\n");
  });
});
