// Bundles the package after `tsc` (esbuild): loading ~90 modules one by one costs a cold start
// more than anything else.
// - dist/worker.js: the runtime (a worker thread's entry, or loaded on the calling thread by an
//   inline pool), with quickjs-emscripten-core and the guest prelude;
// - dist/index.js: the host side (the package's ES module entry);
// - dist/index.cjs and dist/worker.cjs: the same for CommonJS hosts (`require`), such as the
//   CLI's fast path, which then starts no ES module loader (~7 ms of a cold `airlock run`).
//   `import.meta.url` is this file's URL there, so files next to the code are still found.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { build } from "esbuild";
import { buildPrelude } from "../dist/guest/prelude.js";

const src = (path) => new URL(`../src/${path}`, import.meta.url).pathname;
const out = (path) => new URL(`../dist/${path}`, import.meta.url).pathname;
const common = { bundle: true, platform: "node", target: "node20", logLevel: "warning" };
const cjs = {
  format: "cjs",
  banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { "import.meta.url": "__importMetaUrl" },
};
/**
 * The engine's emscripten glue loads `node:module` with `await import()` each time an engine is
 * made, which starts node's ES module loader even in a CommonJS host. The CommonJS runtime gets
 * the same glue with `node:module` required up front instead (nothing else changes).
 */
const glueRequiresNodeModule = {
  name: "glue-requires-node-module",
  setup(b) {
    b.onLoad(
      { filter: /quickjs-ng-wasmfile-release-sync[\\/]dist[\\/]emscripten-module\.mjs$/ },
      (args) => {
        const text = readFileSync(args.path, "utf8");
        const from = 'await import("node:module")';
        if (!text.includes(from)) {
          return {
            contents: text,
            loader: "js",
            warnings: [{ text: `${from} not found: glue unchanged` }],
          };
        }
        // The glue has a `var require` of its own in that function: use a name from the banner.
        return { contents: text.replace(from, "__airlockNodeModule"), loader: "js" };
      },
    );
  },
};
/**
 * The default prelude's digest, part of the snapshot cache key: computed here (from tsc's output
 * of the same sources) so the runtime builds the prelude only when it has no snapshot.
 */
const preludeSha256 = createHash("sha256").update(buildPrelude()).digest("hex");
const runtime = {
  ...common,
  entryPoints: [src("worker/main.ts")],
  mainFields: ["module", "main"],
  define: { __AIRLOCK_PRELUDE_SHA256__: JSON.stringify(preludeSha256) },
};
const host = {
  ...common,
  entryPoints: [src("index.ts")],
  external: ["@airlock/*"],
  sourcemap: true,
};

await Promise.all([
  build({ ...runtime, format: "esm", outfile: out("worker.js") }),
  build({
    ...runtime,
    ...cjs,
    define: { ...runtime.define, ...cjs.define },
    banner: { js: `${cjs.banner.js} const __airlockNodeModule = require("node:module");` },
    plugins: [glueRequiresNodeModule],
    outfile: out("worker.cjs"),
  }),
  build({ ...host, format: "esm", outfile: out("index.js") }),
  build({ ...host, ...cjs, outfile: out("index.cjs") }),
]);
