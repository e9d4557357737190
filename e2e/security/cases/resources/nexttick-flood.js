// expect-status: timeout
// options: {"timeoutMs": 1000}
function again() {
  process.nextTick(again);
}
again();
