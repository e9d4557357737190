import { posix } from "node:path";

/** Where `~`, `$HOME` and `$PWD` point when a config is resolved. */
export interface PathContext {
  readonly home: string;
  readonly cwd: string;
}

const VAR_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Expands `~`, `$HOME`, `${HOME}`, `$PWD` and `${PWD}` and normalises the result. Returns an error message
 * (a string starting with a lowercase verb phrase) instead of throwing, so the caller can name the field.
 */
export function expandDirPath(raw: string, ctx: PathContext): { path: string } | { error: string } {
  if (raw.length === 0)
    return { error: "is empty; give an absolute path such as /data or $PWD/data" };
  if (raw.includes("\0")) return { error: "contains a NUL byte; remove it" };
  let p = raw;
  if (p === "~" || p.startsWith("~/")) p = ctx.home + p.slice(1);
  else if (p.startsWith("~")) {
    return { error: `"${raw}": ~user paths are not supported; use $HOME or an absolute path` };
  }
  let unknown: string | undefined;
  p = p.replace(VAR_RE, (_m, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    if (name === "HOME") return ctx.home;
    if (name === "PWD") return ctx.cwd;
    unknown ??= name;
    return "";
  });
  if (unknown !== undefined) {
    return { error: `"${raw}": unknown variable $${unknown}; only $HOME, $PWD and ~ are expanded` };
  }
  if (!posix.isAbsolute(p)) {
    return {
      error: `"${raw}" is relative; use an absolute path, or start it with $PWD/ to mean the current directory`,
    };
  }
  const normal = posix.normalize(p);
  return { path: normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal };
}
