import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Real VMs under software emulation: on 2 cores run files one after another.
    fileParallelism: false,
  },
});
