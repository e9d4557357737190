/**
 * node:net, loaded on first use: a sandbox runtime bundles this package, and most runs never
 * check an address. Under the CLI's V8 flags node compiles builtins from source, and node:net
 * with the stream modules it pulls in cost ~5 ms of a cold `airlock run`.
 */
import { createRequire } from "node:module";
import type * as Net from "node:net";

let loaded: typeof Net | undefined;
export const nodeNet = (): typeof Net =>
  (loaded ??= createRequire(import.meta.url)("node:net") as typeof Net);
