import { createRequire } from "node:module";

/** What the linger touches of kafkajs's consumer runner (kafkajs 2.2.x). */
interface RunnerState {
  consumerGroup: { groupId: string };
  fetch(nodeId: number): Promise<{ isEmpty(): boolean }[]>;
}

/** Linger per consumer group, for the groups that asked for one. */
const lingerOfGroup = new Map<string, number>();
/** When each runner's last fetch from a broker brought records. */
const lastFetchWithRecords = new WeakMap<RunnerState, Map<number, number>>();
let applied = false;

/**
 * kafkajs fetches again as soon as a fetch that brought records was handled, so on a topic that
 * receives a record every few milliseconds each fetch carries one or two: a request and an
 * answer per record for the consumer and for the broker. With a linger, a fetch that follows
 * one that brought records waits until `ms` after it, and gathers what came meanwhile; a
 * consumer of a quiet topic still waits in the broker (maxWaitTimeInMs) as before, and the
 * added latency is at most `ms`. Returns the function that removes the group's linger.
 */
export function lingerBetweenFetches(groupId: string, ms: number): () => void {
  if (ms <= 0) return () => {};
  applyFetchLinger();
  lingerOfGroup.set(groupId, ms);
  return () => lingerOfGroup.delete(groupId);
}

function applyFetchLinger(): void {
  if (applied) return;
  applied = true;
  const require = createRequire(import.meta.url);
  const Runner = require("kafkajs/src/consumer/runner.js") as { prototype: RunnerState };
  const fetch = Runner.prototype.fetch;
  Runner.prototype.fetch = async function (this: RunnerState, nodeId: number) {
    const linger = lingerOfGroup.get(this.consumerGroup.groupId);
    if (linger === undefined) return fetch.call(this, nodeId);
    let last = lastFetchWithRecords.get(this);
    if (!last) lastFetchWithRecords.set(this, (last = new Map()));
    const wait = (last.get(nodeId) ?? Number.NEGATIVE_INFINITY) + linger - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const batches = await fetch.call(this, nodeId);
    if (batches.some((batch) => !batch.isEmpty())) last.set(nodeId, Date.now());
    else last.delete(nodeId);
    return batches;
  };
}
