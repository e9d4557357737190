// expect-status: ok
// expect-stdout: contained
// Patching Promise.prototype.then and async iterators must not capture host functions when the host
// settles promises (timers) or runs jobs.
let leaked = false;
const origThen = Promise.prototype.then;
Promise.prototype.then = function (onOk, onErr) {
  for (const f of [onOk, onErr]) {
    if (typeof f === "function" && f.constructor !== Function && f.constructor.name === "Function")
      leaked = true;
  }
  return origThen.call(this, onOk, onErr);
};
async function* gen() {
  yield 1;
  await new Promise((r) => setTimeout(r, 1));
  yield 2;
}
(async () => {
  for await (const v of gen()) void v;
  await new Promise((r) => setTimeout(r, 1));
  Promise.prototype.then = origThen;
  console.log(leaked ? "ESCAPED" : "contained");
})();
