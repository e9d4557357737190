// expect-status: timeout
// options: {"timeoutMs": 1000}
console.log(/^(a+)+$/.test("a".repeat(40) + "!"));
