// expect-status: timeout|out_of_memory
// options: {"timeoutMs": 1000}
let s = "x".repeat(2 ** 27);
for (;;) s = s.split("").reverse().join("");
