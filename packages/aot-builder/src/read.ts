/**
 * `@airlock/aot-builder/read`: what running an artifact needs (decode it, check it, link its
 * frozen functions) without the build tier. The package's main entry also loads esbuild, acorn
 * and binaryen for `build()`, ~50 ms of module loading that `airlock run app.airlock` and the
 * daemon would otherwise pay on every start.
 */
export {
  readArtifact,
  decodeArtifact,
  isArtifact,
  ARTIFACT_MAGIC,
  ARTIFACT_VERSION,
} from "./artifact.js";
export { frozenLinkOf } from "./frozen-link.js";
export {
  ArtifactBadMagicError,
  ArtifactVersionError,
  ArtifactHashMismatchError,
  ArtifactCorruptError,
} from "./errors.js";
export type { Artifact, ArtifactManifest, ArtifactFrozenFunction } from "./types.js";
