// Bundles the CLI (after `tsc`) into dist/airlock.mjs, which bin/airlock.js loads when present:
// one module plus a small chunk per lazily-loaded command instead of ~20 modules (commander's
// included), so `airlock run` starts sooner. Workspace packages stay external: each is loaded
// from its own dist (the sandbox worker and the .wasm files are found next to it), only by the
// commands that use it, and their error classes stay one class across the process.
import { rmSync } from "node:fs";
import { build } from "esbuild";

const dist = new URL("../dist/", import.meta.url);

/**
 * commander loads node:child_process at start-up only to spawn executable subcommands (airlock
 * has none): that module and what it pulls in (net, dgram, streams) cost ~3 ms of every command.
 * Inside commander it becomes a stand-in that loads the real module on first use.
 */
const lazyChildProcessForCommander = {
  name: "lazy-child-process-for-commander",
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer)
        ? { path: "lazy-child-process", namespace: "airlock-lazy" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "airlock-lazy" }, () => ({
      contents:
        'let real; const load = () => (real ??= require("node:child_process"));\n' +
        "module.exports = { spawn: (...args) => load().spawn(...args) };\n",
      loader: "js",
    }));
  },
};
rmSync(new URL("chunks/", dist), { recursive: true, force: true });
await build({
  entryPoints: { airlock: new URL("../src/main.ts", import.meta.url).pathname },
  outdir: dist.pathname,
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // commander's CommonJS build needs `require` for node builtins inside an ES module.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  external: ["@airlock/*"],
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  plugins: [lazyChildProcessForCommander],
  logLevel: "warning",
});

// `airlock run FILE` (src/fast-run.ts): one CommonJS file that bin/airlock.js requires before
// anything else, so that path loads neither the command-line parser nor the commands, and with a
// daemon up starts no ES module loader at all. It carries its own copies of the daemon's client
// and the config defaults (it only talks to the daemon and reports its own errors).
await build({
  entryPoints: [new URL("../src/fast-run.ts", import.meta.url).pathname],
  outfile: new URL("fast-run.cjs", dist).pathname,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // The engine stays in its package (its worker and .wasm files are found next to its code), an
  // ES module loaded with `import()` when a program runs here.
  external: ["@airlock/wasm-host"],
  // Code that finds files next to itself (`createRequire(import.meta.url)`) keeps working.
  banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { "import.meta.url": "__importMetaUrl" },
  logLevel: "warning",
});
