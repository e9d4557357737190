export { build } from "./build.js";
export {
  readArtifact,
  decodeArtifact,
  isArtifact,
  ARTIFACT_MAGIC,
  ARTIFACT_VERSION,
  frozenLinkOf,
  ArtifactBadMagicError,
  ArtifactVersionError,
  ArtifactHashMismatchError,
  ArtifactCorruptError,
} from "./read.js";
export { BuildEntryError, BuildBundleError } from "./errors.js";
export * as errors from "./errors.js";
export type * from "./types.js";
