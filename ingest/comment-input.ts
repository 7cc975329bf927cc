import { LcError } from "../core/errors.js";

/** Limits on what a client may send with a comment. */
export interface CommentInputLimits {
  /** Most code points of text after trimming. */
  readonly maxTextCodePoints: number;
  /** Most bytes of meta once serialised as JSON. */
  readonly maxMetaBytes: number;
  /** Deepest nesting of meta (an object of scalars is depth 1). */
  readonly maxMetaDepth: number;
  /** Furthest client_ts may be from the server clock, in milliseconds. */
  readonly maxClientSkewMs: number;
}

/** A comment as the client sent it, validated and normalised. */
export interface CommentInput {
  readonly text: string;
  readonly clientTs?: number;
  readonly meta?: Readonly<Record<string, unknown>>;
}

// C0 and C1 controls, DEL, and the bidi overrides/isolates that can disguise text.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

function invalid(message: string): never {
  throw new LcError("invalid_argument", message);
}

/**
 * Validates a parsed body `{"text", "client_ts"?, "meta"?}`; unknown fields are ignored.
 * Text is trimmed and NFC-normalised, then must hold 1..max code points and no control
 * characters. `now` is the server clock, for the client_ts sanity check.
 */
export function parseCommentInput(body: unknown, limits: CommentInputLimits, now: number): CommentInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) invalid("the body must be a JSON object");
  const { text, client_ts: clientTs, meta } = body as Record<string, unknown>;
  return {
    text: parseText(text, limits),
    ...(clientTs === undefined || clientTs === null ? {} : { clientTs: parseClientTs(clientTs, limits, now) }),
    ...(meta === undefined || meta === null ? {} : { meta: parseMeta(meta, limits) }),
  };
}

/** Validates and normalises comment text. */
export function parseText(text: unknown, limits: CommentInputLimits): string {
  if (typeof text !== "string") invalid("text must be a string");
  // Lone surrogates cannot be stored as UTF-8 and would be replaced silently downstream.
  if (!text.isWellFormed()) invalid("text is not well-formed Unicode");
  const normalised = text.trim().normalize("NFC");
  if (normalised === "") invalid("text must not be empty");
  let codePoints = 0;
  for (const _ of normalised) {
    if (++codePoints > limits.maxTextCodePoints) invalid(`text must be at most ${limits.maxTextCodePoints} characters`);
  }
  if (FORBIDDEN_CHARACTERS.test(normalised)) invalid("text must not contain control characters");
  return normalised;
}

function parseClientTs(value: unknown, limits: CommentInputLimits, now: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) invalid("client_ts must be an integer of milliseconds");
  if (Math.abs(value - now) > limits.maxClientSkewMs) invalid("client_ts is too far from the server clock");
  return value;
}

function parseMeta(value: unknown, limits: CommentInputLimits): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid("meta must be a JSON object");
  if (depthOf(value, limits.maxMetaDepth + 1) > limits.maxMetaDepth) invalid(`meta must be nested at most ${limits.maxMetaDepth} deep`);
  if (Buffer.byteLength(JSON.stringify(value)) > limits.maxMetaBytes) invalid(`meta must be at most ${limits.maxMetaBytes} bytes`);
  return value as Record<string, unknown>;
}

/** Nesting depth of a JSON value, counting no further than `stopAt`. */
function depthOf(value: unknown, stopAt: number): number {
  if (typeof value !== "object" || value === null) return 0;
  if (stopAt <= 1) return 1;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, stopAt - 1));
  return 1 + deepest;
}
