import { z } from "zod";
import { parseSize } from "./size.js";
import { ENGINE_MAX_PAGES } from "./tiers.js";
import { checkUrlGlob } from "./url-glob.js";

/** A byte size: integer bytes or a string such as "64mb" (binary units). */
const size = (what: string) =>
  z.union([z.number(), z.string()]).superRefine((v, ctx) => {
    if (parseSize(v) === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v)} is not a ${what}; use a non-negative integer of bytes or a string like "64mb"`,
      });
    }
  });

const int = (min: number, max: number, what: string) =>
  z
    .number({ error: `must be a number (${what})` })
    .int({ error: `must be a whole number (${what})` })
    .min(min, { error: `must be at least ${min} (${what})` })
    .max(max, { error: `must be at most ${max} (${what})` });

const name = (what: string, re: RegExp, example: string) =>
  z.string().superRefine((v, ctx) => {
    if (!re.test(v)) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v)} is not a valid ${what}; e.g. ${example}`,
      });
    }
  });

const commandName = name(
  "command name (a basename, no slashes)",
  /^[A-Za-z0-9._+-]{1,128}$/,
  '"git"',
);

const urlGlob = z.string().superRefine((v, ctx) => {
  const problem = checkUrlGlob(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const dirEntry = z.union([
  z.string(),
  z.strictObject({
    path: z.string(),
    read: z.boolean().optional(),
    write: z.boolean().optional(),
    execute: z.boolean().optional(),
  }),
]);

/** The shape of `airlock.json` as written by people: every field optional, nothing unknown allowed. */
export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z
    .string()
    .min(1, { error: "must not be empty" })
    .max(128, { error: "must be at most 128 characters" })
    .optional(),
  policy: z
    .enum(["strict", "standard", "extended", "agent"], {
      error: "must be one of strict, standard, extended, agent",
    })
    .optional(),
  runtime: z
    .strictObject({
      stack_size: size("stack size").optional(),
      heap_size: size("heap size").optional(),
      max_memory_pages: int(1, ENGINE_MAX_PAGES, "64 KiB WebAssembly pages").optional(),
      max_instructions: int(0, Number.MAX_SAFE_INTEGER, "0 means no budget").optional(),
      timeout_ms: int(1, 86_400_000, "milliseconds").optional(),
      max_output_bytes: size("output size").optional(),
    })
    .optional(),
  dirs: z.array(dirEntry).max(256).optional(),
  env: z
    .array(name("environment variable name", /^[A-Za-z_][A-Za-z0-9_]{0,255}$/, '"LANG"'))
    .optional(),
  allowCommands: z.array(commandName).optional(),
  denyCommands: z.array(commandName).optional(),
  commands: z
    .record(commandName, z.union([z.literal(true), z.array(z.string().min(1).max(256))]), {
      error:
        'must map command names to true or a list of subcommands, e.g. { "git": ["status", "log"] }',
    })
    .optional(),
  allowedUrls: z.array(urlGlob).optional(),
  blockedUrls: z.array(urlGlob).optional(),
  allowPrivateNetwork: z.boolean().optional(),
  rateLimitRps: z
    .number()
    .min(0, { error: "must be 0 (unlimited) or more" })
    .max(1_000_000, { error: "must be at most 1000000" })
    .optional(),
  maxConnections: int(1, 10_000, "concurrent connections").optional(),
  daemon: z
    .strictObject({
      pool_size: int(0, 1024, "ready sandboxes").optional(),
      exec_timeout_ms: int(1, 86_400_000, "milliseconds").optional(),
      port: int(0, 65535, "TCP port").optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
