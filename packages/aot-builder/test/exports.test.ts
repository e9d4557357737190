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

it("the read entry has what running an artifact needs, and no build tier", async () => {
  const mod = await import("../src/read.js");
  expect(Object.keys(mod).sort()).toEqual([
    "ARTIFACT_MAGIC",
    "ARTIFACT_VERSION",
    "ArtifactBadMagicError",
    "ArtifactCorruptError",
    "ArtifactHashMismatchError",
    "ArtifactVersionError",
    "decodeArtifact",
    "frozenLinkOf",
    "isArtifact",
    "readArtifact",
  ]);
  // Walk the built entry's static imports: no esbuild, acorn, binaryen or freeze.
  const { readFileSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const seen = new Set<string>();
  const bare = new Set<string>();
  const walk = (url: URL) => {
    const file = fileURLToPath(url);
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(
      /^(?:import|export)[^;]*?from "([^"]+)"/gms,
    )) {
      const spec = m[1]!;
      if (spec.startsWith(".")) walk(new URL(spec, url));
      else bare.add(spec);
    }
  };
  walk(new URL("../dist/read.js", import.meta.url));
  expect([...bare].sort()).toEqual(["@airlock/config/errors", "node:fs", "node:module"]);
});
