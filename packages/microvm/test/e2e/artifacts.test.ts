import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { guestInitHash } from "../../src/artifacts.js";
import { defaultArtifactsDir, resolveImage } from "../../src/index.js";

// The build script and the host hash the guest-init sources separately; they must agree, or every
// image would be refused as outdated (or, worse, a stale one accepted).
it("the built image records the guest-init hash the host computes from the sources", () => {
  const manifest = JSON.parse(
    readFileSync(join(defaultArtifactsDir(), "small", "manifest.json"), "utf8"),
  ) as { initHash?: string; features?: string[] };
  expect(manifest.initHash).toBe(guestInitHash());
  expect(manifest.features).toContain("virtio-9p");
  expect(resolveImage("small").features).toContain("virtio-9p");
});
