import { afterAll } from "vitest";
import { createSandbox, shutdownWorkers, type RunOptions, type RunResult } from "../src/index.js";

afterAll(async () => {
  await shutdownWorkers();
});

/** One run in a fresh sandbox. */
export async function run(code: string, options?: RunOptions): Promise<RunResult> {
  const sb = await createSandbox();
  try {
    return await sb.run(code, options);
  } finally {
    await sb.dispose();
  }
}
