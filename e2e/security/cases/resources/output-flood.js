// expect-status: output_limit
// options: {"maxOutputBytes": 1048576, "timeoutMs": 20000}
const line = "x".repeat(1000);
for (;;) console.log(line);
