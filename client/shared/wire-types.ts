/**
 * The JSON the HTTP API speaks (snake_case; times in integer milliseconds since the epoch,
 * offsets in milliseconds from the stream's start). The server builds these shapes and the SDK
 * reads them, so both import them from here; this folder imports nothing.
 */

/** A comment on every HTTP API: SSE events, playback pages, the pinned comment. */
export interface WireComment {
  readonly comment_id: string;
  readonly stream_id: string;
  readonly user_id: string;
  readonly username: string;
  readonly text: string;
  readonly server_ts: number;
  readonly offset_ms: number;
  readonly seq: number;
}

/** A stream as the API describes it. */
export interface WireStream {
  readonly stream_id: string;
  readonly title: string;
  readonly started_at: number;
  /** When the stream ended; null while it runs. */
  readonly ended_at: number | null;
  /** The pinned comment, or null. */
  readonly pinned: WireComment | null;
  /** Seconds between two comments of one user (0: off). */
  readonly slow_mode_s: number;
  /** When replays last changed (a deletion); 0: never. Replay windows are addressed by it. */
  readonly revision: number;
  /** Comments in the stream's history; `GET /v1/streams/{id}` adds it. */
  readonly comment_count?: number;
}

/** A change of a stream as viewers receive it over SSE: the event's name and its data. */
export type WireStreamChange =
  | { readonly event: "delete_comment"; readonly data: { readonly comment_id: string } }
  | { readonly event: "pinned_comment"; readonly data: WireComment | null }
  | { readonly event: "slow_mode"; readonly data: { readonly slow_mode_s: number } }
  | { readonly event: "stream_ended"; readonly data: { readonly stream_id: string; readonly ended_at: number } };
