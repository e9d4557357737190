// expect-status: error|out_of_memory
// options: {"timeoutMs": 10000, "heapBytes": 33554432}
// Deep nesting overflows the parser stack: a clean RangeError/SyntaxError, never a host crash.
JSON.parse("[".repeat(1e6) + "]".repeat(1e6));
