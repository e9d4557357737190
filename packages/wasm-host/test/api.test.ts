import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";
import {
  createSandbox,
  EXIT_CODES,
  InvalidOptionError,
  runLimitsFromConfig,
  SandboxDisposedError,
} from "../src/index.js";
import type { AirlockConfig } from "@airlock/config";

describe("public API", () => {
  it("exports exactly these names", () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        "EXIT_CODES",
        "InvalidOptionError",
        "SandboxDisposedError",
        "WorkerPoolClosedError",
        "configureWorkerPool",
        "createSandbox",
        "errors",
        "runLimitsFromConfig",
        "shutdownWorkers",
      ].sort(),
    );
    expect(EXIT_CODES).toEqual({
      timeout: 124,
      out_of_memory: 137,
      output_limit: 125,
      killed: 130,
      error: 1,
    });
  });

  it("dispose is idempotent and use after dispose throws AIRLOCK_DISPOSED", async () => {
    const sb = await createSandbox();
    expect(sb.disposed).toBe(false);
    await sb.dispose();
    await sb.dispose();
    await sb[Symbol.asyncDispose]();
    expect(sb.disposed).toBe(true);
    await expect(sb.run("1")).rejects.toBeInstanceOf(SandboxDisposedError);
    await expect(sb.run("1")).rejects.toMatchObject({ code: "AIRLOCK_DISPOSED" });
    expect(() => sb.stream("1")).toThrow(SandboxDisposedError);
  });

  it("dispose aborts runs in flight", async () => {
    const sb = await createSandbox();
    const p = sb.run(`for (;;) {}`, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 50));
    await sb.dispose();
    expect((await p).status).toBe("killed");
  });

  it("rejects invalid options with a typed error naming the field", async () => {
    const sb = await createSandbox();
    const cases: [unknown, string][] = [
      [{ timeoutMs: -1 }, "timeoutMs"],
      [{ heapBytes: 1.5 }, "heapBytes"],
      [{ stackBytes: 64 * 2 ** 20 }, "stackBytes"],
      [{ maxMemoryPages: 10 }, "maxMemoryPages"],
      [{ args: ["ok", 3] }, "args[1]"],
      [{ env: { A: 1 } }, "env.A"],
      [{ type: "wasm" }, "type"],
      [{ stdin: 5 }, "stdin"],
      [{ onStdout: "no" }, "onStdout"],
      [{ timeout: 5 }, "timeout"],
    ];
    for (const [opts, field] of cases) {
      const err = await sb.run("1", opts as api.RunOptions).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect(err).toMatchObject({ code: "AIRLOCK_INVALID_OPTION", field });
      expect((err as Error).message.startsWith(`${field}:`)).toBe(true);
    }
    await expect(sb.run(42 as unknown as string)).rejects.toMatchObject({ field: "code" });
    for (const [opts, field] of [
      [{ size: 0 }, "size"],
      [{ inline: "yes" }, "inline"],
      [{ engineTiering: "fast" }, "engineTiering"],
      [{ snapshotCache: "" }, "snapshotCache"],
    ] as const) {
      expect(() => api.configureWorkerPool(opts as never)).toThrow(
        expect.objectContaining({ code: "AIRLOCK_INVALID_OPTION", field }),
      );
    }
    await expect(createSandbox({ limits: { heapBytes: 0 } })).rejects.toMatchObject({
      field: "limits.heapBytes",
    });
    await expect(createSandbox({ keepstate: true } as never)).rejects.toMatchObject({
      field: "keepstate",
    });
    await sb.dispose();
  });

  it("takes limits from a config's runtime section", async () => {
    const config = {
      runtime: {
        stack_size: 512 * 1024,
        heap_size: 32 * 2 ** 20,
        max_memory_pages: 1024,
        max_instructions: 0,
        timeout_ms: 150,
        max_output_bytes: 4096,
      },
    } as unknown as AirlockConfig;
    expect(runLimitsFromConfig(config)).toEqual({
      stackBytes: 512 * 1024,
      heapBytes: 32 * 2 ** 20,
      maxMemoryPages: 1024,
      maxInstructions: 0,
      timeoutMs: 150,
      maxOutputBytes: 4096,
    });
    const sb = await createSandbox({ config });
    expect((await sb.run(`for(;;){}`)).error?.message).toContain("150 ms");
    await sb.dispose();
  });
});
