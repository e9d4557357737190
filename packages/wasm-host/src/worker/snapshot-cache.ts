/**
 * On-disk cache of the engine snapshot, so a short-lived process (`airlock run`) restores the
 * initialised prelude in a few milliseconds instead of evaluating it (tens of milliseconds for
 * the full Node polyfill prelude). One file per key; the key covers everything the memory image
 * depends on (the engine build, the prelude's digest, the host functions' names and order, the
 * glue version and this file format) and is stored in full in the file, so a changed build never
 * loads a stale image.
 *
 * Files are private (see private-files.ts), and one is used only if its payload matches the
 * checksum in its header (a corruption check: only this user can write the file, and whoever
 * rewrites the payload could rewrite any digest beside it). Nothing here loads node:crypto on a
 * cache hit: a cold `airlock run` paid ~5 ms for that. Any failure just means "no cache".
 */
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { nodeCrypto } from "../builtins.js";
import { readPrivateFile, writePrivateFile } from "../private-files.js";
import { checksum } from "./checksum.js";
import { Snapshot, debug, type SnapshotData } from "./snapshot.js";

const MAGIC = "airlock-snapshot/2\n";
/** Versions the memory image depends on besides the .wasm (pinned in package.json). */
const GLUE = "quickjs-emscripten-core@0.32.0";

/** A snapshot's cache key: everything its image depends on (compared on load) and its file name. */
export interface SnapshotKey {
  readonly text: string;
  readonly file: string;
}

/** sha-256 of a prelude's source, for {@link snapshotKey}. */
export const preludeDigest = (prelude: string): string =>
  nodeCrypto().createHash("sha256").update(prelude).digest("hex");

/** The cache key of a snapshot of the prelude with this digest and these host functions. */
export function snapshotKey(
  engineId: string,
  preludeSha256: string,
  hostFunctions: string[],
): SnapshotKey {
  const text = JSON.stringify({ MAGIC, GLUE, engineId, preludeSha256, hostFunctions });
  // A name collision only costs a rebuild: the file holds the whole key.
  const name = checksum(Buffer.from(text));
  return { text, file: `snapshot-${name}.bin` };
}

/** The cached snapshot for `key`, or null (absent, unsafe, corrupt or from another build). */
export function loadSnapshot(dir: string, key: SnapshotKey, engineId: string): Snapshot | null {
  const file = readPrivateFile(join(dir, key.file));
  if (!Buffer.isBuffer(file)) {
    if (file.miss !== "absent")
      debug("snapshot cache %s unusable: %s", join(dir, key.file), file.miss);
    return null;
  }
  try {
    const snap = decode(file, key, engineId);
    debug("snapshot loaded from %s", join(dir, key.file));
    return snap;
  } catch (err) {
    debug("snapshot cache unusable: %s", (err as Error).message);
    return null;
  }
}

/** Writes `snap` for `key` (best effort: a failure is logged and ignored). */
export function saveSnapshot(dir: string, key: SnapshotKey, snap: Snapshot): void {
  try {
    writePrivateFile(join(dir, key.file), encode(snap.toData(), key));
    debug("snapshot saved to %s", join(dir, key.file));
  } catch (err) {
    debug("snapshot not saved: %s", (err as Error).message);
    return;
  }
  try {
    prune(dir);
  } catch (err) {
    debug("old snapshots not pruned: %s", (err as Error).message);
  }
}

/** Snapshot files kept per directory (other builds and preludes); older ones are removed. */
const KEEP = 4;

function prune(dir: string): void {
  const files = readdirSync(dir)
    .filter((f) => /^snapshot-[0-9a-f]+\.bin$/.test(f))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of files.slice(KEEP)) unlinkSync(join(dir, f));
}

/** MAGIC, header length (u32 LE), header JSON, then the runs' bytes back to back. */
function encode(data: SnapshotData, key: SnapshotKey): Buffer {
  const payload = Buffer.concat(data.runs);
  const json = JSON.stringify({ key: key.text, check: checksum(payload), meta: data.meta });
  // Padded with spaces (still JSON) so that the payload starts 8-byte aligned in the file.
  const pad = (8 - ((MAGIC.length + 4 + Buffer.byteLength(json)) % 8)) % 8;
  const header = Buffer.from(json + " ".repeat(pad));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from(MAGIC), len, header, payload]);
}

function decode(buf: Buffer, key: SnapshotKey, engineId: string): Snapshot {
  const magic = Buffer.from(MAGIC);
  if (buf.length < magic.length + 4 || !buf.subarray(0, magic.length).equals(magic)) {
    throw new Error("not a snapshot file");
  }
  const len = buf.readUInt32LE(magic.length);
  const start = magic.length + 4 + len;
  if (start > buf.length) throw new Error("truncated snapshot file");
  const header = JSON.parse(buf.subarray(magic.length + 4, start).toString("utf8")) as {
    key: string;
    check: string;
    meta: SnapshotData["meta"];
  };
  const payload = buf.subarray(start);
  if (header.key !== key.text || header.meta.engineId !== engineId)
    throw new Error("snapshot key mismatch");
  if (checksum(payload) !== header.check) {
    throw new Error("snapshot checksum mismatch");
  }
  const runs: Uint8Array[] = [];
  let at = 0;
  for (const [, length] of header.meta.runs) {
    if (at + length > payload.length) throw new Error("truncated snapshot payload");
    runs.push(payload.subarray(at, at + length));
    at += length;
  }
  if (at !== payload.length) throw new Error("snapshot payload has trailing bytes");
  return Snapshot.revive({ meta: header.meta, runs });
}
