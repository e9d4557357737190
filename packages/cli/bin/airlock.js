#!/usr/bin/env node
// Thin launcher: all logic lives in the built package so it can be tested in-process.
import { main } from "../dist/main.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`airlock: internal error: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
