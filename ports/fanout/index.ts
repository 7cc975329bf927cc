import type { Observable } from "rxjs";
import type { Comment } from "../../core/comment.js";
import type { LogEvent } from "../../core/log-event.js";

/** What a relay subscription delivers: the stream's events in log order, and these notes. */
export type RelayEvent =
  | LogEvent
  /** First on a subscription that asked for history: the stream's most recent comments, oldest first. */
  | { readonly kind: "history"; readonly comments: readonly Comment[] }
  /**
   * The comments after the requested seq are no longer available; the subscription goes on
   * live and the subscriber reloads what it missed from the playback API.
   */
  | { readonly kind: "reset"; readonly afterSeq: number; readonly oldestAvailableSeq: number }
  /**
   * First on a subscription without a cursor, when the source knows it: every comment after
   * `afterSeq` follows, so a subscriber cut off before any comment can resume from here.
   */
  | { readonly kind: "position"; readonly afterSeq: number };

/**
 * Where an edge gets a stream's events: the relay, in process or over gRPC, or a Redis
 * Pub/Sub tier.
 *
 * Guarantees: events arrive in log order for the stream with no duplicate seq. With
 * `afterSeq`, every event after it is delivered first (or a reset is), then the live ones,
 * with no gap and no duplicate at the seam. Without it, delivery starts live, after a `history`
 * event with up to `history` recent comments when asked. The observable errors when the
 * upstream breaks; the subscriber resubscribes from its last seq.
 */
export interface FanoutSource {
  subscribe(streamId: string, afterSeq?: number, history?: number): Observable<RelayEvent>;
}
