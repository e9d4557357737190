/**
 * The capabilities of one run, built inside the worker from the request's plain grants the first
 * time an op needs them, and released when the run ends. The guest only ever sees copies.
 */
import { netPolicyFromConfig, type NetPolicy } from "@airlock/netpolicy";
import { vfsFromDirs, type Vfs } from "@airlock/vfs";
import { NO_CAPABILITIES, type CapabilityConfig } from "../../capabilities.js";
import type { OpContext } from "./types.js";

export interface RunCaps {
  readonly grants: CapabilityConfig;
  /** Granted dirs at their own paths plus a private in-memory `/tmp`. */
  readonly vfs: Vfs;
  /** Sandbox working directory: the first granted dir, or `/`. */
  readonly cwd: string;
  readonly policy: NetPolicy;
  /** Aborted when the run ends: in-flight fetches and children stop with it. */
  readonly ended: AbortSignal;
}

const byRun = new WeakMap<OpContext, RunCaps>();

export function capsOf(ctx: OpContext): RunCaps {
  let caps = byRun.get(ctx);
  if (caps !== undefined) return caps;
  const grants = ctx.req.capabilities ?? NO_CAPABILITIES;
  const cwd = grants.dirs[0]?.path ?? "/";
  const vfs = vfsFromDirs(grants.dirs, { cwd });
  const ended = new AbortController();
  let policy: NetPolicy | undefined;
  caps = {
    grants,
    vfs,
    cwd,
    get policy() {
      // Built on first fetch: a malformed rule must not break runs that never fetch.
      policy ??= netPolicyFromConfig(grants);
      return policy;
    },
    ended: ended.signal,
  };
  byRun.set(ctx, caps);
  ctx.onEnd(() => {
    ended.abort(new Error("the run ended"));
    vfs.dispose();
  });
  return caps;
}
