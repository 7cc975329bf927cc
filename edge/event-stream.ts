import type { Socket } from "node:net";
import { LcError } from "../core/errors.js";
import { formatRetry } from "./sse-format.js";
import type { ViewerConnection, Viewers } from "./viewers.js";

/** Limits of one SSE connection. */
export interface EventStreamLimits {
  readonly retryMs: number;
  /** Unsent bytes past which the viewer counts as too slow and is cut off. */
  readonly maxBufferedBytes: number;
  /** Told when a viewer is cut off for passing `maxBufferedBytes`. */
  readonly onCutOff?: () => void;
}

/** The connection under an SSE response, whichever server accepted it. */
export interface SseSocket {
  readonly socket: Socket;
  /** Who the viewer is, by address: the peer, or who a trusted proxy says it is. */
  readonly clientAddress: string;
  /** Writes the 200 response head (SSE_HEAD_FIELDS), close-delimited. */
  writeHead(): void;
  /** Runs once when the response has ended, whoever ended it. */
  onClose(callback: () => void): void;
}

/** The response head of every SSE stream. */
export const SSE_HEAD_FIELDS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "close",
  "x-accel-buffering": "no",
} as const;

/** An open SSE connection. */
export interface EventStream extends ViewerConnection {
  lastWriteAt: number;
  /** Ends the stream (the client reconnects and resumes). */
  end(): void;
  /** Runs once when the connection has closed, whoever closed it. */
  onClose(callback: () => void): void;
}

/**
 * Opens one SSE connection: admission (its errors are thrown before anything is written, so
 * they become ordinary JSON errors), the head and `retry:`. The body is close-delimited rather
 * than chunked, so frames go to the socket as they are: the same bytes for every viewer, with
 * no per-viewer framing. A viewer whose unsent bytes pass the limit is cut off; it reconnects
 * with Last-Event-ID and loses nothing.
 */
export function openEventStream(sse: SseSocket, streamId: string, viewers: Viewers, limits: EventStreamLimits): EventStream {
  const { socket } = sse;
  // The viewer may have left while the request was checked; its close event is already gone,
  // so it must not be admitted (it would never leave).
  if (socket.destroyed || !socket.writable) throw new LcError("unavailable", "the viewer went away");
  let open = true;
  const closeCallbacks: (() => void)[] = [];
  const stream: EventStream = {
    lastWriteAt: Date.now(),
    write(bytes) {
      if (!open) return;
      stream.lastWriteAt = Date.now();
      socket.write(bytes);
      if (socket.writableLength > limits.maxBufferedBytes) {
        open = false;
        limits.onCutOff?.();
        socket.destroy();
      }
    },
    closeWithRetry(retryMs) {
      stream.write(formatRetry(retryMs));
      stream.end();
    },
    end() {
      if (open) socket.end();
    },
    onClose(callback) {
      closeCallbacks.push(callback);
    },
  };
  const ticket = viewers.admit(sse.clientAddress, streamId, stream);
  socket.setNoDelay(true);
  sse.writeHead();
  // Jitter spreads the reconnects of many viewers dropped at once.
  stream.write(formatRetry(limits.retryMs * (0.8 + Math.random() * 0.4)));
  sse.onClose(() => {
    open = false;
    ticket.leave();
    for (const callback of closeCallbacks) callback();
  });
  return stream;
}
