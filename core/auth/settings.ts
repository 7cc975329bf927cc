import { EVERY_ROLE, integerSetting, switchSetting, textSetting } from "../settings.js";
import type { SettingValues } from "../settings.js";
import { DEFAULT_JWKS_COOLDOWN_MS } from "./authenticator.js";

/** How every process verifies tokens (posters, moderators, viewers who identify, relay subscribers). */
export const AUTH_SETTINGS = {
  jwtSecret: textSetting({
    variable: "LC_JWT_SECRET",
    fallback: undefined,
    secret: true,
    defaultText: "`npm start`: a development secret in the data folder; a role: unset",
    description: "HS256 secret tokens are signed with (ingest needs it or `LC_JWKS_URL`)",
    roles: EVERY_ROLE,
  }),
  jwtIssuer: textSetting({ variable: "LC_JWT_ISSUER", fallback: undefined, description: "the `iss` tokens must carry, checked when set", roles: EVERY_ROLE }),
  jwtAudience: textSetting({
    variable: "LC_JWT_AUDIENCE",
    fallback: undefined,
    description: "the `aud` tokens must carry, checked when set",
    roles: EVERY_ROLE,
  }),
  jwksUrl: textSetting({
    variable: "LC_JWKS_URL",
    fallback: undefined,
    pattern: /^https?:\/\/\S+$/,
    description: "where RS256/ES256 keys are published (a JSON Web Key Set); combines with `LC_JWT_SECRET`",
    roles: EVERY_ROLE,
  }),
  jwksCooldownMs: integerSetting({
    variable: "LC_JWKS_COOLDOWN_MS",
    fallback: DEFAULT_JWKS_COOLDOWN_MS,
    min: 0,
    max: 24 * 60 * 60 * 1000,
    unit: "ms",
    description: "least time between two fetches of the key set (also on an unknown `kid`)",
    roles: EVERY_ROLE,
  }),
  jwtRequireExp: switchSetting({
    variable: "LC_JWT_REQUIRE_EXP",
    fallback: true,
    description: "tokens without `exp` are refused (401): one would never expire; `off` only for an issuer that cannot set it",
    roles: EVERY_ROLE,
  }),
} as const;

export type AuthSettings = SettingValues<typeof AUTH_SETTINGS>;
