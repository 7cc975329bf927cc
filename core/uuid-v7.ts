import { randomFillSync } from "node:crypto";
import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";

/** Fills a buffer with random bytes; injected so tests can be deterministic. */
export type RandomSource = (target: Uint8Array) => void;

/** Random bytes drawn from the system in 4 KiB blocks: one system call per 256 ids. */
function pooledRandom(): RandomSource {
  const pool = new Uint8Array(4096);
  let used = pool.length;
  return (target) => {
    if (used + target.length > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    target.set(pool.subarray(used, used + target.length));
    used += target.length;
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Creates a UUIDv7 generator (RFC 9562): 48 bits of Unix milliseconds, then random bits.
 * Ids made by one generator sort by time; within one millisecond a 12-bit counter in
 * rand_a keeps them increasing (RFC 9562 §6.2 method 1).
 */
export function createUuidV7(clock: Clock = systemClock, random: RandomSource = pooledRandom()): () => string {
  const bytes = new Uint8Array(16);
  let lastMs = -1;
  let counter = 0;
  return () => {
    let ms = clock.now();
    random(bytes);
    if (ms <= lastMs) {
      // Same (or an earlier) millisecond: keep order by counting on from the last id.
      counter++;
      if (counter > 0xfff) {
        lastMs++;
        counter = 0;
      }
      ms = lastMs;
    } else {
      lastMs = ms;
      counter = ((bytes[6]! & 0x07) << 8) | bytes[7]!; // random start leaves room to count up
    }
    bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
    bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
    bytes[2] = (ms >>> 24) & 0xff;
    bytes[3] = (ms >>> 16) & 0xff;
    bytes[4] = (ms >>> 8) & 0xff;
    bytes[5] = ms & 0xff;
    bytes[6] = 0x70 | (counter >>> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    let out = "";
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) out += "-";
      out += HEX[bytes[i]!];
    }
    return out;
  };
}

/** The Unix milliseconds a UUIDv7 carries, or undefined for a string that is not one. */
export function uuidV7Millis(id: string): number | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return undefined;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
