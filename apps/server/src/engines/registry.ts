import type { AirlockConfig } from "@airlock/config";
import { createSandbox, type RunResult } from "@airlock/wasm-host";

/** Engines the API knows. Only those whose runtime is installed are `available`. */
export type EngineName = "quickjs" | "quickjs-frozen" | "microvm";
export const ENGINE_NAMES: readonly EngineName[] = ["quickjs", "quickjs-frozen", "microvm"];

export interface EngineInfo {
  name: EngineName;
  available: boolean;
  description: string;
  /** Why it is unavailable. */
  reason?: string;
}

export interface EngineRunOptions {
  config: AirlockConfig;
  timeoutMs: number;
  heapBytes: number;
  maxOutputBytes: number;
  signal: AbortSignal;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export interface Engine {
  readonly info: EngineInfo;
  run(code: string, options: EngineRunOptions): Promise<RunResult>;
}

/** QuickJS-NG in WebAssembly via `@airlock/wasm-host`: a fresh sandbox per execution, disposed after. */
const quickjs: Engine = {
  info: {
    name: "quickjs",
    available: true,
    description:
      "QuickJS-NG in WebAssembly, one fresh instance per execution, inside a worker thread",
  },
  async run(code, o) {
    const sandbox = await createSandbox({ config: o.config });
    try {
      return await sandbox.run(code, {
        filename: "main.js",
        // The guest's process.env is empty: no variable of the server's environment reaches the code.
        env: {},
        timeoutMs: o.timeoutMs,
        heapBytes: o.heapBytes,
        maxOutputBytes: o.maxOutputBytes,
        signal: o.signal,
        ...(o.onStdout ? { onStdout: o.onStdout } : {}),
        ...(o.onStderr ? { onStderr: o.onStderr } : {}),
      });
    } finally {
      await sandbox.dispose();
    }
  },
};

function unavailable(name: EngineName, description: string, reason: string): Engine {
  return {
    info: { name, available: false, description, reason },
    run: () => Promise.reject(new Error(`engine ${name} is unavailable: ${reason}`)),
  };
}

/** The engines of this build, by name. */
export function defaultEngines(): Record<EngineName, Engine> {
  return {
    quickjs,
    "quickjs-frozen": unavailable(
      "quickjs-frozen",
      "QuickJS restored from a snapshot of an initialised instance (faster start)",
      "the snapshot runtime is not wired into the server yet",
    ),
    microvm: unavailable(
      "microvm",
      "a QEMU microVM per execution (strongest isolation)",
      "the microVM runtime is not wired into the server yet; this host has no usable KVM either",
    ),
  };
}
