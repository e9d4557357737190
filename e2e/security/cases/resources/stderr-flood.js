// expect-status: output_limit
// options: {"maxOutputBytes": 1048576, "timeoutMs": 20000}
for (;;) console.error("e".repeat(4096));
