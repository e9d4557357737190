import { expect, it } from "vitest";

it("pins the public export list", async () => {
  const mod = await import("../src/index.js");
  expect(Object.keys(mod).sort()).toEqual([
    "AirlockError",
    "CONFIG_FILE_NAMES",
    "ConfigParseError",
    "ConfigReadError",
    "ConfigValidationError",
    "DEFAULT_TIER",
    "POLICY_TIERS",
    "TIERS",
    "checkUrlGlob",
    "configFileSchema",
    "configJsonSchema",
    "defaultConfig",
    "errors",
    "findConfigFile",
    "formatSize",
    "loadConfig",
    "parseConfigText",
    "parseSize",
    "resolveConfig",
    "starterConfigText",
  ]);
});
