import type { AirlockConfig } from "@airlock/config";
import type { FrozenLink } from "@airlock/wasm-host";

/** A program for `airlock run`: a script, or an artifact's bundle (`module`) with its frozen code. */
export interface ProgramToRun {
  code: string;
  filename: string;
  module: boolean;
  frozen?: FrozenLink;
}

/** What a run gets besides the program, wherever it runs (here or on a daemon). */
export interface RunSettings {
  args: string[];
  env: Record<string, string>;
  stdin?: Uint8Array;
  config: AirlockConfig;
}
