// Writes schema/airlock.schema.json from the built package, so editors can validate airlock.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { configJsonSchema } from "../dist/index.js";

const out = new URL("../schema/airlock.schema.json", import.meta.url);
mkdirSync(new URL("../schema/", import.meta.url), { recursive: true });
writeFileSync(out, JSON.stringify(configJsonSchema(), null, 2) + "\n");
