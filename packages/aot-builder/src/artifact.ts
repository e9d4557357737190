/**
 * The `.airlock` container: `AIRLOCK\0` magic, u32 LE format version, u32 LE manifest length,
 * the manifest (UTF-8 JSON), then the bundle (UTF-8) and the frozen wasm, whose sizes and
 * sha256 the manifest records. One file, readable without unpacking anything.
 */
import type * as Crypto from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  ArtifactBadMagicError,
  ArtifactCorruptError,
  ArtifactHashMismatchError,
  ArtifactVersionError,
} from "./errors.js";
import type { Artifact, ArtifactManifest } from "./types.js";

/** The first 8 bytes of every artifact. */
export const ARTIFACT_MAGIC: Uint8Array = new TextEncoder().encode("AIRLOCK\0");
/** The container format this package writes and reads. */
export const ARTIFACT_VERSION = 1;
const HEADER = ARTIFACT_MAGIC.length + 8;

/** node:crypto, loaded for the first artifact: `airlock run script.js` reads none (~5 ms cold). */
let cryptoModule: typeof Crypto | undefined;
const crypto = (): typeof Crypto =>
  (cryptoModule ??= createRequire(import.meta.url)("node:crypto") as typeof Crypto);

export const sha256 = (data: string | Uint8Array): string =>
  crypto().createHash("sha256").update(data).digest("hex");

/** Whether `bytes` start with the artifact magic (cheap: how `airlock run` tells artifacts from JS). */
export function isArtifact(bytes: Uint8Array): boolean {
  if (bytes.length < ARTIFACT_MAGIC.length) return false;
  return ARTIFACT_MAGIC.every((b, i) => bytes[i] === b);
}

/** Serialises an artifact; the manifest's sizes are set from the sections. */
export function encodeArtifact(
  manifest: Omit<ArtifactManifest, "sizes">,
  bundle: string,
  wasm: Uint8Array,
): Uint8Array {
  const bundleBytes = Buffer.from(bundle, "utf8");
  const full: ArtifactManifest = {
    ...manifest,
    sizes: { bundle: bundleBytes.length, frozen: wasm.length },
  };
  const json = Buffer.from(JSON.stringify(full), "utf8");
  const header = Buffer.alloc(HEADER);
  header.set(ARTIFACT_MAGIC, 0);
  header.writeUInt32LE(ARTIFACT_VERSION, ARTIFACT_MAGIC.length);
  header.writeUInt32LE(json.length, ARTIFACT_MAGIC.length + 4);
  return new Uint8Array(Buffer.concat([header, json, bundleBytes, wasm]));
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Parses and verifies an artifact held in memory. `file` only names it in errors.
 *
 * @throws {ArtifactBadMagicError} not an artifact.
 * @throws {ArtifactVersionError} another container version.
 * @throws {ArtifactCorruptError} truncated, or the manifest is not valid.
 * @throws {ArtifactHashMismatchError} a section differs from its recorded sha256.
 */
export function decodeArtifact(bytes: Uint8Array, file = "<artifact>"): Artifact {
  if (!isArtifact(bytes)) throw new ArtifactBadMagicError(file);
  if (bytes.length < HEADER) throw new ArtifactCorruptError(file, "truncated header");
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = buf.readUInt32LE(ARTIFACT_MAGIC.length);
  if (version !== ARTIFACT_VERSION) throw new ArtifactVersionError(file, version);
  const jsonLength = buf.readUInt32LE(ARTIFACT_MAGIC.length + 4);
  if (HEADER + jsonLength > buf.length) throw new ArtifactCorruptError(file, "truncated manifest");
  let manifest: ArtifactManifest;
  try {
    manifest = JSON.parse(buf.subarray(HEADER, HEADER + jsonLength).toString("utf8"));
  } catch {
    throw new ArtifactCorruptError(file, "the manifest is not JSON");
  }
  if (!isObject(manifest) || manifest.format !== "airlock-artifact") {
    throw new ArtifactCorruptError(file, 'the manifest has no format "airlock-artifact"');
  }
  if (manifest.version !== ARTIFACT_VERSION) throw new ArtifactVersionError(file, manifest.version);
  const sizes = manifest.sizes;
  const hashes = manifest.hashes;
  if (
    !isObject(sizes) ||
    !isObject(hashes) ||
    !Number.isSafeInteger(sizes.bundle) ||
    !Number.isSafeInteger(sizes.frozen) ||
    sizes.bundle < 0 ||
    sizes.frozen < 0 ||
    typeof hashes.bundle !== "string" ||
    typeof hashes.frozen !== "string" ||
    !Array.isArray(manifest.frozen) ||
    typeof manifest.entry !== "string" ||
    typeof manifest.name !== "string"
  ) {
    throw new ArtifactCorruptError(file, "the manifest lacks entry, name, sizes, hashes or frozen");
  }
  const start = HEADER + jsonLength;
  if (start + sizes.bundle + sizes.frozen !== buf.length) {
    throw new ArtifactCorruptError(
      file,
      `expected ${start + sizes.bundle + sizes.frozen} bytes, found ${buf.length}`,
    );
  }
  const bundleBytes = buf.subarray(start, start + sizes.bundle);
  const wasm = new Uint8Array(buf.subarray(start + sizes.bundle));
  if (sha256(bundleBytes) !== hashes.bundle) throw new ArtifactHashMismatchError(file, "bundle");
  if (sha256(wasm) !== hashes.frozen) throw new ArtifactHashMismatchError(file, "frozen");
  return { manifest, bundle: bundleBytes.toString("utf8"), wasm };
}

/** Reads and verifies an `.airlock` file (see {@link decodeArtifact} for the errors). */
export function readArtifact(file: string): Artifact {
  return decodeArtifact(readFileSync(file), file);
}
