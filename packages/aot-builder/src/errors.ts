import { AirlockError } from "@airlock/config/errors";

/** The file does not start with the artifact magic bytes: it is not an `.airlock` artifact. */
export class ArtifactBadMagicError extends AirlockError {
  constructor(readonly file: string) {
    super(
      "AIRLOCK_ARTIFACT_BAD_MAGIC",
      `${file}: not an Airlock artifact (bad magic bytes); build one with \`airlock build <app>\``,
    );
  }
}

/** The artifact was written by another (newer or older) container format version. */
export class ArtifactVersionError extends AirlockError {
  constructor(
    readonly file: string,
    readonly version: unknown,
  ) {
    super(
      "AIRLOCK_ARTIFACT_VERSION",
      `${file}: artifact format version ${String(version)} is not supported (this build reads version 1); rebuild it with this airlock`,
    );
  }
}

/** A section's sha256 differs from the manifest's: the file was changed or damaged after the build. */
export class ArtifactHashMismatchError extends AirlockError {
  constructor(
    readonly file: string,
    readonly section: "bundle" | "frozen",
  ) {
    super(
      "AIRLOCK_ARTIFACT_HASH_MISMATCH",
      `${file}: the ${section} section does not match its hash in the manifest (changed or damaged after the build); rebuild the artifact`,
    );
  }
}

/** The container is truncated or its manifest is not the expected JSON. */
export class ArtifactCorruptError extends AirlockError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super("AIRLOCK_ARTIFACT_CORRUPT", `${file}: damaged artifact (${detail}); rebuild it`);
  }
}

/** The entry (file or app directory) cannot be found or has no entry file. */
export class BuildEntryError extends AirlockError {
  constructor(
    readonly entry: string,
    detail: string,
  ) {
    super("AIRLOCK_BUILD_ENTRY", `${entry}: ${detail}`);
  }
}

/** esbuild could not bundle the app (syntax error, unresolved import). */
export class BuildBundleError extends AirlockError {
  constructor(
    detail: string,
    readonly errors: readonly string[],
  ) {
    super(
      "AIRLOCK_BUILD_BUNDLE",
      `cannot bundle the app: ${detail}; fix it, or mark the module external`,
    );
  }
}
