import { readFileSync } from "node:fs";
import { credentials } from "@grpc/grpc-js";
import { mintToken } from "../core/auth/dev-token.js";
import { RELAY_SUBSCRIBE_SCOPE } from "../core/auth/scopes.js";
import type { HostTls } from "../host/tls.js";
import type { RelayDialOptions } from "../ports/fanout/relay-grpc.js";
import type { EngineConfig, ServerConfig } from "./config.js";

/** Lifetime of the tokens a process signs for itself to present to the relay; renewed at half of it. */
const RELAY_TOKEN_TTL_SEC = 24 * 60 * 60;

/** The TLS this process serves with (LC_TLS_*), read once at start; undefined for plaintext. */
export function hostTls(config: Pick<ServerConfig, "tlsCertFile" | "tlsKeyFile" | "tlsClientCaFile">): HostTls | undefined {
  if (config.tlsCertFile === undefined || config.tlsKeyFile === undefined) return undefined;
  return {
    cert: readFileSync(config.tlsCertFile),
    key: readFileSync(config.tlsKeyFile),
    ...(config.tlsClientCaFile === undefined ? {} : { clientCa: readFileSync(config.tlsClientCaFile) }),
  };
}

/**
 * How this process dials the relay: over TLS verified against LC_RELAY_TLS_CA_FILE (with
 * LC_RELAY_TLS_CERT_FILE/KEY_FILE as its client certificate), presenting LC_RELAY_TOKEN or a
 * token it signs with LC_JWT_SECRET (scope relay:subscribe). Throws when it has no token.
 */
export function relayDialOptions(
  engines: Pick<EngineConfig, "relayTlsCaFile" | "relayTlsCertFile" | "relayTlsKeyFile" | "relayToken">,
  config: Pick<ServerConfig, "jwtSecret" | "jwtIssuer" | "jwtAudience">,
  who: string,
): RelayDialOptions {
  if ((engines.relayTlsCertFile === undefined) !== (engines.relayTlsKeyFile === undefined)) {
    throw new Error("LC_RELAY_TLS_CERT_FILE and LC_RELAY_TLS_KEY_FILE go together");
  }
  if ((engines.relayTlsCertFile !== undefined || engines.relayTlsKeyFile !== undefined) && engines.relayTlsCaFile === undefined) {
    throw new Error("LC_RELAY_TLS_CERT_FILE needs LC_RELAY_TLS_CA_FILE: a client certificate only goes over TLS");
  }
  const channel =
    engines.relayTlsCaFile === undefined
      ? undefined
      : credentials.createSsl(
          readFileSync(engines.relayTlsCaFile),
          engines.relayTlsKeyFile === undefined ? null : readFileSync(engines.relayTlsKeyFile),
          engines.relayTlsCertFile === undefined ? null : readFileSync(engines.relayTlsCertFile),
        );
  return { ...(channel ? { credentials: channel } : {}), token: relayToken(engines.relayToken, config, who) };
}

function relayToken(given: string | undefined, config: Pick<ServerConfig, "jwtSecret" | "jwtIssuer" | "jwtAudience">, who: string): () => Promise<string> {
  if (given !== undefined) return async () => given;
  const secret = config.jwtSecret;
  if (secret === undefined) {
    throw new Error("LC_RELAY_TOKEN or LC_JWT_SECRET must be set: the relay admits only tokens with scope relay:subscribe");
  }
  let current: { token: Promise<string>; renewAt: number } | undefined;
  return () => {
    if (!current || Date.now() >= current.renewAt) {
      current = {
        token: mintToken(secret, {
          sub: who,
          scope: RELAY_SUBSCRIBE_SCOPE,
          ttlSec: RELAY_TOKEN_TTL_SEC,
          ...(config.jwtIssuer === undefined ? {} : { issuer: config.jwtIssuer }),
          ...(config.jwtAudience === undefined ? {} : { audience: config.jwtAudience }),
        }),
        renewAt: Date.now() + (RELAY_TOKEN_TTL_SEC * 1000) / 2,
      };
    }
    return current.token;
  };
}
