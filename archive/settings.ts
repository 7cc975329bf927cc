import { integerSetting, textSetting } from "../core/settings.js";
import type { SettingRole, SettingValues } from "../core/settings.js";
import { FETCH_LINGER_MS, LAG_POLL_MS, SETTLE_MS } from "./defaults.js";

const ARCHIVE: readonly SettingRole[] = ["all", "archive"];
const DAY_MS = 24 * 60 * 60 * 1000;

/** What the archive reads: when replay pages become final, and how it reads the log. */
export const ARCHIVE_SETTINGS = {
  archiveSettleMs: integerSetting({
    variable: "LC_ARCHIVE_SETTLE_MS",
    fallback: SETTLE_MS,
    min: 0,
    max: DAY_MS,
    unit: "ms",
    description: "after a stream's end, how long before its pages count as final",
    roles: ARCHIVE,
  }),
  archiveLagPollMs: integerSetting({
    variable: "LC_ARCHIVE_LAG_POLL_MS",
    fallback: LAG_POLL_MS,
    min: 50,
    max: 600_000,
    unit: "ms",
    description: "how often the archive measures its lag behind the log",
    roles: ARCHIVE,
  }),
  archiveFetchLingerMs: integerSetting({
    variable: "LC_ARCHIVE_FETCH_LINGER_MS",
    fallback: FETCH_LINGER_MS,
    min: 0,
    max: 1_000,
    unit: "ms",
    description:
      "the archive's wait between Kafka reads (in place of `LC_KAFKA_FETCH_LINGER_MS`, which it ignores): replays get a comment up to a second later, Cassandra gets a stream's comments of that second in one request",
    roles: ["archive"],
  }),
  paginationSecret: textSetting({
    variable: "LC_PAGINATION_SECRET",
    fallback: undefined,
    secret: true,
    defaultText: "derived from `LC_JWT_SECRET`",
    description: "key that signs pagination tokens (the same on every archive)",
    roles: ARCHIVE,
  }),
} as const;

export type ArchiveSettings = SettingValues<typeof ARCHIVE_SETTINGS>;
