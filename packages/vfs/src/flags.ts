import { vfsError } from "./fail.js";
import type { OpenFlags, WriteFileOptions } from "./types.js";

/** What an {@link OpenFlags} string asks for. */
export interface OpenMode {
  readonly read: boolean;
  readonly write: boolean;
  readonly create: boolean;
  readonly exclusive: boolean;
  readonly truncate: boolean;
  readonly append: boolean;
}

const MODES: Record<OpenFlags, OpenMode> = {
  r: mode(true, false, ""),
  "r+": mode(true, true, ""),
  w: mode(false, true, "ct"),
  wx: mode(false, true, "cxt"),
  xw: mode(false, true, "cxt"),
  "w+": mode(true, true, "ct"),
  "wx+": mode(true, true, "cxt"),
  "xw+": mode(true, true, "cxt"),
  a: mode(false, true, "ca"),
  ax: mode(false, true, "cxa"),
  xa: mode(false, true, "cxa"),
  "a+": mode(true, true, "ca"),
  "ax+": mode(true, true, "cxa"),
  "xa+": mode(true, true, "cxa"),
};

function mode(read: boolean, write: boolean, extra: string): OpenMode {
  return {
    read,
    write,
    create: extra.includes("c"),
    exclusive: extra.includes("x"),
    truncate: extra.includes("t"),
    append: extra.includes("a"),
  };
}

/** Parses Node's string open flags; anything else is `EINVAL`. */
export function parseFlags(flags: unknown, path: string): OpenMode {
  const found = typeof flags === "string" ? MODES[flags as OpenFlags] : undefined;
  if (found === undefined || !Object.hasOwn(MODES, flags as string)) {
    throw vfsError("EINVAL", "open", path, `unsupported open flags ${JSON.stringify(flags)}`);
  }
  return found;
}

/** The flags `writeFile` opens with. */
export function writeFileFlags(options: WriteFileOptions | undefined): OpenFlags {
  if (options?.append) return options.exclusive ? "ax" : "a";
  return options?.exclusive ? "wx" : "w";
}
