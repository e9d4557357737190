export { createSandbox } from "./sandbox.js";
export { shutdownWorkers, configureWorkerPool, type EngineTiering } from "./pool.js";
export { EXIT_CODES, runLimitsFromConfig } from "./limits.js";
export { SandboxDisposedError, InvalidOptionError, WorkerPoolClosedError } from "./errors.js";
export * as errors from "./errors.js";
export type {
  Sandbox,
  SandboxOptions,
  RunLimits,
  RunOptions,
  RunResult,
  RunStatus,
  OutputChunk,
  FrozenLink,
  FrozenFunctionSpec,
  ServeRequestInit,
  ServeResponse,
  ServeOptions,
  ServeResult,
  AppPoolOptions,
  AppPoolState,
} from "./types.js";
