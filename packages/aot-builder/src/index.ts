export { build } from "./build.js";
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
  BuildEntryError,
  BuildBundleError,
} from "./errors.js";
export * as errors from "./errors.js";
export type * from "./types.js";
