import { expect, it } from "vitest";

it("pins the public export list", async () => {
  const mod = await import("../src/index.js");
  expect(Object.keys(mod).sort()).toEqual([
    "ARTIFACT_MAGIC",
    "ARTIFACT_VERSION",
    "ArtifactBadMagicError",
    "ArtifactCorruptError",
    "ArtifactHashMismatchError",
    "ArtifactVersionError",
    "BuildBundleError",
    "BuildEntryError",
    "build",
    "decodeArtifact",
    "errors",
    "frozenLinkOf",
    "isArtifact",
    "readArtifact",
  ]);
});
