/**
 * The op table: every host capability the guest can reach, by name. Add a capability by writing
 * `ops/<area>.ts` that exports a `Record<string, Op>` and spreading it in here.
 */
import { childOps } from "./child.js";
import { coreOps } from "./core.js";
import { cryptoOps } from "./crypto.js";
import { fetchOps } from "./fetch.js";
import { frozenOps } from "./frozen.js";
import { fsOps } from "./fs.js";
import { serveOps } from "./serve.js";
import type { Op } from "./types.js";

export type { Op, OpContext } from "./types.js";
export { GuestError } from "./types.js";

export const OPS: ReadonlyMap<string, Op> = new Map(
  Object.entries({
    ...coreOps,
    ...fsOps,
    ...fetchOps,
    ...cryptoOps,
    ...childOps,
    ...frozenOps,
    ...serveOps,
  }),
);
