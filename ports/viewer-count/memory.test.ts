import { viewerCountsContract } from "./contract.js";
import { createMemoryViewerCounts } from "./memory.js";

viewerCountsContract("memory viewer counts", async () => createMemoryViewerCounts());
