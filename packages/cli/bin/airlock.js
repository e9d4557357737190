#!/usr/bin/env -S node --stack-size=6144 --wasm-tiering-budget=1000000000 --single-threaded-gc --max-semi-space-size=1
// Thin launcher: all logic lives in the built package so it can be tested in-process. `build` also
// bundles it into one file, dist/airlock.mjs (one module to load instead of ~20); a bundle older
// than tsc's output (a `tsc`-only rebuild) is stale, and the modules are used instead.
import { statSync } from "node:fs";

const mtime = (rel) =>
  statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const entry =
  mtime("../dist/airlock.mjs") >= mtime("../dist/main.js")
    ? "../dist/airlock.mjs"
    : "../dist/main.js";
const { main } = await import(entry);

/** Exits once stdout and stderr are flushed, without waiting for a sandbox worker to wind down. */
function exit(code) {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (err) => {
  process.stderr.write(`airlock: internal error: ${err?.stack ?? err}\n`);
  exit(70);
});
