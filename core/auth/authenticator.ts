import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";
import { makeRoom } from "../bounded-map.js";
import { LcError } from "../errors.js";
import type { ClaimChecks } from "./hs256.js";
import { splitToken, verifyHs256 } from "./hs256.js";

/** Who is calling, from a verified token. */
export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly scopes: ReadonlySet<string>;
  /** The streams the user is a member of (the `memberships` claim; "*" is every stream), for members-only streams. */
  readonly memberships?: ReadonlySet<string>;
}

/** Most entries of the `memberships` claim read; a longer claim is cut there. */
export const MAX_MEMBERSHIPS = 1_000;

/** Verifies bearer tokens. */
export interface Authenticator {
  /** Resolves with the principal, or rejects with `unauthenticated`. */
  verify(token: string): Promise<Principal>;
}

/** Longest token accepted; longer ones are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;
/** Default clock skew allowed on exp and nbf, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
/** Longest user id (sub) and display name (name) accepted, in UTF-16 units. */
export const MAX_USER_ID_LENGTH = 128;
export const MAX_USERNAME_LENGTH = 64;

/** Takes the token out of an `Authorization: Bearer <token>` header value. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined) throw new LcError("unauthenticated", "missing Authorization: Bearer token");
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  if (!match) throw new LcError("unauthenticated", "Authorization must be 'Bearer <token>'");
  return match[1]!;
}

/** Options of {@link createJwtAuthenticator}. */
export interface JwtAuthenticatorOptions {
  /** Shared secret for HS256 tokens (LC_JWT_SECRET). */
  readonly secret?: string | undefined;
  /** Where RS256 and ES256 public keys are published (LC_JWKS_URL). */
  readonly jwksUrl?: string | undefined;
  /** Least time between two fetches of the key set, also when a token names an unknown kid. */
  readonly jwksCooldownMs?: number;
  /** Accepted clock difference for exp and nbf, in seconds. */
  readonly clockToleranceSec?: number;
  /** Checked when set. */
  readonly issuer?: string | undefined;
  /** Checked when set. */
  readonly audience?: string | undefined;
  /**
   * Whether a token must carry `exp` (the default): one without it would be good forever, and
   * a leaked one could never be taken back. Off only for issuers that cannot set it.
   */
  readonly requireExp?: boolean;
}

/** Verified tokens remembered, and for how long at most. */
export const VERIFIED_TOKEN_CACHE_SIZE = 100_000;
export const VERIFIED_TOKEN_TTL_MS = 5 * 60 * 1000;

/** Default least time between two fetches of the key set. */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;

/**
 * Verifies bearer tokens: HS256 with a shared secret, and RS256/ES256 with keys from a JWKS URL
 * (cached; fetched again when a token names a kid the cached set lacks, at most once per
 * cooldown). Any other algorithm, `none` included, is refused, as are wrong keys, tampered
 * tokens, expired or not-yet-valid ones (with a small clock skew), a wrong iss or aud, and
 * (unless `requireExp` is false) tokens without `exp`.
 */
export function createJwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const secret = options.secret === undefined ? undefined : new TextEncoder().encode(options.secret);
  const jwks = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS, timeoutDuration: 5_000 })
    : undefined;
  if (!secret && !jwks) throw new LcError("invalid_argument", "set LC_JWT_SECRET or LC_JWKS_URL to verify tokens");
  const requireExp = options.requireExp ?? true;
  const checks: ClaimChecks = {
    clockToleranceSec: options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
    issuer: options.issuer,
    audience: options.audience,
  };
  // A commenter sends the same token with every comment: remember verified tokens (bounded,
  // never past their exp) so a signature is checked once per token rather than per request.
  const verified = new Map<string, { principal: Principal; until: number }>();
  const verifyClaims = async (token: string, now: number): Promise<Record<string, unknown>> => {
    const parsed = splitToken(token);
    if (parsed.header.alg === "HS256" && secret) return verifyHs256(parsed, secret, checks, now);
    if (!jwks || (parsed.header.alg !== "RS256" && parsed.header.alg !== "ES256")) throw new LcError("unauthenticated", "token algorithm not accepted");
    try {
      const { payload } = await jwtVerify(token, jwks, {
        algorithms: ["RS256", "ES256"],
        clockTolerance: checks.clockToleranceSec,
        ...(checks.issuer === undefined ? {} : { issuer: checks.issuer }),
        ...(checks.audience === undefined ? {} : { audience: checks.audience }),
      });
      return payload;
    } catch (error) {
      const reason = error instanceof joseErrors.JWTExpired ? "token expired" : "invalid token";
      throw new LcError("unauthenticated", reason, { cause: error });
    }
  };
  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw new LcError("unauthenticated", "token too long");
      const now = Date.now();
      const hit = verified.get(token);
      if (hit && hit.until > now) return hit.principal;
      const claims = await verifyClaims(token, now);
      if (requireExp && typeof claims.exp !== "number") throw new LcError("unauthenticated", "token needs an exp claim");
      const principal = principalFromClaims(claims);
      // Only tokens that expire are remembered, and never past their exp.
      if (typeof claims.exp === "number") {
        if (!verified.delete(token)) makeRoom(verified, VERIFIED_TOKEN_CACHE_SIZE, (entry) => entry.until <= now);
        verified.set(token, { principal, until: Math.min(claims.exp * 1000, now + VERIFIED_TOKEN_TTL_MS) });
      }
      return principal;
    },
  };
}

/** An HS256-only authenticator (the development and embedded default). */
export function createHs256Authenticator(options: Omit<JwtAuthenticatorOptions, "jwksUrl"> & { readonly secret: string }): Authenticator {
  return createJwtAuthenticator(options);
}

/** Reads sub, name, scope and memberships from verified claims. */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const { sub, name, scope, memberships } = claims;
  if (typeof sub !== "string" || sub === "" || sub.length > MAX_USER_ID_LENGTH) {
    throw new LcError("unauthenticated", "token needs a sub claim of 1 to 128 characters");
  }
  const username = typeof name === "string" && name.trim() !== "" ? name.trim().slice(0, MAX_USERNAME_LENGTH) : sub;
  const scopes = new Set(typeof scope === "string" ? scope.split(" ").filter(Boolean) : []);
  if (!Array.isArray(memberships)) return { userId: sub, username, scopes };
  const streams = memberships.slice(0, MAX_MEMBERSHIPS).filter((m): m is string => typeof m === "string" && m.length > 0 && m.length <= 64);
  return { userId: sub, username, scopes, memberships: new Set(streams) };
}

/** Throws `permission_denied` unless the principal holds the scope. */
export function requireScope(principal: Principal, scope: string): void {
  if (!principal.scopes.has(scope)) throw new LcError("permission_denied", `this needs scope ${scope}`);
}
