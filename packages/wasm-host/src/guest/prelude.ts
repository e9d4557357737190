/**
 * Assembles the guest prelude: one script, evaluated in each fresh context, that installs the
 * guest globals and returns the loop controls to the worker. Guest modules are plain functions
 * `(globalThis, host, internals) => void` written in `src/guest/*.ts` (type-checking off: they
 * run in QuickJS) and inlined here by `Function.prototype.toString`, so they need no bundler.
 * To add a polyfill module, append it to `GUEST_MODULES` (order matters: later modules may use
 * what earlier ones put on `internals`).
 */
import { installConsole } from "./console.js";
import { installCore } from "./core.js";
import { installInspect } from "./inspect.js";
import { installLoop } from "./loop.js";
import { installProcess } from "./process.js";
import { installRequire, nodeInternalsSource } from "./node/index.js";
import { installServe } from "./serve.js";

export type GuestModule = (
  globalThis: object,
  host: object,
  internals: Record<string, unknown>,
) => void;

export const GUEST_MODULES: GuestModule[] = [
  installInspect,
  installLoop,
  installConsole,
  installProcess,
  installRequire,
  installServe,
];

/**
 * The prelude source. Evaluating it yields a function `(raw) => internals`; the worker calls it
 * with the raw bridge functions, so they are never reachable from `globalThis`.
 */
export function buildPrelude(modules: readonly GuestModule[] = GUEST_MODULES): string {
  const parts = modules.map((m) => `(${compact(m.toString())})(globalThis, host, internals);`);
  return `(function airlockPrelude(raw) {
  "use strict";
  const internals = {};
  ${nodeInternalsSource(compact)}
  const host = (${compact(installCore.toString())})(globalThis, raw, internals);
  ${parts.join("\n  ")}
  return internals;
})`;
}

/**
 * Drops indentation, blank lines and whole-line `//` comments: parsing is most of the prelude's
 * cost in every fresh context. Safe because guest modules contain no multi-line template
 * literals (every test runs the compacted prelude; test/bridge.test.ts also builds one).
 */
function compact(source: string): string {
  return source
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("//"))
    .join("\n");
}
