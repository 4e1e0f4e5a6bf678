import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/util/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: two test files at a time, each in its own process.
    pool: "forks",
    maxWorkers: 2,
  },
});
