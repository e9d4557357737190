export { createMicroVm, MicroVm } from "./vm.js";
export type { MicroVmOptions, ExecOptions, ExecResult } from "./vm.js";
export { VmMounts } from "./mounts.js";
export type { MountMap } from "./mounts.js";
export { directHostDir } from "./direct-dir.js";
export type { DirectHostDirOptions } from "./direct-dir.js";
export type { NinePStats } from "./ninep/server.js";
export { VmNetwork } from "./egress/network.js";
export type { NetworkOptions, EgressEvent } from "./egress/network.js";
export { HttpInterceptor } from "./egress/intercept.js";
export type { InterceptedRequest, RequestHook, CheckedDestination } from "./egress/intercept.js";
export { createVmSnapshot, VmSnapshot } from "./snapshot.js";
export type { SnapshotOptions } from "./snapshot.js";
export type { SpawnOptions, VmProcess, ExitStatus } from "./process.js";
export { detectAccel } from "./accel.js";
export type { AccelReport } from "./accel.js";
export { resolveImage, defaultArtifactsDir } from "./artifacts.js";
export type { VmImage } from "./artifacts.js";
export type { Accel } from "./qemu.js";
export { encodeFrame, FrameDecoder } from "./control/codec.js";
export type { DecodeFailure } from "./control/codec.js";
export { PROTOCOL_VERSION, MAX_PAYLOAD, FrameType, ErrorCode } from "./control/frames.js";
export type { Frame, WinSize } from "./control/frames.js";
export {
  VmArtifactsMissingError,
  VmQemuMissingError,
  VmAccelUnavailableError,
  VmOptionsError,
  VmBootError,
  VmBootTimeoutError,
  VmExitedError,
  VmDisposedError,
  VmProtocolError,
  VmSpawnError,
  VmImageOutdatedError,
} from "./errors.js";
export * as errors from "./errors.js";
