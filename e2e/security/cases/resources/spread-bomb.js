// expect-status: error|out_of_memory
// options: {"timeoutMs": 10000, "heapBytes": 67108864}
console.log(Math.max(...new Array(3e7).fill(1)));
