// @ts-nocheck — this function runs inside the guest (QuickJS), not in Node; see prelude.ts.
/** `console` writing through the `stdio.write` op, formatted with `internals.format`. */
export function installConsole(g, host, internals) {
  const { format, inspect } = internals;
  let indent = "";
  const counts = new Map();
  const timers = new Map();
  const write = (fd, args) => {
    let text = format(...args);
    if (indent !== "") text = indent + text.replaceAll("\n", `\n${indent}`);
    internals.write(fd, `${text}\n`);
  };
  const console = {
    log: (...a) => write(1, a),
    info: (...a) => write(1, a),
    debug: (...a) => write(1, a),
    error: (...a) => write(2, a),
    warn: (...a) => write(2, a),
    trace: (...a) => {
      const err = new Error(format(...a));
      err.name = "Trace";
      write(2, [err.stack.replace(/\n$/, "")]);
    },
    dir: (v, opts) => internals.write(1, `${indent}${inspect(v, opts)}\n`),
    assert: (ok, ...a) => {
      if (!ok) write(2, a.length ? [`Assertion failed: ${format(...a)}`] : ["Assertion failed"]);
    },
    count: (label = "default") => {
      const n = (counts.get(`${label}`) ?? 0) + 1;
      counts.set(`${label}`, n);
      write(1, [`${label}: ${n}`]);
    },
    countReset: (label = "default") => counts.delete(`${label}`),
    time: (label = "default") => timers.set(`${label}`, Date.now()),
    timeLog: (label = "default", ...a) => {
      const start = timers.get(`${label}`);
      if (start !== undefined) write(1, [`${label}: ${Date.now() - start}ms`, ...a]);
    },
    timeEnd: (label = "default") => {
      const start = timers.get(`${label}`);
      if (start !== undefined) write(1, [`${label}: ${Date.now() - start}ms`]);
      timers.delete(`${label}`);
    },
    group: (...a) => {
      if (a.length) write(1, a);
      indent += "  ";
    },
    groupEnd: () => {
      indent = indent.slice(2);
    },
    table: (...a) => write(1, a),
  };
  console.groupCollapsed = console.group;
  Object.defineProperty(g, "console", {
    value: console,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
