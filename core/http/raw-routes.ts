import type { Socket } from "node:net";
import type { RawRequest } from "./raw-request.js";

/** Serves a request read raw off its socket; the socket is the handler's from then on. */
export type RawHandler = (socket: Socket, request: RawRequest) => Promise<void>;

/** The first bytes of a connection must hold a whole request line to be looked at. */
const REQUEST_LINE_PEEK = /^GET (\/[^ ?]*)(?:\?[^ ]*)? HTTP\/1\.[01]\r\n/;

/**
 * GET endpoints served on the raw socket, bypassing node:http, for connections that stay open
 * for long: each holds only its socket instead of a request and a response object. Only a
 * connection's first request is looked at; anything else goes to node:http as usual.
 */
export class RawRoutes {
  private readonly routes: { readonly path: RegExp; readonly handler: RawHandler }[] = [];

  add(path: RegExp, handler: RawHandler): this {
    this.routes.push({ path, handler });
    return this;
  }

  /** The handler for a connection whose first bytes are `first`, if a raw route wants it. */
  match(first: Buffer): RawHandler | undefined {
    if (this.routes.length === 0 || first.length < 16 || first[0] !== 0x47 /* G */) return undefined;
    const line = REQUEST_LINE_PEEK.exec(first.toString("latin1", 0, Math.min(first.length, 2048)));
    if (!line) return undefined;
    return this.routes.find((route) => route.path.test(line[1]!))?.handler;
  }
}
