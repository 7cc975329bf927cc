import type { Observable } from "rxjs";
import type { Comment } from "../../core/comment.js";

/** What a relay subscription delivers. */
export type RelayEvent =
  | { readonly kind: "comment"; readonly comment: Comment }
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
 * Where an edge gets a stream's comments: the relay, in process or over gRPC, or a Redis
 * Pub/Sub tier.
 *
 * Guarantees: comments arrive in log order for the stream with no duplicate. With
 * `afterSeq`, every comment after it is delivered first (or a reset is), then the live ones,
 * with no gap and no duplicate at the seam. Without it, delivery starts live. The
 * observable errors when the upstream breaks; the subscriber resubscribes from its last seq.
 */
export interface FanoutSource {
  subscribe(streamId: string, afterSeq?: number): Observable<RelayEvent>;
  /**
   * True when a subscription is live at the source only some time after `subscribe` (it is
   * across a network) and a cursorless one then starts with a `position` event: a subscriber
   * that must not miss what follows its start waits for that first event.
   */
  readonly announcesLive?: boolean;
}
