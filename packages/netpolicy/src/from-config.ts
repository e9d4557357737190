import type { AirlockConfig } from "@airlock/config";
import type { NetPolicy } from "./policy.js";
import { createNetPolicy } from "./policy.js";

/**
 * The egress policy an Airlock config describes: `allowedUrls`, `blockedUrls`,
 * `allowPrivateNetwork`, `rateLimitRps` and `maxConnections` (0 = unlimited for both).
 * Rule errors name the config field (`allowedUrls[2]`), so they point into the config file.
 */
export function netPolicyFromConfig(
  config: Pick<
    AirlockConfig,
    "allowedUrls" | "blockedUrls" | "allowPrivateNetwork" | "rateLimitRps" | "maxConnections"
  >,
): NetPolicy {
  return createNetPolicy({
    allowedUrls: config.allowedUrls,
    blockedUrls: config.blockedUrls,
    allowPrivateNetwork: config.allowPrivateNetwork,
    rateLimitRps: config.rateLimitRps,
    maxConnections: config.maxConnections,
  });
}
