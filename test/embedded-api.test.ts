import { apiSuite } from "./api-suite.js";
import { startEmbeddedSystem } from "../harness/embedded-system.js";

apiSuite("embedded: one process on SQLite", async () => {
  const system = await startEmbeddedSystem({
    env: { LC_SSE_HEARTBEAT_MS: "200", LC_VIEWER_COUNT_INTERVAL_MS: "1000", LC_ARCHIVE_SETTLE_MS: "200", LC_ARCHIVE_LAG_POLL_MS: "100" },
  });
  return {
    ...system,
    stop: async () => {
      await system.stop();
      system.dispose();
    },
  };
});
