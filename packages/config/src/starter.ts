/**
 * The commented starter `airlock.json` that `airlock init` writes. Comments are allowed: the loader
 * reads JSON with comments. Every grant is shown but off, so the file documents the deny-by-default model.
 */
export function starterConfigText(name: string): string {
  return `{
  // Airlock app config. Reference: https://github.com/airlock/airlock#config
  "$schema": "./node_modules/@airlock/config/schema/airlock.schema.json",
  "name": ${JSON.stringify(name)},

  // strict | standard | extended | agent: each tier sets the defaults below; fields here override it.
  "policy": "standard",

  "runtime": {
    "timeout_ms": 30000, // wall-clock limit of one run
    "heap_size": "128mb", // engine heap; sizes accept bytes or "64mb"
    "stack_size": "1mb",
    "max_output_bytes": "10mb" // stdout + stderr together
  },

  // Host directories the code may use. Nothing is visible by default.
  // "$PWD", "$HOME" and "~" are expanded; paths must be absolute after expansion.
  "dirs": [
    // { "path": "$PWD/data", "read": true, "write": false }
  ],

  // Host environment variables passed through by name. None by default.
  "env": [],

  // Commands the code may spawn (basenames). denyCommands wins.
  "allowCommands": [],
  "denyCommands": [],

  // URLs fetch() may reach (globs). Empty = no network. blockedUrls wins.
  "allowedUrls": [],
  "blockedUrls": []
}
`;
}
