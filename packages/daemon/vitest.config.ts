import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own worker pool; on 2 cores run files one after another.
    fileParallelism: false,
  },
});
