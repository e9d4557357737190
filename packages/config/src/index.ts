export { loadConfig, parseConfigText, findConfigFile, CONFIG_FILE_NAMES } from "./load.js";
export { resolveConfig, defaultConfig } from "./resolve.js";
export type { ResolveOptions } from "./resolve.js";
export { configFileSchema } from "./schema.js";
export type { ConfigFile } from "./schema.js";
export { configJsonSchema } from "./json-schema.js";
export { TIERS, POLICY_TIERS, DEFAULT_TIER } from "./tiers.js";
export type { TierDefaults } from "./tiers.js";
export { parseSize, formatSize } from "./size.js";
export { checkUrlGlob } from "./url-glob.js";
export { starterConfigText } from "./starter.js";
export {
  AirlockError,
  ConfigValidationError,
  ConfigParseError,
  ConfigReadError,
} from "./errors.js";
export * as errors from "./errors.js";
export type * from "./types.js";
export type { ConfigIssue } from "./issues.js";
