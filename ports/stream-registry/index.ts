import type { Stream } from "../../core/stream.js";

/**
 * The registry of streams: which exist, when each started (the zero of its video timeline)
 * and whether it has ended.
 *
 * Guarantees: `create` fails with `stream_exists` for a taken id; `end` is idempotent and
 * keeps the first end time; `get` answers undefined for an unknown id.
 */
export interface StreamRegistry {
  create(stream: Stream): Promise<Stream>;
  end(streamId: string, endedAt: number): Promise<Stream | undefined>;
  get(streamId: string): Promise<Stream | undefined>;
  close(): Promise<void>;
}
