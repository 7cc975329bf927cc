import { errors as joseErrors, jwtVerify } from "jose";
import { LcError } from "../core/errors.js";

/** Who is calling, from a verified token. */
export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly scopes: ReadonlySet<string>;
}

/** Verifies bearer tokens. */
export interface Authenticator {
  /** Resolves with the principal, or rejects with `unauthenticated`. */
  verify(token: string): Promise<Principal>;
}

/** Options of {@link createHs256Authenticator}. */
export interface Hs256AuthenticatorOptions {
  readonly secret: string;
  /** Accepted clock difference for exp and nbf, in seconds. */
  readonly clockToleranceSec?: number;
  /** Checked when set. */
  readonly issuer?: string | undefined;
  /** Checked when set. */
  readonly audience?: string | undefined;
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

/** Verifies HS256 tokens signed with a shared secret (LC_JWT_SECRET). */
export function createHs256Authenticator(options: Hs256AuthenticatorOptions): Authenticator {
  const key = new TextEncoder().encode(options.secret);
  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw new LcError("unauthenticated", "token too long");
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          clockTolerance: options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
          ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
          ...(options.audience === undefined ? {} : { audience: options.audience }),
        });
        return principalFromClaims(payload);
      } catch (error) {
        if (error instanceof LcError) throw error;
        const reason = error instanceof joseErrors.JWTExpired ? "token expired" : "invalid token";
        throw new LcError("unauthenticated", reason, { cause: error });
      }
    },
  };
}

/** Reads sub, name and scope from verified claims. */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const { sub, name, scope } = claims;
  if (typeof sub !== "string" || sub === "" || sub.length > MAX_USER_ID_LENGTH) {
    throw new LcError("unauthenticated", "token needs a sub claim of 1 to 128 characters");
  }
  const username = typeof name === "string" && name.trim() !== "" ? name.trim().slice(0, MAX_USERNAME_LENGTH) : sub;
  const scopes = new Set(typeof scope === "string" ? scope.split(" ").filter(Boolean) : []);
  return { userId: sub, username, scopes };
}

/** Throws `permission_denied` unless the principal holds the scope. */
export function requireScope(principal: Principal, scope: string): void {
  if (!principal.scopes.has(scope)) throw new LcError("permission_denied", `this needs scope ${scope}`);
}
