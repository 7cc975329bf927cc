import { defineConfig } from "vitest/config";

/** Contract suites of the engine adapters: they run against the engines `npm test` starts. */
const ENGINE_ADAPTER_TESTS = ["ports/**/kafka.test.ts", "ports/**/redis.test.ts", "ports/**/cassandra.test.ts"];

export default defineConfig({
  test: {
    // Node's test runner set no timeouts; the system suites start processes and engines.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          // Tests beside the code, no engine, no process of ours: `npm run test:unit`.
          name: "unit",
          testTimeout: 30_000,
          include: ["{core,ports,host,ingest,relay,edge,archive,app,client}/**/*.test.ts"],
          exclude: ENGINE_ADAPTER_TESTS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          // Real engines, processes and ports: one file at a time, as each measures and loads the machine.
          name: "system",
          include: ["test/**/*.test.ts", ...ENGINE_ADAPTER_TESTS],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
