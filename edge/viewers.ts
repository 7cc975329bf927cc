import { LcError } from "../core/errors.js";
import { DEFAULT_MAX_VIEWERS, DEFAULT_MAX_VIEWERS_PER_IP } from "./defaults.js";

/** Limits on open viewer connections. */
export interface ViewersOptions {
  readonly maxViewers?: number;
  readonly maxViewersPerIp?: number;
}

/** One admitted viewer; `leave` must be called exactly when its connection ends. */
export interface ViewerTicket {
  leave(): void;
}

/** How the registry reaches one viewer's connection. */
export interface ViewerConnection {
  /** Writes bytes to the viewer (announcements, heartbeats). */
  write(bytes: Buffer | string): void;
  /** When something was last written to the viewer (ms); quiet viewers get heartbeats. */
  readonly lastWriteAt: number;
  /** Ends the connection telling the client when to come back. */
  closeWithRetry(retryMs: number): void;
}

/** How often quiet viewers are looked for, to send them a heartbeat. */
const HEARTBEAT_SWEEP_MS = 1_000;

interface Entry {
  readonly ip: string;
  readonly streamId: string;
  readonly connection: ViewerConnection;
  /** Whether the viewer was told its stream's viewer count. */
  toldCount: boolean;
}

/**
 * The edge's open viewer connections: admission against per-process and per-IP limits,
 * counts per stream, and the goodbye on shutdown.
 */
export class Viewers {
  private readonly entries = new Set<Entry>();
  private readonly perIp = new Map<string, number>();
  private readonly perStream = new Map<string, Set<Entry>>();
  private readonly maxViewers: number;
  private readonly maxPerIp: number;
  private closing = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(options: ViewersOptions = {}) {
    this.maxViewers = options.maxViewers ?? DEFAULT_MAX_VIEWERS;
    this.maxPerIp = options.maxViewersPerIp ?? DEFAULT_MAX_VIEWERS_PER_IP;
  }

  /**
   * Sends `heartbeat` to every viewer to whom nothing was written for `intervalMs`: one timer
   * for the whole edge instead of one per viewer, and nothing extra for viewers of busy streams.
   */
  startHeartbeats(intervalMs: number, heartbeat: Buffer): void {
    this.heartbeatTimer = setInterval(
      () => {
        const quietSince = Date.now() - intervalMs;
        for (const entry of this.entries) if (entry.connection.lastWriteAt <= quietSince) entry.connection.write(heartbeat);
      },
      Math.min(HEARTBEAT_SWEEP_MS, intervalMs),
    );
    this.heartbeatTimer.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Viewers of a stream on this edge. */
  countOf(streamId: string): number {
    return this.perStream.get(streamId)?.size ?? 0;
  }

  /** Viewer counts of every stream with viewers on this edge. */
  counts(): Map<string, number> {
    return new Map([...this.perStream].map(([streamId, set]) => [streamId, set.size]));
  }

  /**
   * Tells a stream's viewers its viewer count (`bytes`): all of them when it `changed`, else
   * only those who were never told, so a steady audience costs no writes.
   */
  tellCount(streamId: string, bytes: Buffer, changed: boolean): void {
    for (const entry of this.perStream.get(streamId) ?? []) {
      if (!changed && entry.toldCount) continue;
      entry.toldCount = true;
      entry.connection.write(bytes);
    }
  }

  /** Admits a viewer or throws `too_many_connections` (per IP) or `overloaded` (this process). */
  admit(ip: string, streamId: string, connection: ViewerConnection): ViewerTicket {
    if (this.closing) throw new LcError("unavailable", "this edge is shutting down", { retryAfterMs: 1000 });
    if (this.entries.size >= this.maxViewers) throw new LcError("overloaded", "this edge holds all the viewers it can", { retryAfterMs: 1000 });
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= this.maxPerIp) throw new LcError("too_many_connections", "too many open streams from this address", { retryAfterMs: 5000 });
    const entry: Entry = { ip, streamId, connection, toldCount: false };
    this.entries.add(entry);
    this.perIp.set(ip, fromIp + 1);
    let streamViewers = this.perStream.get(streamId);
    if (!streamViewers) this.perStream.set(streamId, (streamViewers = new Set()));
    streamViewers.add(entry);
    let left = false;
    return {
      leave: () => {
        if (left) return;
        left = true;
        this.entries.delete(entry);
        decrement(this.perIp, ip);
        streamViewers.delete(entry);
        if (streamViewers.size === 0 && this.perStream.get(streamId) === streamViewers) this.perStream.delete(streamId);
      },
    };
  }

  /**
   * Shutdown: refuses new viewers and ends every connection with a `retry` spread over
   * `spreadMs`, so that they come back to the other edges over time, not all at once.
   */
  drain(spreadMs: number): void {
    this.closing = true;
    clearInterval(this.heartbeatTimer);
    for (const entry of [...this.entries]) entry.connection.closeWithRetry(500 + Math.random() * spreadMs);
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const next = (map.get(key) ?? 0) - 1;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
