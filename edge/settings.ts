import { integerSetting } from "../core/settings.js";
import type { SettingRole, SettingValues } from "../core/settings.js";
import {
  DEFAULT_BATCH_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_VIEWER_BUFFER_BYTES,
  DEFAULT_MAX_VIEWERS,
  DEFAULT_MAX_VIEWERS_PER_IP,
  DEFAULT_VIEWER_COUNT_INTERVAL_MS,
  DEFAULT_VIEWER_MAX_RATE,
  MAX_BATCH_MS,
  MAX_VIEWER_MAX_RATE,
} from "./defaults.js";

const EDGE: readonly SettingRole[] = ["all", "edge"];

/** What the edge reads: how it batches, and how many viewers it holds. */
export const EDGE_SETTINGS = {
  defaultBatchMs: integerSetting({
    variable: "LC_BATCH_MS",
    fallback: DEFAULT_BATCH_MS,
    min: 0,
    max: MAX_BATCH_MS,
    unit: "ms",
    description: "SSE batch window when the viewer asks for none (0: one event per comment)",
    roles: EDGE,
  }),
  heartbeatMs: integerSetting({
    variable: "LC_SSE_HEARTBEAT_MS",
    fallback: DEFAULT_HEARTBEAT_MS,
    min: 100,
    max: 300_000,
    unit: "ms",
    description: "SSE heartbeat interval (keep it under half the idle timeout of any proxy in front)",
    roles: EDGE,
  }),
  viewerMaxRate: integerSetting({
    variable: "LC_VIEWER_MAX_RATE",
    fallback: DEFAULT_VIEWER_MAX_RATE,
    min: 1,
    max: MAX_VIEWER_MAX_RATE,
    description: "a viewer's rate cap (comments/s) when it asks for none: above it, an evenly spread sample",
    roles: EDGE,
  }),
  viewerCountIntervalMs: integerSetting({
    variable: "LC_VIEWER_COUNT_INTERVAL_MS",
    fallback: DEFAULT_VIEWER_COUNT_INTERVAL_MS,
    min: 100,
    max: 600_000,
    unit: "ms",
    description: "how often edges add up and announce viewer counts",
    roles: EDGE,
  }),
  maxViewers: integerSetting({
    variable: "LC_MAX_VIEWERS",
    fallback: DEFAULT_MAX_VIEWERS,
    min: 1,
    max: 10_000_000,
    description: "open SSE viewers per edge process",
    roles: EDGE,
  }),
  maxViewersPerIp: integerSetting({
    variable: "LC_MAX_VIEWERS_PER_IP",
    fallback: DEFAULT_MAX_VIEWERS_PER_IP,
    min: 1,
    max: 10_000_000,
    description: "open SSE viewers per client address (429 above)",
    roles: EDGE,
  }),
  maxViewerBufferBytes: integerSetting({
    variable: "LC_MAX_VIEWER_BUFFER_BYTES",
    fallback: DEFAULT_MAX_VIEWER_BUFFER_BYTES,
    min: 16 * 1024,
    max: 64 * 1024 ** 2,
    unit: "bytes",
    description: "unsent bytes a viewer may have before it is cut off (it resumes)",
    roles: EDGE,
  }),
} as const;

export type EdgeSettings = SettingValues<typeof EDGE_SETTINGS>;
