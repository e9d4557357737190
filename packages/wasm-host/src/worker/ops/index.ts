/**
 * The op table: every host capability the guest can reach, by name. Add a capability by writing
 * `ops/<area>.ts` that exports a `Record<string, Op>` and spreading it in here.
 */
import { coreOps } from "./core.js";
import type { Op } from "./types.js";

export type { Op, OpContext } from "./types.js";
export { GuestError } from "./types.js";

export const OPS: ReadonlyMap<string, Op> = new Map(Object.entries({ ...coreOps }));
