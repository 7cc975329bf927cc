import { createParser } from "eventsource-parser";

/** One server-sent event, as the WHATWG rules parse it. */
export interface SseEvent {
  /** The `event` field; "message" when the event names none. */
  readonly type: string;
  readonly data: string;
  readonly id: string | undefined;
}

/**
 * Parses a text/event-stream body fed in pieces as they arrive off a socket (eventsource-parser,
 * which follows the WHATWG rules), calling `onEvent` for each whole event.
 */
export class SseEventReader {
  private readonly parser;
  // Chunks cut characters in two; the decoder holds the first half for the next chunk.
  private decoder = new TextDecoder();

  constructor(onEvent: (event: SseEvent) => void) {
    this.parser = createParser({ onEvent: (message) => onEvent({ type: message.event ?? "message", data: message.data, id: message.id }) });
  }

  feed(chunk: Uint8Array): void {
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }

  /** Forgets a partial event, for a new connection. */
  reset(): void {
    this.parser.reset();
    this.decoder = new TextDecoder();
  }
}
