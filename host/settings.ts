import { LcError } from "../core/errors.js";
import { TrustedProxies } from "../core/http/client-address.js";
import { CorsPolicy } from "../core/http/cors.js";
import { DEFAULT_BODY_TIMEOUT_MS } from "../core/http/read-json-body.js";
import { EVERY_ROLE, fileSetting, integerSetting, listSetting, textSetting } from "../core/settings.js";
import type { SettingValues } from "../core/settings.js";
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_TIMEOUT_MS, DEFAULT_SHUTDOWN_GRACE_MS } from "./http-server.js";

/** Where and how every process listens. */
export const HOST_SETTINGS = {
  host: textSetting({ variable: "HOST", fallback: "0.0.0.0", description: "address both ports bind", roles: EVERY_ROLE }),
  httpPort: integerSetting({ variable: "PORT", fallback: 8080, min: 0, max: 65535, description: "HTTP port (REST, SSE, Connect)", roles: EVERY_ROLE }),
  grpcPort: integerSetting({
    variable: "GRPC_PORT",
    fallback: 50051,
    min: 0,
    max: 65535,
    description: "gRPC port (the edge and the archive serve none)",
    roles: EVERY_ROLE,
  }),
  maxConnections: integerSetting({
    variable: "LC_MAX_CONNECTIONS",
    fallback: 15_000,
    min: 1,
    max: 1_000_000,
    description: "open connections on the HTTP port",
    roles: EVERY_ROLE,
  }),
  headersTimeoutMs: integerSetting({
    variable: "LC_HEADERS_TIMEOUT_MS",
    fallback: DEFAULT_HEADERS_TIMEOUT_MS,
    min: 100,
    max: 600_000,
    unit: "ms",
    description: "time for a request's head (and a new connection's first byte); 408 after",
    roles: EVERY_ROLE,
  }),
  bodyTimeoutMs: integerSetting({
    variable: "LC_BODY_TIMEOUT_MS",
    fallback: DEFAULT_BODY_TIMEOUT_MS,
    min: 100,
    max: 600_000,
    unit: "ms",
    description: "time for a request's body once its head arrived; 408 after",
    roles: EVERY_ROLE,
  }),
  shutdownGraceMs: integerSetting({
    variable: "LC_SHUTDOWN_GRACE_MS",
    fallback: DEFAULT_SHUTDOWN_GRACE_MS,
    min: 0,
    max: 600_000,
    unit: "ms",
    description: "on SIGTERM, how long requests in progress may take to finish before connections are cut",
    roles: EVERY_ROLE,
  }),
  keepAliveTimeoutMs: integerSetting({
    variable: "LC_KEEP_ALIVE_TIMEOUT_MS",
    fallback: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    min: 1_000,
    max: 600_000,
    unit: "ms",
    description:
      "how long an idle HTTP/1.1 connection stays open: longer than a load balancer's idle timeout (60 s on the common ones), so the balancer closes it first",
    roles: EVERY_ROLE,
  }),
  trustedProxies: listSetting({
    variable: "LC_TRUSTED_PROXIES",
    fallback: [],
    defaultText: "empty",
    check: (entries) => new TrustedProxies(entries),
    description:
      "comma-separated addresses or CIDRs (IPv4, IPv6) of the proxies in front; from them, the client is the rightmost `X-Forwarded-For` (else `Forwarded: for=`) address that is not itself a trusted proxy. Rate limits, viewer limits and logs use that address; from any other peer those headers are ignored",
    roles: EVERY_ROLE,
  }),
  corsOrigins: listSetting({
    variable: "LC_CORS_ORIGINS",
    fallback: [],
    defaultText: "empty (same origin only)",
    check: (entries) => new CorsPolicy(entries),
    description:
      "comma-separated exact origins (`https://www.example.com`), or `*`, whose pages may call the API: responses carry `Access-Control-Allow-Origin`, preflights (`OPTIONS`) answer 204; listed origins may send credentials (the viewer cookie), `*` may not",
    roles: EVERY_ROLE,
  }),
  tlsCertFile: fileSetting({
    variable: "LC_TLS_CERT_FILE",
    defaultText: "unset (plaintext)",
    description: "PEM certificate chain: the HTTP port serves TLS (HTTP/2 by ALPN, HTTP/1.1, SSE) and the gRPC port serves TLS; with `LC_TLS_KEY_FILE`",
    roles: EVERY_ROLE,
  }),
  tlsKeyFile: fileSetting({ variable: "LC_TLS_KEY_FILE", description: "PEM private key of `LC_TLS_CERT_FILE`", roles: EVERY_ROLE }),
  tlsClientCaFile: fileSetting({
    variable: "LC_TLS_CLIENT_CA_FILE",
    description: "with TLS: clients must present a certificate this PEM CA signed, on both ports (mutual TLS, e.g. between the roles)",
    roles: EVERY_ROLE,
  }),
} as const;

/** Where and how a process listens, as read. */
export type HostSettings = SettingValues<typeof HOST_SETTINGS>;

/** Refuses TLS settings that do not go together. */
export function checkTlsSettings(settings: Pick<HostSettings, "tlsCertFile" | "tlsKeyFile" | "tlsClientCaFile">): void {
  if ((settings.tlsCertFile === undefined) !== (settings.tlsKeyFile === undefined))
    throw new LcError("invalid_argument", "LC_TLS_CERT_FILE and LC_TLS_KEY_FILE go together");
  if (settings.tlsClientCaFile !== undefined && settings.tlsCertFile === undefined)
    throw new LcError("invalid_argument", "LC_TLS_CLIENT_CA_FILE needs LC_TLS_CERT_FILE and LC_TLS_KEY_FILE");
}
