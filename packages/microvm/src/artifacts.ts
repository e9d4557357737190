import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VmArtifactsMissingError } from "./errors.js";

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
}

interface Manifest {
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

/**
 * Finds an image: a flavour name (`"small"`, `"full"`) under {@link defaultArtifactsDir}, or a
 * path to an image directory. Throws {@link VmArtifactsMissingError} naming the missing file.
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
  return {
    dir,
    ...files,
    flavour: manifest.flavour,
    hash: manifest.hash,
    kernelRelease: manifest.kernelRelease,
  };
}
