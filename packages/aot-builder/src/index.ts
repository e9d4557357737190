export { build } from "./build.js";
export * from "./read.js";
export { BuildEntryError, BuildBundleError } from "./errors.js";
export * as errors from "./errors.js";
export type * from "./types.js";
