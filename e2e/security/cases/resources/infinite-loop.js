// expect-status: timeout
// options: {"timeoutMs": 500}
for (;;) {}
