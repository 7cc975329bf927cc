import type { FaultRunOptions } from "./fault-run.js";
import type { PartitionRunOptions } from "./partition-run.js";

/** The documented run (`npm run faults`): the load on this machine. */
export const FULL_FAULT_RUN: FaultRunOptions = {
  ratePerSec: 500,
  streams: 50,
  viewers: 2_000,
  beforeMs: 5_000,
  downMs: 10_000,
  afterMs: 5_000,
  recoveryBoundMs: 90_000,
};

/** The short variant `npm test` runs: every fault, a lighter load, shorter phases. */
export const QUICK_FAULT_RUN: FaultRunOptions = {
  ratePerSec: 50,
  streams: 8,
  viewers: 80,
  beforeMs: 1_500,
  downMs: 3_000,
  afterMs: 1_500,
  recoveryBoundMs: 90_000,
};

/** The documented partition run (`npm run faults -- --partitions`): the fault suite's load, each link cut for 20 s. */
export const FULL_PARTITION_RUN: PartitionRunOptions = {
  ratePerSec: 500,
  streams: 50,
  viewers: 2_000,
  beforeMs: 5_000,
  cutMs: 20_000,
  afterMs: 5_000,
  recoveryBoundMs: 10_000,
};

/** What `npm test` runs: the 20 s cuts under a lighter load, every scenario but the broker cut's. */
export const QUICK_PARTITION_RUN: PartitionRunOptions = {
  withoutBrokerCut: true,
  ratePerSec: 50,
  streams: 8,
  viewers: 80,
  // Long enough for the untouched edge's p99 before the cut to be a steady figure.
  beforeMs: 6_000,
  cutMs: 20_000,
  afterMs: 2_000,
  recoveryBoundMs: 10_000,
};
