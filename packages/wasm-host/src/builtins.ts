import type * as ChildProcessModule from "node:child_process";
import { createRequire } from "node:module";

// Loaded when a guest first runs a command: most runs never do, and node:child_process (with the
// net and dgram modules it pulls in) would otherwise load with every sandbox runtime.
const require = createRequire(import.meta.url);
let loaded: typeof ChildProcessModule | undefined;

/** `node:child_process`, loaded on first use. */
export const childProcess = (): typeof ChildProcessModule =>
  (loaded ??= require("node:child_process") as typeof ChildProcessModule);
