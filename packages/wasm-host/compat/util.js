const assert = require("node:assert");
const util = require("node:util");
assert.strictEqual(util.format("%s:%d:%j", "a", 42, { x: 1 }), 'a:42:{"x":1}');
assert.strictEqual(util.format("%s=%i", "n", 3.9), "n=3");
assert.strictEqual(util.inspect({ a: [1, 2], b: "x" }), "{ a: [ 1, 2 ], b: 'x' }");
assert.strictEqual(util.inspect(new Map([[1, 2]])), "Map(1) { 1 => 2 }");
function cbStyle(a, cb) {
  setTimeout(() => (a < 0 ? cb(new Error("neg")) : cb(null, a * 2)), 1);
}
const p = util.promisify(cbStyle);
function Base() {}
function Derived() {}
util.inherits(Derived, Base);
assert.ok(new Derived() instanceof Base);
assert.strictEqual(Derived.super_, Base);
assert.ok(util.types.isPromise(Promise.resolve()));
assert.ok(util.types.isRegExp(/x/));
assert.ok(util.types.isDate(new Date()));
assert.ok(util.types.isUint8Array(new Uint8Array(1)));
assert.ok(!util.types.isUint8Array([]));
assert.ok(util.isDeepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));
assert.ok(!util.isDeepStrictEqual({ a: 1 }, { a: "1" }));
assert.ok(util.isDeepStrictEqual(new Set([1, 2]), new Set([2, 1])));
assert.strictEqual(new util.TextDecoder().decode(new util.TextEncoder().encode("žluť")), "žluť");
(async () => {
  assert.strictEqual(await p(21), 42);
  await assert.rejects(p(-1), /neg/);
  const cbd = util.callbackify(async (x) => x + 1);
  const v = await new Promise((res, rej) => cbd(1, (e, r) => (e ? rej(e) : res(r))));
  assert.strictEqual(v, 2);
  console.log("util ok");
})();
