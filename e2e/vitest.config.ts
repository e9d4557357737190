import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["security/**/*.test.ts", "scenarios/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each case spawns sandboxes (worker threads); files run one at a time to keep timings honest on 2 cores.
    fileParallelism: false,
  },
});
