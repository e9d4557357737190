// @ts-nocheck — this function runs inside the guest (QuickJS), not in Node; see prelude.ts.
/**
 * The guest side of the host-call bridge and the helpers every other guest module uses.
 * `raw.call(op, argsJson, bytes?)` is the only way out of the sandbox; results come back as
 * copies (JSON text or an ArrayBuffer), never as host objects.
 */
export function installCore(g, raw, internals) {
  /** Longest string or byte array converted to/from UTF-8 inside the guest when it is ASCII. */
  const SHORT_ASCII = 256;
  const decode = (r) =>
    r === undefined ? undefined : r instanceof ArrayBuffer ? new Uint8Array(r) : JSON.parse(r);
  const toBuffer = (bytes) =>
    bytes === undefined
      ? undefined
      : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const host = {
    /** Synchronous op: returns its (copied) result or throws the op's error. */
    call: (op, args = [], bytes) => decode(raw.call(op, JSON.stringify(args), toBuffer(bytes))),
    /** Asynchronous op: a promise the worker settles from its event loop. */
    callAsync: (op, args = [], bytes) =>
      raw.callAsync(op, JSON.stringify(args), toBuffer(bytes)).then(decode),
  };
  internals.promiseState = raw.promiseState;
  internals.now = () => raw.now();
  internals.write = (fd, text) => {
    // Strings cross the FFI as C strings: send text with NUL characters JSON-escaped.
    const nul = text.includes("\0");
    if (raw.write(fd, nul ? JSON.stringify(text) : text, nul)) for (;;) {} // output limit hit: the interrupt handler ends the guest here
  };
  // Short ASCII text (URLs, headers, small bodies: most of what a request handler converts) is
  // converted here: a host call costs ~20 µs, a byte in this loop ~0.1 µs, and for code points
  // below 0x80 UTF-8 is the identity. Anything else goes to the host's TextEncoder/TextDecoder.
  internals.encodeUtf8 = (str) => {
    const s = String(str);
    const n = s.length;
    if (n <= SHORT_ASCII) {
      const out = new Uint8Array(n);
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        out[i] = c;
      }
      if (i === n) return out;
    }
    return host.call("utf8.encode", [s]);
  };
  internals.decodeUtf8 = (b) => {
    const n = b.length;
    if (n <= SHORT_ASCII) {
      let i = 0;
      while (i < n && b[i] <= 0x7f) i++;
      if (i === n) return String.fromCharCode.apply(null, b);
    }
    return host.call("utf8.decode", [], b);
  };
  /** Node-like report of an uncaught exception or unhandled rejection, as JSON for the host. */
  internals.report = (err, rejection) => {
    let text;
    let message;
    let stack;
    let code = rejection ? "ERR_UNHANDLED_REJECTION" : "ERR_UNCAUGHT_EXCEPTION";
    try {
      if (err instanceof Error) {
        message = `${err.name}: ${err.message}`;
        stack = typeof err.stack === "string" ? err.stack.replace(/\n+$/, "") : undefined;
        if (stack !== undefined && !stack.startsWith(message)) stack = `${message}\n${stack}`;
        if (typeof err.code === "string") code = err.code;
        text = `Uncaught ${internals.inspect(err)}`;
      } else if (rejection) {
        message = `This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "${internals.inspect(err)}".`;
        text = `[UnhandledPromiseRejection: ${message}] {\n  code: 'ERR_UNHANDLED_REJECTION'\n}`;
      } else {
        message = `Uncaught ${internals.inspect(err)}`;
        text = message;
      }
    } catch (e) {
      message = "uncaught exception (could not format it)";
      text = message;
    }
    return JSON.stringify({ text: `${text}\n`, code, message, stack });
  };
  return host;
}
