export { createNetPolicy } from "./policy.js";
export type {
  LookupAddress,
  LookupFunction,
  NetPolicy,
  NetPolicyOptions,
  PinnedTarget,
  Resolution,
  ResolveOptions,
} from "./policy.js";
export { netPolicyFromConfig } from "./from-config.js";
export { acceptHost, acceptPublicInternet, acceptTcp } from "./tcp-rules.js";
export type {
  PortSpec,
  TcpCidrRule,
  TcpHostRule,
  TcpPublicInternetRule,
  TcpRule,
} from "./tcp-rules.js";
export type { AcquireOptions, Release } from "./limits.js";
export type { Decision } from "./decision.js";
export { secureFetch } from "./fetch.js";
export type { FetchLimits, FetchRequest, FetchResponse } from "./fetch.js";
export {
  EgressDeniedError,
  EgressLimitError,
  EgressLookupError,
  FetchFailedError,
  FetchRequestError,
  FetchTimeoutError,
  NetPolicyRuleError,
  ResponseTooLargeError,
  TooManyRedirectsError,
} from "./errors.js";
export * as errors from "./errors.js";
