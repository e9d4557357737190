// expect-status: timeout
// options: {"timeoutMs": 500}
// The interrupt must not be swallowed by catch/finally.
for (;;) {
  try {
    for (;;) {}
  } catch {
    // keep going
  } finally {
    continue;
  }
}
