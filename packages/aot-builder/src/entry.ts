/** Finds the entry file and the app's name from what the user passed (a file or a directory). */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { BuildEntryError } from "./errors.js";

export interface ResolvedEntry {
  /** The directory relative paths, the config and the cache are looked up in. */
  readonly appDir: string;
  readonly entryFile: string;
  readonly name: string;
}

const CANDIDATES = ["index.js", "index.mjs", "index.ts", "main.js", "main.mjs", "main.ts"];

function packageJson(dir: string): { name?: unknown; main?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as object;
  } catch {
    return undefined;
  }
}

/** `entry` is absolute. */
export function resolveEntry(entry: string): ResolvedEntry {
  let st;
  try {
    st = statSync(entry);
  } catch {
    throw new BuildEntryError(
      entry,
      "no such file or directory; pass an app directory or a .js file",
    );
  }
  if (st.isFile()) {
    const appDir = dirname(entry);
    return { appDir, entryFile: entry, name: basename(entry, extname(entry)) };
  }
  const pkg = packageJson(entry);
  const name = typeof pkg?.name === "string" && pkg.name !== "" ? pkg.name : basename(entry);
  const main = typeof pkg?.main === "string" ? [pkg.main] : [];
  for (const candidate of [...main, ...CANDIDATES]) {
    const file = join(entry, candidate);
    if (existsSync(file) && statSync(file).isFile())
      return { appDir: entry, entryFile: file, name };
  }
  // A directory holding a single script (`fib.js`) is that script's app.
  const scripts = readdirSync(entry).filter((f) => /\.(m?js|ts)$/.test(f));
  if (scripts.length === 1) return { appDir: entry, entryFile: join(entry, scripts[0]!), name };
  throw new BuildEntryError(
    entry,
    `no entry file: add "main" to its package.json, create one of ${CANDIDATES.join(", ")}, or pass the file`,
  );
}
