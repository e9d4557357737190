/**
 * `.airlock-cache/`: results of the expensive steps, keyed by content hashes.
 * - `bundle-<key>.json`: the input files (path → sha256) and the bundle they gave; `key` hashes
 *   the entry and the builder's version, so an unchanged app skips esbuild entirely.
 * - `freeze-<sha256 of bundle>.json` + `.wasm`: the linked code and frozen module of a bundle,
 *   so a change that leaves the bundle identical skips freeze.
 * Entries are written to a temp name and renamed: a crashed build never leaves half an entry.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "./artifact.js";

export class BuildCache {
  constructor(readonly dir: string) {}

  read(name: string): Buffer | undefined {
    try {
      return readFileSync(join(this.dir, name));
    } catch {
      return undefined;
    }
  }

  readJson<T>(name: string): T | undefined {
    const bytes = this.read(name);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(bytes.toString("utf8")) as T;
    } catch {
      return undefined; // a damaged entry is a miss
    }
  }

  write(name: string, data: string | Uint8Array): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
      writeFileSync(tmp, data);
      renameSync(tmp, join(this.dir, name));
    } catch {
      // the cache only saves time: a read-only app directory still builds
    }
  }
}

/** sha256 of a file's bytes, or null when it cannot be read (a changed input either way). */
export function fileHash(path: string): string | null {
  try {
    return sha256(readFileSync(path));
  } catch {
    return null;
  }
}
