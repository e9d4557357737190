import { z } from "zod";
import { configFileSchema } from "./schema.js";

/**
 * JSON Schema (draft 2020-12) of `airlock.json`, for editors. Reference it from a config with
 * `"$schema": "./node_modules/@airlock/config/schema/airlock.schema.json"`. Semantic rules that JSON Schema
 * cannot express (path expansion, URL glob syntax, cross-field limits) are checked by the loader.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configFileSchema, { unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: "https://airlock.dev/schema/airlock.schema.json",
    title: "Airlock config (airlock.json)",
  };
}
