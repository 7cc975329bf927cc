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

/**
 * Where an SSE response's bytes go, whichever server accepted it: a bare socket (HTTP/1.1's raw
 * path), node:http's response (HTTP/1.1) or an HTTP/2 stream, whose session socket must never
 * be written to directly.
 */
export interface SseSocket {
  /** Who the viewer is, by address: the peer, or who a trusted proxy says it is. */
  readonly clientAddress: string;
  /** Whether the viewer is still there to write to. */
  readonly writable: boolean;
  /** Bytes written but not yet sent: a viewer that does not read lets them pile up. */
  readonly bufferedBytes: number;
  /** Writes the 200 response head (SSE_HEAD_FIELDS), close-delimited. */
  writeHead(): void;
  write(bytes: Buffer | string): void;
  /** Ends the response once what is written has gone. */
  end(): void;
  /** Cuts the connection (or the HTTP/2 stream) at once. */
  destroy(): void;
  /** Runs once when the response has ended, whoever ended it. */
  onClose(callback: () => void): void;
}

/** An SSE response on a bare socket: HTTP/1.1, close-delimited, the bytes as they are. */
export function socketSse(socket: Socket, clientAddress: string, head: string): SseSocket {
  socket.setNoDelay(true);
  return {
    clientAddress,
    get writable() {
      return !socket.destroyed && socket.writable;
    },
    get bufferedBytes() {
      return socket.writableLength;
    },
    writeHead: () => void socket.write(head),
    write: (bytes) => void socket.write(bytes),
    end: () => void socket.end(),
    destroy: () => void socket.destroy(),
    onClose: (callback) => void socket.once("close", callback),
  };
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
  // The viewer may have left while the request was checked; its close event is already gone,
  // so it must not be admitted (it would never leave).
  if (!sse.writable) throw new LcError("unavailable", "the viewer went away");
  let open = true;
  const closeCallbacks: (() => void)[] = [];
  const stream: EventStream = {
    lastWriteAt: Date.now(),
    write(bytes) {
      if (!open) return;
      stream.lastWriteAt = Date.now();
      sse.write(bytes);
      if (sse.bufferedBytes > limits.maxBufferedBytes) {
        open = false;
        limits.onCutOff?.();
        sse.destroy();
      }
    },
    closeWithRetry(retryMs) {
      stream.write(formatRetry(retryMs));
      stream.end();
    },
    end() {
      if (open) sse.end();
    },
    onClose(callback) {
      closeCallbacks.push(callback);
    },
  };
  const ticket = viewers.admit(sse.clientAddress, streamId, stream);
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
