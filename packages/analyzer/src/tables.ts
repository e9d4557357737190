import type { Category, Severity } from "./types.js";

/**
 * Look up a table by a name taken from the analysed code. Plain `table[name]` would find
 * `toString` or `constructor` on Object.prototype.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** What a rule reports: everything but the position. */
export interface RuleSpec {
  readonly category: Category;
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
}

const spec = (category: Category, rule: string, severity: Severity, message: string): RuleSpec => ({
  category,
  rule,
  severity,
  message,
});

/**
 * Importing a module is itself a signal, weaker than calling into it. Keys are module names
 * without the `node:` prefix.
 */
export const MODULES: Readonly<Record<string, RuleSpec>> = {
  child_process: spec(
    "command-execution",
    "child-process-import",
    "high",
    "loads child_process (runs host commands)",
  ),
  worker_threads: spec(
    "command-execution",
    "worker-import",
    "medium",
    "loads worker_threads (spawns threads)",
  ),
  cluster: spec("command-execution", "worker-import", "medium", "loads cluster (forks processes)"),
  vm: spec("code-injection", "vm-import", "medium", "loads vm (compiles code at run time)"),
  inspector: spec(
    "code-injection",
    "inspector-import",
    "high",
    "loads inspector (debugger access to the process)",
  ),
  v8: spec("code-injection", "v8-import", "medium", "loads v8 (engine flags and heap snapshots)"),
  fs: spec("filesystem", "fs-import", "low", "loads fs"),
  net: spec("network", "socket-import", "medium", "loads net (raw TCP sockets)"),
  dgram: spec("network", "socket-import", "medium", "loads dgram (raw UDP sockets)"),
  tls: spec("network", "socket-import", "medium", "loads tls (raw TLS sockets)"),
  http: spec("network", "http-import", "low", "loads http"),
  https: spec("network", "http-import", "low", "loads https"),
  http2: spec("network", "http-import", "low", "loads http2"),
  dns: spec("network", "dns-import", "low", "loads dns"),
  module: spec(
    "module-loading",
    "module-import",
    "medium",
    "loads module (the CommonJS loader itself)",
  ),
  os: spec("environment", "os-import", "low", "loads os (host details)"),
  wasi: spec("webassembly", "wasi-import", "medium", "loads wasi"),
};

/** Exact call targets (global paths or module exports) and what calling them means. */
export const CALLS: Readonly<Record<string, RuleSpec>> = {
  eval: spec("code-injection", "eval-call", "critical", "calls eval"),
  Function: spec(
    "code-injection",
    "function-constructor",
    "critical",
    "builds a function from a string (Function)",
  ),
  "process.binding": spec(
    "command-execution",
    "process-binding",
    "critical",
    "calls process.binding (native internals)",
  ),
  "process._linkedBinding": spec(
    "command-execution",
    "process-binding",
    "critical",
    "calls process._linkedBinding (native internals)",
  ),
  "process.dlopen": spec(
    "command-execution",
    "process-dlopen",
    "critical",
    "calls process.dlopen (loads native code)",
  ),
  "process.kill": spec("command-execution", "process-kill", "medium", "calls process.kill"),
  "Deno.run": spec(
    "command-execution",
    "child-process-call",
    "critical",
    "runs a host command (Deno.run)",
  ),
  "Deno.Command": spec(
    "command-execution",
    "child-process-call",
    "critical",
    "runs a host command (Deno.Command)",
  ),
  "Bun.spawn": spec(
    "command-execution",
    "child-process-call",
    "critical",
    "runs a host command (Bun.spawn)",
  ),
  "Bun.spawnSync": spec(
    "command-execution",
    "child-process-call",
    "critical",
    "runs a host command (Bun.spawnSync)",
  ),
  "module:worker_threads.Worker": spec(
    "command-execution",
    "worker-spawn",
    "medium",
    "starts a worker thread",
  ),
  "module:cluster.fork": spec(
    "command-execution",
    "worker-spawn",
    "medium",
    "forks a cluster worker",
  ),
  fetch: spec("network", "fetch-call", "low", "makes an HTTP request (fetch)"),
  XMLHttpRequest: spec("network", "xhr", "low", "makes an HTTP request (XMLHttpRequest)"),
  EventSource: spec("network", "event-source", "low", "opens an EventSource stream"),
  WebSocket: spec("network", "websocket", "medium", "opens a WebSocket"),
  "navigator.sendBeacon": spec("network", "beacon", "low", "sends a beacon request"),
  "module:net.connect": spec("network", "raw-socket", "medium", "opens a TCP connection"),
  "module:net.createConnection": spec("network", "raw-socket", "medium", "opens a TCP connection"),
  "module:net.Socket": spec("network", "raw-socket", "medium", "creates a TCP socket"),
  "module:net.createServer": spec("network", "listen", "medium", "starts a TCP server"),
  "module:tls.connect": spec("network", "raw-socket", "medium", "opens a TLS connection"),
  "module:dgram.createSocket": spec("network", "raw-socket", "medium", "creates a UDP socket"),
  "module:http.request": spec("network", "http-request", "low", "makes an HTTP request"),
  "module:http.get": spec("network", "http-request", "low", "makes an HTTP request"),
  "module:https.request": spec("network", "http-request", "low", "makes an HTTPS request"),
  "module:https.get": spec("network", "http-request", "low", "makes an HTTPS request"),
  "module:http.createServer": spec("network", "listen", "medium", "starts an HTTP server"),
  "module:https.createServer": spec("network", "listen", "medium", "starts an HTTPS server"),
  "module:module.createRequire": spec(
    "module-loading",
    "create-require",
    "medium",
    "creates a require function (module.createRequire)",
  ),
  "Buffer.allocUnsafe": spec(
    "buffer-abuse",
    "buffer-alloc-unsafe",
    "medium",
    "allocates uninitialised memory (Buffer.allocUnsafe)",
  ),
  "Buffer.allocUnsafeSlow": spec(
    "buffer-abuse",
    "buffer-alloc-unsafe",
    "medium",
    "allocates uninitialised memory (Buffer.allocUnsafeSlow)",
  ),
  Buffer: spec(
    "buffer-abuse",
    "buffer-constructor",
    "low",
    "uses the deprecated Buffer constructor",
  ),
  SharedArrayBuffer: spec(
    "buffer-abuse",
    "shared-array-buffer",
    "medium",
    "creates a SharedArrayBuffer (shared memory, timing attacks)",
  ),
  "Atomics.wait": spec(
    "buffer-abuse",
    "atomics-wait",
    "medium",
    "blocks the thread (Atomics.wait)",
  ),
  "WebAssembly.compile": spec(
    "webassembly",
    "wasm-compile",
    "high",
    "compiles WebAssembly (code the analyzer cannot see)",
  ),
  "WebAssembly.compileStreaming": spec(
    "webassembly",
    "wasm-compile",
    "high",
    "compiles WebAssembly (code the analyzer cannot see)",
  ),
  "WebAssembly.instantiate": spec(
    "webassembly",
    "wasm-compile",
    "high",
    "instantiates WebAssembly (code the analyzer cannot see)",
  ),
  "WebAssembly.instantiateStreaming": spec(
    "webassembly",
    "wasm-compile",
    "high",
    "instantiates WebAssembly (code the analyzer cannot see)",
  ),
  "WebAssembly.Module": spec(
    "webassembly",
    "wasm-compile",
    "high",
    "compiles WebAssembly (code the analyzer cannot see)",
  ),
  "WebAssembly.Instance": spec(
    "webassembly",
    "wasm-compile",
    "high",
    "instantiates WebAssembly (code the analyzer cannot see)",
  ),
};

/** Prefix rules: any call into these modules. */
export const MODULE_CALLS: Readonly<Record<string, RuleSpec>> = {
  child_process: spec("command-execution", "child-process-call", "critical", "runs a host command"),
  vm: spec("code-injection", "vm-call", "high", "compiles and runs code with vm"),
  inspector: spec("code-injection", "inspector-call", "high", "opens the inspector"),
};

const FS_DELETE = new Set(["unlink", "rm", "rmdir"]);
const FS_WRITE = new Set([
  "writeFile",
  "appendFile",
  "createWriteStream",
  "copyFile",
  "cp",
  "rename",
  "mkdir",
  "mkdtemp",
  "symlink",
  "link",
  "truncate",
  "ftruncate",
  "chmod",
  "chown",
  "lchown",
  "utimes",
  "write",
  "writev",
]);
const FS_READ = new Set([
  "readFile",
  "readdir",
  "createReadStream",
  "open",
  "opendir",
  "read",
  "readlink",
  "realpath",
  "stat",
  "lstat",
  "access",
  "exists",
  "watch",
  "watchFile",
]);

/** A call into `fs` (or `fs.promises`): delete, write or read. */
export function fsCall(path: string): RuleSpec | null {
  const m = /^module:fs\.(?:promises\.)?([A-Za-z]+)$/.exec(path);
  if (!m) return null;
  const fn = (m[1] as string).replace(/Sync$/, "");
  if (FS_DELETE.has(fn))
    return spec("filesystem", "fs-delete", "high", `deletes files (fs.${m[1]})`);
  if (FS_WRITE.has(fn))
    return spec("filesystem", "fs-write", "medium", `writes to the filesystem (fs.${m[1]})`);
  if (FS_READ.has(fn))
    return spec("filesystem", "fs-read", "low", `reads the filesystem (fs.${m[1]})`);
  return null;
}

/** Builtins whose prototypes or identity must not change: pollution there reaches every object. */
export const BUILTINS = new Set([
  "",
  "Object",
  "Array",
  "Function",
  "String",
  "Number",
  "Boolean",
  "Symbol",
  "RegExp",
  "Promise",
  "Error",
  "Date",
  "Map",
  "Set",
  "JSON",
  "Math",
  "Reflect",
]);

/** Names whose appearance as a computed or escaped string means someone is hiding them. */
export const DANGEROUS_NAMES = new Set([
  "eval",
  "Function",
  "constructor",
  "require",
  "child_process",
  "exec",
  "execSync",
  "spawn",
  "spawnSync",
  "execFile",
  "execFileSync",
  "fork",
  "process",
  "mainModule",
  "binding",
  "env",
  "__proto__",
  "prototype",
  "fromCharCode",
  "atob",
  "globalThis",
  "import",
  "vm",
  "WebAssembly",
  "setTimeout",
  "setInterval",
  "fetch",
  "XMLHttpRequest",
  "WebSocket",
  "Reflect",
  "readFileSync",
  "writeFileSync",
  "unlinkSync",
]);

/** Environment variable names that look like secrets. */
export const SECRET_NAME =
  /KEY|SECRET|TOKEN|PASS|PWD|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE|^AWS_|^GCP_|^AZURE_|^GITHUB_|^NPM_/i;

/** Files an attacker reads for credentials or writes for persistence. */
export const SENSITIVE_PATH =
  /\/etc\/(?:passwd|shadow|sudoers|group|hosts|crontab)\b|(?:^|[/~\\])\.ssh(?:[/\\]|$)|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|\.aws[/\\]credentials|\.kube[/\\]config|\.docker[/\\]config\.json|\.npmrc\b|\.git-credentials\b|\.netrc\b|\/proc\/(?:self|\d+)\/(?:environ|mem|maps|cmdline|fd)\b|\/var\/run\/docker\.sock|\/run\/secrets\b|\/root\/|\.bash_history\b|\.bashrc\b|\.zshrc\b|\/etc\/cron/;

/** Cloud metadata services (instance credentials). */
export const METADATA =
  /\b169\.254\.169\.254\b|\bmetadata\.google\.internal\b|\bfd00:ec2::254\b|\b100\.100\.100\.200\b|\bmetadata\.azure\.com\b/i;

const IPV4 = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/;

/** A raw IPv4 address in a string: `private` for loopback, RFC 1918, link-local and CGNAT ranges. */
export function ipLiteral(text: string): { ip: string; private: boolean } | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  const o = m.slice(1, 5).map(Number) as [number, number, number, number];
  if (o.some((x) => x > 255)) return null;
  const [a, b] = o;
  const isPrivate =
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127);
  return { ip: m[0], private: isPrivate };
}
