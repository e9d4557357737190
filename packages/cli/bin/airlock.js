#!/usr/bin/env -S node --stack-size=6144 --wasm-tiering-budget=1000000000 --single-threaded-gc --max-semi-space-size=1
// Thin launcher (CommonJS, see bin/package.json): all logic lives in the built package so it can
// be tested in-process. `build` bundles it into dist/airlock.mjs (one module to load instead of
// ~20); a bundle older than tsc's output (a `tsc`-only rebuild) is stale, and the modules are
// used instead. `airlock run FILE …` first tries dist/fast-run.cjs: with a daemon up, the job goes
// straight to it without starting the ES module loader or loading the rest of the CLI.
"use strict";
const { statSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

const dist = join(__dirname, "..", "dist");
const mtime = (name) => statSync(join(dist, name), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const tscOutput = mtime("main.js");
const bundled = mtime("airlock.mjs") >= tscOutput;

/** Exits once stdout and stderr are flushed, without waiting for a sandbox worker to wind down. */
function exit(code) {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

function fail(err) {
  process.stderr.write(`airlock: internal error: ${err?.stack ?? err}\n`);
  exit(70);
}

function full(argv) {
  import(pathToFileURL(join(dist, bundled ? "airlock.mjs" : "main.js")).href)
    .then(({ main }) => main(argv))
    .then(exit, fail);
}

const argv = process.argv.slice(2);
let fast;
if (argv[0] === "run" && bundled && mtime("fast-run.cjs") >= tscOutput) {
  fast = require(join(dist, "fast-run.cjs"));
}
if (fast === undefined) full(argv);
else {
  // The fast path writes with writeSync: unless it fell back to the process streams, all its
  // output is out, and there are no streams to flush (or to build just to flush them).
  const io = fast.directIo();
  fast.fastRun(argv, io).then((code) => {
    if (code === undefined) full(argv);
    else if (io.usedStreams()) exit(code);
    else process.exit(code);
  }, fail);
}
