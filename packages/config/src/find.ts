import { statSync } from "node:fs";
import { join } from "node:path";

/** File names looked up, in order, when no config path is given. `.edgebox.json` is read for compatibility. */
export const CONFIG_FILE_NAMES = ["airlock.json", ".edgebox.json"] as const;

/** Finds `airlock.json` (or `.edgebox.json`) in `dir`; returns its absolute path or undefined. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // absent: try the next name
    }
  }
  return undefined;
}
