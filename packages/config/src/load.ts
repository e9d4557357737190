import { readFileSync, statSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { parse, printParseErrorCode, type ParseError } from "jsonc-parser";
import { ConfigParseError, ConfigReadError } from "./errors.js";
import { findConfigFile } from "./find.js";
import { defaultConfig, resolveConfig, type ResolveOptions } from "./resolve.js";
import type { AirlockConfig } from "./types.js";

// Lookup lives in find.ts so the zod-free `@airlock/config/defaults` entry can share it.
export { CONFIG_FILE_NAMES, findConfigFile } from "./find.js";

/** Largest config file accepted: a config is a few KB; anything bigger is a mistake or an attack. */
const MAX_CONFIG_BYTES = 1024 * 1024;

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses config text. Comments and trailing commas are accepted (the starter file written by
 * `airlock init` has comments); anything else that is not JSON is a {@link ConfigParseError} with line/column.
 */
export function parseConfigText(
  text: string,
  file = "airlock.json",
  options: ResolveOptions = {},
): AirlockConfig {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const { line, column } = lineColumn(text, first.offset);
    // "PropertyNameExpected" → "property name expected"
    const detail = printParseErrorCode(first.error)
      .replace(/(?<=[a-z])(?=[A-Z])/g, " ")
      .toLowerCase();
    throw new ConfigParseError(file, line, column, detail);
  }
  if (text.trim() === "")
    throw new ConfigParseError(file, 1, 1, "the file is empty; write {} for defaults");
  return resolveConfig(value, { ...options, source: options.source ?? file });
}

/**
 * Loads and resolves a config file. Without `file`, looks for `airlock.json` then `.edgebox.json` in
 * `options.cwd`; when neither exists, returns the `standard` tier defaults. `$PWD` in the file is the
 * working directory (`options.cwd`), as in a shell.
 *
 * @throws ConfigReadError, ConfigParseError or ConfigValidationError (all `AirlockError`s with a `code`).
 * @example
 * const config = loadConfig("examples/airlock.json");
 * console.log(config.runtime.timeout_ms);
 */
export function loadConfig(file?: string, options: ResolveOptions = {}): AirlockConfig {
  const cwd = options.cwd ?? process.cwd();
  const path = file === undefined ? findConfigFile(cwd) : resolvePath(cwd, file);
  if (path === undefined) return defaultConfig(undefined, { ...options, cwd });
  let text: string;
  try {
    const st = statSync(path);
    if (st.isDirectory())
      throw new ConfigReadError(path, "it is a directory; pass the airlock.json inside it");
    if (st.size > MAX_CONFIG_BYTES) {
      throw new ConfigReadError(path, `it is ${st.size} bytes; a config must be under 1 MiB`);
    }
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof ConfigReadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file; check the path or run `airlock init` to create one"
        : code === "EACCES"
          ? "permission denied; make it readable"
          : `error ${code ?? String(err)}`;
    throw new ConfigReadError(path, reason, { cause: err });
  }
  return parseConfigText(text, path, { ...options, cwd, source: path });
}
