/**
 * Names of the Node builtins the guest can `require`/`import` (without the `node:` prefix).
 * Plain data shared by the host (module resolution) and the prelude (the guest's `require`).
 */
export const SUPPORTED_BUILTINS = [
  "assert",
  "assert/strict",
  "buffer",
  "child_process",
  "crypto",
  "events",
  "fs",
  "fs/promises",
  "os",
  "path",
  "path/posix",
  "process",
  "querystring",
  "stream",
  "stream/promises",
  "string_decoder",
  "timers",
  "timers/promises",
  "tty",
  "url",
  "util",
  "util/types",
] as const;

/** Load fine; each function throws `ERR_AIRLOCK_UNSUPPORTED` when called. */
export const UNSUPPORTED_BUILTINS = [
  "net",
  "dns",
  "dns/promises",
  "http",
  "https",
  "http2",
  "worker_threads",
  "vm",
  "cluster",
  "dgram",
  "inspector",
  "v8",
  "tls",
  "readline",
  "zlib",
  "perf_hooks",
  "async_hooks",
  "module",
] as const;

export const BUILTINS: ReadonlySet<string> = new Set<string>([
  ...SUPPORTED_BUILTINS,
  ...UNSUPPORTED_BUILTINS,
]);

/** `node:fs` / `fs` → `fs`; null when not a builtin. */
export function builtinName(request: string): string | null {
  const name = request.startsWith("node:") ? request.slice(5) : request;
  return BUILTINS.has(name) ? name : null;
}
