import { createHmac, timingSafeEqual } from "node:crypto";
import { LcError } from "../core/errors.js";
import type { WindowCursor } from "../ports/archive-store/index.js";

/** Where a page ended, bound to the window it belongs to. */
export interface PageToken extends WindowCursor {
  readonly streamId: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/** Most characters of a token accepted before any decoding. */
export const MAX_TOKEN_LENGTH = 512;
const SIGNATURE_BYTES = 16;

/**
 * Opaque, tamper-proof pagination tokens: the cursor and the window it belongs to, as
 * base64url JSON, with a truncated HMAC-SHA256. A token for one window is refused for another.
 */
export class PaginationTokens {
  private readonly key: Buffer;

  constructor(secret: string | Buffer) {
    this.key = Buffer.isBuffer(secret) ? secret : Buffer.from(secret);
  }

  encode(token: PageToken): string {
    const body = Buffer.from(JSON.stringify([token.streamId, token.fromMs, token.toMs, token.offsetMs, token.seq])).toString("base64url");
    return `${body}.${this.sign(body).toString("base64url")}`;
  }

  /** Decodes a token for the given window; `invalid_pagination_token` for anything else. */
  decode(text: string, window: { streamId: string; fromMs: number; toMs: number }): WindowCursor {
    const bad = () => new LcError("invalid_pagination_token", "pagination_token is invalid or belongs to another window");
    if (text.length > MAX_TOKEN_LENGTH) throw bad();
    const [body, signature, extra] = text.split(".");
    if (!body || !signature || extra !== undefined) throw bad();
    const given = Buffer.from(signature, "base64url");
    // Only the canonical spelling is accepted: base64 leaves spare bits in its last character,
    // and a token must have exactly one text.
    if (given.toString("base64url") !== signature) throw bad();
    if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, this.sign(body))) throw bad();
    const bodyBytes = Buffer.from(body, "base64url");
    if (bodyBytes.toString("base64url") !== body) throw bad();
    let fields: unknown;
    try {
      fields = JSON.parse(bodyBytes.toString("utf8"));
    } catch {
      throw bad();
    }
    if (!Array.isArray(fields) || fields.length !== 5) throw bad();
    const [streamId, fromMs, toMs, offsetMs, seq] = fields as unknown[];
    if (streamId !== window.streamId || fromMs !== window.fromMs || toMs !== window.toMs) throw bad();
    if (!Number.isSafeInteger(offsetMs) || !Number.isSafeInteger(seq)) throw bad();
    return { offsetMs: offsetMs as number, seq: seq as number };
  }

  private sign(body: string): Buffer {
    return createHmac("sha256", this.key).update(body).digest().subarray(0, SIGNATURE_BYTES);
  }
}
