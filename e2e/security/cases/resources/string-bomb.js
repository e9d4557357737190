// expect-status: out_of_memory|error
// Either the heap limit or the engine's maximum string length (a RangeError-like error, as in Node) ends it.
// options: {"timeoutMs": 20000, "heapBytes": 33554432}
let s = "x";
for (;;) s = s + s;
