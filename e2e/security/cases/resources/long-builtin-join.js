// expect-status: timeout|out_of_memory
// options: {"timeoutMs": 1000, "heapBytes": 1073741824}
// One builtin call that the interpreter cannot interrupt between bytecodes.
const a = new Array(5e7).fill("ab");
console.log(a.join("").length);
