/**
 * Runs an allowed command on the host under bubblewrap: every namespace unshared (network only
 * when the config grants URLs), read-only system directories, each granted dir at its own path
 * (writable only with `write`), a private tmpfs `/tmp`, a cleared environment. Killing `bwrap`
 * takes the whole sandbox with it: the command runs in a new pid namespace whose init dies with
 * its parent (`--die-with-parent`), and the kernel then kills every process left inside.
 */
import { childProcess } from "../../builtins.js";
import { accessSync, constants, lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { posix } from "node:path";
import { NO_CAPABILITIES, type CapabilityConfig } from "../../capabilities.js";

/** Where commands are looked up on the host; never the guest's PATH. */
export const SAFE_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

const SYSTEM_LINKS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
const ETC = [
  "/etc/alternatives",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/passwd",
  "/etc/group",
  "/etc/nsswitch.conf",
  "/etc/localtime",
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/hosts",
];

/** The host binary `name` runs as through {@link SAFE_PATH}, or null. */
export function lookPath(name: string): string | null {
  for (const dir of SAFE_PATH.split(":")) {
    const candidate = `${dir}/${name}`;
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * The binary to execute for `file`: the {@link lookPath} of its basename; if `file` is a path,
 * it must name that same binary (after resolving `..` and links), so `./git` in a granted dir or
 * `/tmp/sh` never runs in place of the granted one. Null if it does not.
 */
export function resolveCommand(file: string, name: string, cwd: string): string | null {
  const intended = lookPath(name);
  if (intended === null) return null;
  if (!file.includes("/")) return intended;
  try {
    const given = realpathSync(posix.resolve(cwd, file));
    return given === realpathSync(intended) ? intended : null;
  } catch {
    return null;
  }
}

export interface BwrapPlan {
  binary: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  grants: CapabilityConfig;
}

/** The `bwrap` argument vector for {@link BwrapPlan}. */
export function bwrapArgs(plan: BwrapPlan): string[] {
  const a = ["--unshare-all"];
  if (plan.grants.allowedUrls.length > 0)
    a.push("--share-net", "--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf");
  a.push("--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr");
  for (const p of SYSTEM_LINKS) {
    try {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) a.push("--symlink", readlinkSync(p), p);
      else if (st.isDirectory()) a.push("--ro-bind", p, p);
    } catch {
      // absent on this host
    }
  }
  for (const p of ETC) a.push("--ro-bind-try", p, p);
  a.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
  // A binary outside /usr (e.g. /opt/x/bin/tool) must be visible at its own path.
  const bin = realpathSync(plan.binary);
  if (!bin.startsWith("/usr/")) a.push("--ro-bind", bin, bin);
  for (const d of plan.grants.dirs) {
    if (!d.read && !d.write) continue;
    a.push(d.write ? "--bind" : "--ro-bind", d.path, d.path);
  }
  a.push("--clearenv");
  const env = { PATH: SAFE_PATH, ...plan.env };
  for (const [k, v] of Object.entries(env)) {
    if (k === "" || k.includes("=") || k.includes("\0") || v.includes("\0")) continue;
    a.push("--setenv", k, v);
  }
  a.push("--chdir", plan.cwd, "--", plan.binary, ...plan.args);
  return a;
}

let available: boolean | undefined;

/** Whether bwrap exists and can create its namespaces here (checked once per worker). */
export function bwrapAvailable(): boolean {
  if (available !== undefined) return available;
  const probe = bwrapArgs({
    binary: lookPath("true") ?? "/usr/bin/true",
    args: [],
    cwd: "/",
    env: {},
    grants: NO_CAPABILITIES,
  });
  try {
    const r = childProcess().spawnSync("bwrap", probe, { stdio: "ignore", timeout: 5_000 });
    available = r.status === 0;
  } catch {
    available = false;
  }
  return available;
}
