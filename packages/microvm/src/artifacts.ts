import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VmArtifactsMissingError, VmImageOutdatedError } from "./errors.js";

/** The files a microVM boots, as written by `scripts/build-artifacts.sh`. */
export interface VmImage {
  /** Directory holding the image. */
  dir: string;
  /** Uncompressed ELF kernel, booted directly through its PVH entry. */
  kernel: string;
  /** cpio with the Rust init and the kernel modules it loads. */
  initrd: string;
  /** Read-only EROFS root filesystem. */
  rootfs: string;
  flavour: string;
  hash: string;
  kernelRelease: string;
  /** What the image's init supports beyond the base protocol (`"virtio-9p"`). */
  features: readonly string[];
}

interface Manifest {
  features?: string[];
  /** Hash of the guest-init sources the image's init was built from (see {@link guestInitHash}). */
  initHash?: string;
  format: number;
  flavour: string;
  hash: string;
  kernelRelease: string;
  kernel: string;
  initrd: string;
  rootfs: string;
}

/**
 * Where images live: `$AIRLOCK_VM_ARTIFACTS`, else `<repo>/artifacts/microvm` (this file sits
 * at packages/microvm/{src,dist}/, three levels below the repo).
 */
export function defaultArtifactsDir(): string {
  const fromEnv = process.env["AIRLOCK_VM_ARTIFACTS"];
  if (fromEnv) return resolve(fromEnv);
  return fileURLToPath(new URL("../../../artifacts/microvm", import.meta.url));
}

/** The guest init's sources in this checkout (absent from an installed package). */
const GUEST_INIT_CRATE = fileURLToPath(new URL("../../../crates/guest-init", import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

/**
 * @internal The hash `build-artifacts.sh` records as `initHash`: SHA-256 (first 16 hex digits) of
 * Cargo.toml, Cargo.lock, .cargo/config.toml, then every file under src/ in byte order of the
 * path. Undefined where the crate is not present.
 */
export function guestInitHash(crate = GUEST_INIT_CRATE): string | undefined {
  if (!existsSync(join(crate, "Cargo.toml"))) return undefined;
  const hash = createHash("sha256");
  for (const f of ["Cargo.toml", "Cargo.lock", ".cargo/config.toml"])
    hash.update(readFileSync(join(crate, f)));
  const sources = filesUnder(join(crate, "src")).sort((a, b) =>
    Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  for (const f of sources) hash.update(readFileSync(f));
  return hash.digest("hex").slice(0, 16);
}

/**
 * Finds an image: a flavour name (`"small"`, `"full"`) under {@link defaultArtifactsDir}, or a
 * path to an image directory. Throws {@link VmArtifactsMissingError} naming the missing file, and
 * {@link VmImageOutdatedError} when this checkout has the guest init's sources and the image was
 * built from others: an older init must never serve a newer host.
 */
export function resolveImage(image: string = "small"): VmImage {
  const dir =
    isAbsolute(image) || image.includes("/") ? resolve(image) : join(defaultArtifactsDir(), image);
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) throw new VmArtifactsMissingError(manifestPath);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  } catch (cause) {
    throw new VmArtifactsMissingError(manifestPath, { cause });
  }
  const files = {
    kernel: join(dir, manifest.kernel),
    initrd: join(dir, manifest.initrd),
    rootfs: join(dir, manifest.rootfs),
  };
  for (const file of Object.values(files)) {
    if (!existsSync(file)) throw new VmArtifactsMissingError(file);
  }
  const sources = guestInitHash();
  if (sources !== undefined && manifest.initHash !== sources) {
    throw new VmImageOutdatedError(
      dir,
      `its guest init (${manifest.initHash ?? "built before init hashes"}) is not the one in ` +
        `crates/guest-init (${sources})`,
    );
  }
  return {
    dir,
    ...files,
    flavour: manifest.flavour,
    hash: manifest.hash,
    kernelRelease: manifest.kernelRelease,
    features: Array.isArray(manifest.features) ? manifest.features : [],
  };
}
