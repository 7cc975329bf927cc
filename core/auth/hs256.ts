import { createHmac, timingSafeEqual } from "node:crypto";
import { LcError } from "../errors.js";

/** What a verified token's claims are checked against. */
export interface ClaimChecks {
  /** Accepted clock difference for exp and nbf, in seconds. */
  readonly clockToleranceSec: number;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A compact JWS split into its parts, with the protected header decoded. */
export interface CompactToken {
  readonly header: Record<string, unknown>;
  readonly signingInput: string;
  readonly payload: string;
  readonly signature: string;
}

/** Splits a compact JWS and decodes its header; throws `unauthenticated` when malformed. */
export function splitToken(token: string): CompactToken {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) throw invalid("malformed token");
  const header = decodeJsonObject(parts[0]!);
  return { header, signingInput: `${parts[0]}.${parts[1]}`, payload: parts[1]!, signature: parts[2]! };
}

/**
 * Verifies an HS256 token with node:crypto and checks its claims. jose does the same through
 * WebCrypto, which costs several times more CPU per token; a crowd arriving at an event start
 * brings thousands of tokens never seen before each second.
 */
export function verifyHs256(token: CompactToken, secret: Uint8Array, checks: ClaimChecks, nowMs: number): Record<string, unknown> {
  if (token.header.alg !== "HS256") throw invalid("token algorithm not accepted");
  // A critical extension we do not understand means the token must be refused (RFC 7515 4.1.11).
  if ("crit" in token.header) throw invalid("token has critical header parameters");
  const expected = createHmac("sha256", secret).update(token.signingInput).digest();
  const given = Buffer.from(token.signature, "base64url");
  // The canonical spelling only: base64's spare bits must not make a second valid text.
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || given.toString("base64url") !== token.signature) throw invalid("invalid token");
  const claims = decodeJsonObject(token.payload);
  checkClaims(claims, checks, nowMs);
  return claims;
}

/** The registered claims checks of RFC 7519 that jose applies, for the fast path. */
export function checkClaims(claims: Record<string, unknown>, checks: ClaimChecks, nowMs: number): void {
  const now = Math.floor(nowMs / 1000);
  const { exp, nbf, iat, iss, aud } = claims;
  for (const [name, value] of [
    ["exp", exp],
    ["nbf", nbf],
    ["iat", iat],
  ] as const) {
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value))) throw invalid(`the ${name} claim must be a number`);
  }
  if (typeof exp === "number" && exp <= now - checks.clockToleranceSec) throw invalid("token expired");
  if (typeof nbf === "number" && nbf > now + checks.clockToleranceSec) throw invalid("token not yet valid");
  if (checks.issuer !== undefined && iss !== checks.issuer) throw invalid("unexpected iss claim");
  if (checks.audience !== undefined) {
    const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.includes(checks.audience)) throw invalid("unexpected aud claim");
  }
}

function decodeJsonObject(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw invalid("malformed token");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("malformed token");
  return value as Record<string, unknown>;
}

function invalid(message: string): LcError {
  return new LcError("unauthenticated", message);
}
