import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** A fresh temp directory with `files` (relative path → content) written into it. */
export function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-aot-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const freezeUrl = pathToFileURL(createRequire(import.meta.url).resolve("@airlock/freeze")).href;

/**
 * Runs a linked bundle under Node (V8) as an ES module. With `wasm`, `__airlock_frozen` calls the
 * frozen module's f64 exports and counts calls (printed to stderr); without, it is undefined.
 */
export function runBundle(code: string, wasm?: Uint8Array, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "airlock-aot-run-"));
  // The sandbox gives bundles a global require for builtins; under Node, createRequire does.
  let preamble = `import { createRequire } from "node:module";
globalThis.require = createRequire(import.meta.url);
`;
  if (wasm) {
    writeFileSync(join(dir, "frozen.wasm"), wasm);
    preamble += `import { readFileSync } from "node:fs";
import { instantiateFrozen } from ${JSON.stringify(freezeUrl)};
const inst = instantiateFrozen(new Uint8Array(readFileSync(new URL("./frozen.wasm", import.meta.url))));
const calls = {};
globalThis.__airlock_frozen = (name, ...args) => {
  if (args.some((a) => typeof a !== "number")) return undefined;
  calls[name] = (calls[name] ?? 0) + 1;
  return inst.exports["f64:" + name](0, ...args);
};
globalThis.__airlock_frozen.handOff = () => 0;
process.on("exit", () => process.stderr.write("calls " + JSON.stringify(calls) + "\\n"));
`;
  }
  writeFileSync(join(dir, "preamble.mjs"), preamble);
  const file = join(dir, "main.mjs");
  writeFileSync(file, `import "./preamble.mjs";` + code);
  const r = spawnSync(process.execPath, [file, ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
