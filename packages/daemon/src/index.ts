export { Daemon, type DaemonOptions } from "./daemon.js";
export { serveApp, type ServeOptions, type Serving } from "./serve.js";
export { DaemonClient, ensureDaemon, daemonSocketPresent, SERVER_NODE_FLAGS } from "./client.js";
export { AppRunner, type RunnerOptions, type Handled, type AppStats } from "./runner.js";
export { listenHttp, type HttpOptions } from "./http.js";
export { DaemonMetrics } from "./metrics.js";
export { readApp, type LoadedApp } from "./app.js";
export { stateDir, ensureStateDir, checkSocket } from "./paths.js";
export {
  UnsafeStatePathError,
  DaemonNotRunningError,
  DaemonStartError,
  AppNotLoadedError,
  AppLoadError,
  DaemonRequestError,
  DaemonOptionError,
} from "./errors.js";
export * as errors from "./errors.js";
export type { DaemonStatus, LoadOptions, RunJob, ControlRequest } from "./protocol.js";
