import { POLICY_TIERS } from "@airlock/config";
import { AUDIT_STATUSES } from "../audit/store.js";
import { ENGINE_NAMES } from "../engines/registry.js";
import { PRIORITIES } from "../queue/queue.js";

/** JSON Schemas of request bodies and queries. Unknown fields are refused, nothing is coerced. */

const policy = { type: "string", enum: POLICY_TIERS } as const;
const language = { type: "string", enum: ["javascript"] } as const;
const code = { type: "string", minLength: 1 } as const;

const executeProperties = {
  code,
  engine: { type: "string", enum: ENGINE_NAMES },
  policy,
  timeout: { type: "integer", minimum: 1, maximum: 3_600_000, description: "milliseconds" },
  memory: { type: "integer", minimum: 1, maximum: 4032, description: "MiB" },
  context: {
    type: "object",
    maxProperties: 64,
    propertyNames: { pattern: "^[A-Za-z_$][A-Za-z0-9_$]{0,63}$" },
  },
  language,
  priority: { type: "string", enum: PRIORITIES },
} as const;

/** `POST /api/execute/stream`. */
export const streamBody = {
  type: "object",
  additionalProperties: false,
  required: ["code"],
  properties: executeProperties,
} as const;

/** `POST /api/execute`: `wait: false` answers 202 at once with the id. */
export const executeBody = {
  type: "object",
  additionalProperties: false,
  required: ["code"],
  properties: { ...executeProperties, wait: { type: "boolean" } },
} as const;

export const analyzeBody = {
  type: "object",
  additionalProperties: false,
  required: ["code"],
  properties: { code, policy, language },
} as const;

export const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: "^exe_[0-9a-f-]{36}$" } },
} as const;

/** Query strings arrive as text; patterns stand in for numbers since nothing is coerced. */
export const executionsQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: { type: "string", pattern: "^(?:[1-9]\\d?|1\\d\\d|200)$", description: "1-200" },
    cursor: { type: "string", pattern: "^[A-Za-z0-9_-]{1,40}$" },
    status: { type: "string", enum: AUDIT_STATUSES },
    level: { type: "string", enum: ["none", "low", "medium", "high", "critical"] },
    engine: { type: "string", enum: ENGINE_NAMES },
    since: {
      type: "string",
      maxLength: 40,
      description: "ISO 8601 date-time or epoch milliseconds",
    },
  },
} as const;

export const summaryQuery = {
  type: "object",
  additionalProperties: false,
  properties: { since: executionsQuery.properties.since },
} as const;

export const reportQuery = {
  type: "object",
  additionalProperties: false,
  properties: { format: { type: "string", enum: ["json", "csv"] } },
} as const;
