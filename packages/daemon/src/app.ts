/**
 * An app as the daemon keeps it: the program text, the name it is known by, and what its
 * sandboxes need (config, frozen functions). Read from an `airlock build` artifact (told by its
 * magic bytes) or a plain `.js`/`.mjs` file.
 */
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { decodeArtifact, frozenLinkOf, isArtifact } from "@airlock/aot-builder/read";
import type { AirlockConfig } from "@airlock/config";
import type { FrozenLink } from "@airlock/wasm-host";
import { AppLoadError } from "./errors.js";

export interface LoadedApp {
  /** How `ps`/`down` name it: the artifact's name, else the file's base name. */
  readonly name: string;
  /** Absolute path it was read from. */
  readonly path: string;
  readonly code: string;
  /** Module name in stack traces. */
  readonly filename: string;
  /** The config embedded in an artifact (without `source`), or null. */
  readonly embeddedConfig: Omit<AirlockConfig, "source"> | null;
  readonly frozen?: FrozenLink;
  readonly artifact: boolean;
}

/** Reads `file` (resolved against `cwd`). Throws {@link AppLoadError}. */
export function readApp(file: string, cwd = process.cwd()): LoadedApp {
  const path = resolve(cwd, file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new AppLoadError(
      file,
      `cannot read it (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  if (!isArtifact(bytes)) {
    return {
      name: basename(path),
      path,
      code: bytes.toString("utf8"),
      filename: basename(path),
      embeddedConfig: null,
      artifact: false,
    };
  }
  const a = decodeArtifact(bytes, file);
  const frozen = frozenLinkOf(a);
  return {
    name: a.manifest.name,
    path,
    code: a.bundle,
    filename: a.manifest.entry,
    embeddedConfig: a.manifest.config,
    ...(frozen ? { frozen } : {}),
    artifact: true,
  };
}
