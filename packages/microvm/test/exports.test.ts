import { expect, it } from "vitest";

it("pins the public export list", async () => {
  const mod = await import("../src/index.js");
  expect(Object.keys(mod).sort()).toEqual([
    "ErrorCode",
    "FrameDecoder",
    "FrameType",
    "HttpInterceptor",
    "MAX_PAYLOAD",
    "MicroVm",
    "PROTOCOL_VERSION",
    "VmAccelUnavailableError",
    "VmArtifactsMissingError",
    "VmBootError",
    "VmBootTimeoutError",
    "VmDisposedError",
    "VmExitedError",
    "VmImageOutdatedError",
    "VmMounts",
    "VmNetwork",
    "VmOptionsError",
    "VmProtocolError",
    "VmQemuMissingError",
    "VmSnapshot",
    "VmSpawnError",
    "createMicroVm",
    "createVmSnapshot",
    "defaultArtifactsDir",
    "detectAccel",
    "directHostDir",
    "encodeFrame",
    "errors",
    "resolveImage",
  ]);
});
