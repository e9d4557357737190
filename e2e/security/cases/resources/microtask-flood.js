// expect-status: timeout
// options: {"timeoutMs": 1000}
function again() {
  Promise.resolve().then(again);
}
again();
