import { integerSetting } from "../core/settings.js";
import type { SettingRole, SettingValues } from "../core/settings.js";
import {
  DEFAULT_FIREHOSE_MAX_SUBSCRIBERS,
  DEFAULT_FIREHOSE_QUEUE,
  DEFAULT_FIREHOSE_STALL_MS,
  DEFAULT_RELAY_WARMUP_MS,
  DEFAULT_RING_IDLE_MS,
  DEFAULT_RING_MAX_BYTES,
  DEFAULT_RING_MAX_COUNT,
  DEFAULT_RINGS_MAX_BYTES,
} from "./defaults.js";

const RELAY: readonly SettingRole[] = ["all", "relay"];
const DAY_MS = 24 * 60 * 60 * 1000;

/** What the relay reads: its rings and the firehose. */
export const RELAY_SETTINGS = {
  ringMaxCount: integerSetting({
    variable: "LC_RING_MAX_COMMENTS",
    fallback: DEFAULT_RING_MAX_COUNT,
    min: 1,
    max: 1_000_000,
    description: "recent comments a relay keeps per stream, for viewers who resume",
    roles: RELAY,
  }),
  ringMaxBytes: integerSetting({
    variable: "LC_RING_MAX_BYTES",
    fallback: DEFAULT_RING_MAX_BYTES,
    min: 1024,
    max: 1024 ** 3,
    unit: "bytes",
    description: "bytes of recent comments a relay keeps per stream",
    roles: RELAY,
  }),
  ringsMaxBytes: integerSetting({
    variable: "LC_RINGS_MAX_BYTES",
    fallback: DEFAULT_RINGS_MAX_BYTES,
    min: 1024 * 1024,
    max: 64 * 1024 ** 3,
    unit: "bytes",
    description: "ceiling on all of a relay's rings together: the least recently used go first",
    roles: RELAY,
  }),
  ringIdleMs: integerSetting({
    variable: "LC_RING_IDLE_MS",
    fallback: DEFAULT_RING_IDLE_MS,
    min: 1_000,
    max: 7 * DAY_MS,
    unit: "ms",
    description: "a stream's ring is dropped after this long without a comment",
    roles: RELAY,
  }),
  relayWarmupMs: integerSetting({
    variable: "LC_RELAY_WARMUP_MS",
    fallback: DEFAULT_RELAY_WARMUP_MS,
    min: 0,
    max: DAY_MS,
    unit: "ms",
    description: "on Kafka, how far back a starting relay reads, so edges resume across a relay restart without a gap (0: from the end)",
    roles: RELAY,
  }),
  firehoseMaxSubscribers: integerSetting({
    variable: "LC_FIREHOSE_MAX_SUBSCRIBERS",
    fallback: DEFAULT_FIREHOSE_MAX_SUBSCRIBERS,
    min: 0,
    max: 10_000,
    description: "`FanoutRelay.SubscribeAll` calls at once, each a reader of the whole log (0 turns the firehose off); past it RESOURCE_EXHAUSTED",
    roles: RELAY,
  }),
  firehoseStallMs: integerSetting({
    variable: "LC_FIREHOSE_STALL_MS",
    fallback: DEFAULT_FIREHOSE_STALL_MS,
    min: 100,
    max: DAY_MS,
    unit: "ms",
    description: `how long a firehose subscriber may leave its full queue (${DEFAULT_FIREHOSE_QUEUE.toLocaleString("en")} records) unread before it is cut off with RESOURCE_EXHAUSTED`,
    roles: RELAY,
  }),
} as const;

export type RelaySettings = SettingValues<typeof RELAY_SETTINGS>;
