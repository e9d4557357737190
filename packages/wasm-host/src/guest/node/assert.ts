// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/** `assert` and `assert/strict`: Node's assertions with `AssertionError` (code ERR_ASSERTION). */
export function nodeAssert(module, exports, require, internals) {
  require("util"); // installs internals.deepEqual
  const deepEqual = (a, b, strict) => internals.deepEqual(a, b, strict, new Map());
  class AssertionError extends Error {
    constructor(options = {}) {
      super(
        options.message ??
          `${internals.inspect(options.actual)} ${options.operator} ${internals.inspect(options.expected)}`,
      );
      this.name = "AssertionError";
      this.code = "ERR_ASSERTION";
      this.actual = options.actual;
      this.expected = options.expected;
      this.operator = options.operator;
      this.generatedMessage = options.message === undefined;
    }
  }
  const fail = (actual, expected, message, operator, defaultMsg) => {
    if (message instanceof Error) throw message;
    throw new AssertionError({ actual, expected, operator, message: message ?? defaultMsg });
  };
  const matchesExpected = (err, expected, message) => {
    if (expected === undefined) return;
    if (typeof expected === "function") {
      if (expected.prototype !== undefined && err instanceof expected) return;
      if (Error.isPrototypeOf(expected) || expected === Error)
        fail(
          err,
          expected,
          message,
          "throws",
          `The error is expected to be an instance of "${expected.name}". Received "${err?.constructor?.name}"`,
        );
      if (expected.call({}, err) === true) return;
      fail(
        err,
        expected,
        message,
        "throws",
        'The validation function is expected to return "true"',
      );
    }
    if (expected instanceof RegExp) {
      if (expected.test(String(err))) return;
      fail(
        err,
        expected,
        message,
        "throws",
        `The input did not match the regular expression ${expected}. Input:\n\n'${String(err)}'\n`,
      );
    }
    if (typeof expected === "object" && expected !== null) {
      for (const k of Object.keys(expected)) {
        const want = expected[k];
        const got = err?.[k];
        if (
          want instanceof RegExp && typeof got === "string"
            ? !want.test(got)
            : !deepEqual(got, want, true)
        )
          fail(
            err,
            expected,
            message,
            "throws",
            `Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   ${k}: ${internals.inspect(got)}\n-   ${k}: ${internals.inspect(want)}\n  }`,
          );
      }
    }
  };
  const NO = Symbol("no exception");
  function assert(value, message) {
    if (!value)
      fail(
        value,
        true,
        message,
        "==",
        arguments.length === 0
          ? "No value argument passed to `assert.ok()`"
          : "The expression evaluated to a falsy value:\n\n  assert(" +
              internals.inspect(value) +
              ")\n",
      );
  }
  assert.ok = function ok(value, message) {
    if (!value)
      fail(
        value,
        true,
        message,
        "==",
        arguments.length === 0
          ? "No value argument passed to `assert.ok()`"
          : "The expression evaluated to a falsy value:\n\n  assert.ok(" +
              internals.inspect(value) +
              ")\n",
      );
  };
  assert.AssertionError = AssertionError;
  assert.fail = (message = "Failed") => {
    if (message instanceof Error) throw message;
    throw new AssertionError({ message, operator: "fail" });
  };
  assert.equal = (a, b, m) => {
    if (!(a == b || (Number.isNaN(a) && Number.isNaN(b))))
      fail(a, b, m, "==", `${internals.inspect(a)} == ${internals.inspect(b)}`);
  };
  assert.notEqual = (a, b, m) => {
    if (a == b || (Number.isNaN(a) && Number.isNaN(b)))
      fail(a, b, m, "!=", `${internals.inspect(a)} != ${internals.inspect(b)}`);
  };
  assert.strictEqual = (a, b, m) => {
    if (!Object.is(a, b))
      fail(
        a,
        b,
        m,
        "strictEqual",
        `Expected values to be strictly equal:\n\n${internals.inspect(a)} !== ${internals.inspect(b)}\n`,
      );
  };
  assert.notStrictEqual = (a, b, m) => {
    if (Object.is(a, b))
      fail(
        a,
        b,
        m,
        "notStrictEqual",
        `Expected "actual" to be strictly unequal to: ${internals.inspect(b)}`,
      );
  };
  assert.deepEqual = (a, b, m) => {
    if (!deepEqual(a, b, false))
      fail(
        a,
        b,
        m,
        "deepEqual",
        `Expected values to be loosely deep-equal:\n\n${internals.inspect(a)}\n\nshould loosely deep-equal\n\n${internals.inspect(b)}`,
      );
  };
  assert.notDeepEqual = (a, b, m) => {
    if (deepEqual(a, b, false)) fail(a, b, m, "notDeepEqual", `"actual" deepEqual "expected"`);
  };
  assert.deepStrictEqual = (a, b, m) => {
    if (!deepEqual(a, b, true))
      fail(
        a,
        b,
        m,
        "deepStrictEqual",
        `Expected values to be strictly deep-equal:\n${internals.inspect(a)}\n\nshould equal\n\n${internals.inspect(b)}`,
      );
  };
  assert.notDeepStrictEqual = (a, b, m) => {
    if (deepEqual(a, b, true))
      fail(
        a,
        b,
        m,
        "notDeepStrictEqual",
        `Expected "actual" not to be strictly deep-equal to: ${internals.inspect(b)}`,
      );
  };
  const getThrown = (fn) => {
    try {
      fn();
    } catch (e) {
      return e;
    }
    return NO;
  };
  assert.throws = (fn, expected, message) => {
    if (typeof expected === "string") {
      message = expected;
      expected = undefined;
    }
    const err = getThrown(fn);
    if (err === NO)
      fail(
        undefined,
        expected,
        message,
        "throws",
        `Missing expected exception${expected?.name ? ` (${expected.name})` : ""}.`,
      );
    matchesExpected(err, expected, message);
  };
  assert.doesNotThrow = (fn, expected, message) => {
    const err = getThrown(fn);
    if (err !== NO)
      fail(
        err,
        expected,
        typeof expected === "string" ? expected : message,
        "doesNotThrow",
        `Got unwanted exception.\nActual message: "${err?.message}"`,
      );
  };
  const settle = async (p) => {
    try {
      await (typeof p === "function" ? p() : p);
    } catch (e) {
      return e;
    }
    return NO;
  };
  assert.rejects = async (p, expected, message) => {
    if (typeof expected === "string") {
      message = expected;
      expected = undefined;
    }
    const err = await settle(p);
    if (err === NO)
      fail(
        undefined,
        expected,
        message,
        "rejects",
        `Missing expected rejection${expected?.name ? ` (${expected.name})` : ""}.`,
      );
    matchesExpected(err, expected, message);
  };
  assert.doesNotReject = async (p, expected, message) => {
    const err = await settle(p);
    if (err !== NO)
      fail(
        err,
        expected,
        message,
        "doesNotReject",
        `Got unwanted rejection.\nActual message: "${err?.message}"`,
      );
  };
  assert.match = (s, re, m) => {
    if (typeof s !== "string" || !re.test(s))
      fail(
        s,
        re,
        m,
        "match",
        `The input did not match the regular expression ${re}. Input:\n\n${internals.inspect(s)}\n`,
      );
  };
  assert.doesNotMatch = (s, re, m) => {
    if (typeof s === "string" && re.test(s))
      fail(
        s,
        re,
        m,
        "doesNotMatch",
        `The input was expected to not match the regular expression ${re}. Input:\n\n${internals.inspect(s)}\n`,
      );
  };
  assert.ifError = (v) => {
    if (v !== null && v !== undefined)
      throw v instanceof Error
        ? v
        : new AssertionError({
            message: `ifError got unwanted exception: ${internals.inspect(v)}`,
            actual: v,
            operator: "ifError",
          });
  };
  const strict = function strict(value, message) {
    if (!value)
      fail(
        value,
        true,
        message,
        "==",
        "The expression evaluated to a falsy value:\n\n  assert(" +
          internals.inspect(value) +
          ")\n",
      );
  };
  Object.assign(strict, assert, {
    equal: assert.strictEqual,
    notEqual: assert.notStrictEqual,
    deepEqual: assert.deepStrictEqual,
    notDeepEqual: assert.notDeepStrictEqual,
  });
  strict.strict = strict;
  assert.strict = strict;
  module.exports = assert;
}
