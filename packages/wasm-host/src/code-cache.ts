/**
 * Loads a CommonJS file like `require`, with V8's compiled code for it kept in the private cache
 * directory (the engine snapshot's, see private-files.ts). A one-shot `airlock run` compiles the
 * ~0.5 MB runtime bundle and the functions a run calls afresh each time otherwise (~10 ms): with
 * the cache, V8 deserializes them. The cache is written once, when the process exits after the
 * first run that had none (so it holds the functions that run compiled); V8 itself rejects data
 * made for another source, V8 version or set of flags, and the file is then rewritten. Compiled
 * code is trusted input to V8, so it is only ever read from this user's private files (a file
 * others could have written is ignored), the trust the engine snapshots already need.
 */
import { readFileSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";
import { readPrivateFile, writePrivateFile } from "./private-files.js";

/** `require(path)`, compiled with (and, when there was none, saving) cached code in `cacheDir`. */
export function requireWithCodeCache(path: string, cacheDir: string | null): unknown {
  if (cacheDir === null) return createRequire(path)(path);
  const st = statSync(path);
  // Another build of the file (size, time) is another cache file; V8 checks the rest.
  const name = `code-${basename(path)}-${st.size}-${Math.trunc(st.mtimeMs)}.bin`;
  const cacheFile = join(cacheDir, name);
  const cached = readPrivateFile(cacheFile);
  // The CommonJS function wrapper (what node's loader compiles for a `.cjs` file).
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(path, "utf8")}\n});`;
  const script = new Script(source, {
    filename: path,
    ...(Buffer.isBuffer(cached) ? { cachedData: cached } : {}),
  });
  if (!Buffer.isBuffer(cached) || script.cachedDataRejected === true) {
    process.once("exit", () => {
      try {
        writePrivateFile(cacheFile, script.createCachedData());
        // Code of earlier builds of this file is never used again.
        const prefix = `code-${basename(path)}-`;
        for (const f of readdirSync(cacheDir)) {
          if (f.startsWith(prefix) && f !== name) unlinkSync(join(cacheDir, f));
        }
      } catch {
        // best effort: the next start compiles again
      }
    });
  }
  const module = { exports: {} as unknown };
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  fn.call(module.exports, module.exports, createRequire(path), module, path, dirname(path));
  return module.exports;
}
