/**
 * On-disk cache of the engine snapshot, so a short-lived process (`airlock run`) restores the
 * initialised prelude in a few milliseconds instead of evaluating it (tens of milliseconds for
 * the full Node polyfill prelude). One file per key; the key covers everything the memory image
 * depends on (the .wasm's hash, the prelude source, the host functions' names and order, the
 * glue version and this file format), so a changed build never loads a stale image.
 *
 * Files are private (see private-files.ts), and one is used only if its payload matches the
 * sha-256 in its header. Any failure just means "no cache".
 */
import { createHash } from "node:crypto";
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { readPrivateFile, writePrivateFile } from "../private-files.js";
import { Snapshot, debug, type SnapshotData } from "./snapshot.js";

const MAGIC = "airlock-snapshot/1\n";
/** Versions the memory image depends on besides the .wasm (pinned in package.json). */
const GLUE = "quickjs-emscripten-core@0.32.0";

/** The cache key of a snapshot of `prelude` with these host functions, on this engine build. */
export function snapshotKey(wasmHash: string, prelude: string, hostFunctions: string[]): string {
  return createHash("sha256")
    .update(JSON.stringify({ MAGIC, GLUE, wasmHash, hostFunctions }))
    .update(prelude)
    .digest("hex")
    .slice(0, 32);
}

const fileOf = (dir: string, key: string) => join(dir, `snapshot-${key}.bin`);

/** The cached snapshot for `key`, or null (absent, unsafe, corrupt or from another build). */
export function loadSnapshot(dir: string, key: string, wasmHash: string): Snapshot | null {
  const file = readPrivateFile(fileOf(dir, key));
  if (!Buffer.isBuffer(file)) {
    if (file.miss !== "absent")
      debug("snapshot cache %s unusable: %s", fileOf(dir, key), file.miss);
    return null;
  }
  try {
    const snap = decode(file, key, wasmHash);
    debug("snapshot loaded from %s", fileOf(dir, key));
    return snap;
  } catch (err) {
    debug("snapshot cache unusable: %s", (err as Error).message);
    return null;
  }
}

/** Writes `snap` for `key` (best effort: a failure is logged and ignored). */
export function saveSnapshot(dir: string, key: string, snap: Snapshot): void {
  try {
    writePrivateFile(fileOf(dir, key), encode(snap.toData(), key));
    debug("snapshot saved to %s", fileOf(dir, key));
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
function encode(data: SnapshotData, key: string): Buffer {
  const payload = Buffer.concat(data.runs);
  const sha256 = createHash("sha256").update(payload).digest("hex");
  const header = Buffer.from(JSON.stringify({ key, sha256, meta: data.meta }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from(MAGIC), len, header, payload]);
}

function decode(buf: Buffer, key: string, wasmHash: string): Snapshot {
  const magic = Buffer.from(MAGIC);
  if (buf.length < magic.length + 4 || !buf.subarray(0, magic.length).equals(magic)) {
    throw new Error("not a snapshot file");
  }
  const len = buf.readUInt32LE(magic.length);
  const start = magic.length + 4 + len;
  if (start > buf.length) throw new Error("truncated snapshot file");
  const header = JSON.parse(buf.subarray(magic.length + 4, start).toString("utf8")) as {
    key: string;
    sha256: string;
    meta: SnapshotData["meta"];
  };
  const payload = buf.subarray(start);
  if (header.key !== key || header.meta.wasmHash !== wasmHash)
    throw new Error("snapshot key mismatch");
  if (createHash("sha256").update(payload).digest("hex") !== header.sha256) {
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
