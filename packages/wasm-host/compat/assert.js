const assert = require("node:assert");
const strict = require("node:assert/strict");
assert.throws(
  () => assert.strictEqual(1, 2),
  (e) =>
    e instanceof assert.AssertionError &&
    e.code === "ERR_ASSERTION" &&
    e.actual === 1 &&
    e.expected === 2,
);
assert.throws(() => strict.equal(1, "1"), assert.AssertionError);
assert.equal(1, "1");
assert.deepEqual({ a: 1 }, { a: "1" });
assert.throws(() => assert.deepStrictEqual({ a: 1 }, { a: "1" }), { name: "AssertionError" });
assert.throws(() => {
  throw new TypeError("bad thing");
}, TypeError);
assert.throws(() => {
  throw new TypeError("bad thing");
}, /bad/);
assert.throws(
  () => {
    throw Object.assign(new Error("x"), { code: "E1" });
  },
  { code: "E1", message: "x" },
);
assert.throws(() => assert.throws(() => {}), /Missing expected exception/);
assert.throws(() => assert.ok(0), assert.AssertionError);
assert.throws(() => assert.fail("nope"), /nope/);
assert.doesNotThrow(() => 1);
assert.match("abc", /b/);
assert.throws(() => assert.match("abc", /z/));
assert.notStrictEqual(1, 2);
assert.notDeepStrictEqual([1], [2]);
assert.ifError(null);
assert.throws(() => assert.strictEqual(1, 2, "custom msg"), { message: /^custom msg/ });
(async () => {
  await assert.rejects(Promise.reject(new Error("r")), /r/);
  await assert.rejects(async () => {
    throw new RangeError("x");
  }, RangeError);
  await assert.doesNotReject(Promise.resolve(1));
  await assert.rejects(assert.rejects(Promise.resolve(1)), assert.AssertionError);
  console.log("assert ok");
})();
