import type { Redis } from "ioredis";

/** How often a connection is asked for a PING, and how long the answer may take. */
export const REDIS_LIVENESS_INTERVAL_MS = 1_000;
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;
/** Longest a new connection to Redis may take. */
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;

/**
 * Replaces a Redis connection that stopped answering. A cut link sends no RST or FIN, so
 * ioredis would keep writing to the dead socket until TCP's retransmissions get through, which
 * after a 20 s cut can be more than 10 s after the network is back. A PING every second that
 * gets no answer within the command timeout destroys the socket; ioredis then fails the
 * commands in flight, as on any lost connection, and reconnects. Stops when the connection
 * ends for good.
 */
export function watchRedisLiveness(redis: Redis, intervalMs = REDIS_LIVENESS_INTERVAL_MS, timeoutMs = REDIS_COMMAND_TIMEOUT_MS): void {
  let asking = false;
  // ioredis's own disconnect only half-closes the socket, which on a dead link never finishes.
  const drop = () => {
    if (redis.status === "ready") redis.stream.destroy();
  };
  const timer = setInterval(() => {
    if (asking || redis.status !== "ready") return;
    asking = true;
    const deadline = setTimeout(drop, timeoutMs);
    redis
      .ping()
      .then(
        () => clearTimeout(deadline),
        () => (clearTimeout(deadline), drop()),
      )
      .finally(() => (asking = false));
  }, intervalMs);
  timer.unref();
  redis.once("end", () => clearInterval(timer));
}
