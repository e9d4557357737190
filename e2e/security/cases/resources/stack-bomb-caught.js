// expect-status: ok
// expect-stdout: caught RangeError
// A stack overflow is an ordinary, catchable RangeError inside the sandbox (as in Node).
function down(n) {
  return down(n + 1) + 1;
}
try {
  down(0);
} catch (e) {
  console.log("caught", e.constructor.name);
}
