import type { FaultRunOptions } from "./fault-run.js";

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
