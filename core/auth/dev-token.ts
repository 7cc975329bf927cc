import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";

/** Claims of a development token. */
export interface DevTokenClaims {
  readonly sub: string;
  readonly name?: string;
  readonly scope?: string;
  /** Lifetime in seconds. */
  readonly ttlSec?: number;
  /** `iss` and `aud`, for verifiers that check them (LC_JWT_ISSUER, LC_JWT_AUDIENCE). */
  readonly issuer?: string;
  readonly audience?: string;
  /** The streams the user is a member of ("*": all), for members-only streams. */
  readonly memberships?: readonly string[];
}

/** Mints an HS256 token, for development, tests and the `token` command. */
export function mintToken(secret: string, claims: DevTokenClaims): Promise<string> {
  const payload: Record<string, string | string[]> = {};
  if (claims.name !== undefined) payload.name = claims.name;
  if (claims.scope !== undefined) payload.scope = claims.scope;
  if (claims.memberships !== undefined) payload.memberships = [...claims.memberships];
  let jwt = new SignJWT(payload);
  if (claims.issuer !== undefined) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience !== undefined) jwt = jwt.setAudience(claims.audience);
  return jwt
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.ttlSec ?? 24 * 60 * 60))
    .sign(new TextEncoder().encode(secret));
}

/** File in the data folder holding the development secret. */
export const DEV_SECRET_FILE = "dev-jwt-secret";

/**
 * The HS256 secret used when LC_JWT_SECRET is not set: made once per data folder and kept
 * there (mode 0600), so tokens minted by `npm run token` keep working across restarts.
 */
export function loadOrCreateDevSecret(dataDir: string): string {
  const file = join(dataDir, DEV_SECRET_FILE);
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString("hex");
    writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
    return secret;
  }
}
