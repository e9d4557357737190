// expect-status: out_of_memory
// options: {"timeoutMs": 20000, "heapBytes": 33554432}
let s = "x";
for (;;) s = s + s;
