// expect-status: ok
// expect-stdout: contained
// Proxies, Symbol.species and getters handed to host-facing APIs (console, timers) only ever see guest values.
let leaked = false;
let inCheck = false;
const check = (v) => {
  if (inCheck) return; // the proxy's own trap re-enters through v.constructor
  inCheck = true;
  try {
    if (v && typeof v === "object" && v.constructor && v.constructor.constructor !== Function)
      leaked = true;
    if (typeof v === "function" && v.constructor !== Function && v.constructor.name === "Function")
      leaked = true;
  } finally {
    inCheck = false;
  }
};
const trap = new Proxy(
  {},
  {
    get(t, k, r) {
      check(r);
      return Reflect.get(t, k, r);
    },
    ownKeys(t) {
      return Reflect.ownKeys(t);
    },
  },
);
console.log("%o", trap);
class Evil extends Array {
  static get [Symbol.species]() {
    return function (...args) {
      args.forEach(check);
      return [];
    };
  }
}
Evil.from([1, 2, 3]).map((x) => x);
const withGetter = {
  get x() {
    check(this);
    return 1;
  },
};
console.log(withGetter);
setTimeout(function (...args) {
  args.forEach(check);
  check(this);
  console.log(leaked ? "ESCAPED" : "contained");
}, 0);
