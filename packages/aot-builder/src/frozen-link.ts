import type { Artifact, ArtifactFrozenFunction } from "./types.js";

/**
 * What `@airlock/wasm-host`'s `SandboxOptions.frozen` takes for this artifact, or `undefined`
 * when nothing was frozen: `createSandbox({ config, frozen: frozenLinkOf(artifact) })`.
 */
export function frozenLinkOf(
  artifact: Artifact,
): { wasm: Uint8Array; functions: readonly ArtifactFrozenFunction[] } | undefined {
  if (artifact.manifest.frozen.length === 0) return undefined;
  return { wasm: artifact.wasm, functions: artifact.manifest.frozen };
}
