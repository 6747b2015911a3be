import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "./tests/reporters/summary.ts"],
    // Plain text from every command a test runs (picocolors would colour output when CI is set).
    env: { NO_COLOR: "1" },
  },
});
