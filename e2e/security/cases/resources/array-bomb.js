// expect-status: out_of_memory
// options: {"timeoutMs": 20000, "heapBytes": 33554432}
const keep = [];
for (;;) keep.push({ a: keep.length, b: [1, 2, 3] });
