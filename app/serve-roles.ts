import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import type { ReadinessCheck } from "../core/readiness.js";
import type { RoleMounts } from "../core/role.js";
import { listen } from "../host/role-host.js";
import type { ListeningHost } from "../host/role-host.js";
import type { ServerConfig } from "./config.js";
import { OPENAPI_JSON } from "./openapi.js";
import { hostTls } from "./transport-security.js";

/**
 * Serves what the roles of this process mounted, as every process of either mode does: on the
 * configured ports, over TLS when LC_TLS_CERT_FILE is set, with the OpenAPI document.
 */
export function serveRoles(
  mounts: RoleMounts,
  options: { config: ServerConfig; logger: Logger; metrics: Registry; serveGrpc: boolean; readiness: readonly ReadinessCheck[] },
): Promise<ListeningHost> {
  const tls = hostTls(options.config);
  return listen(mounts, { ...options, openApiJson: OPENAPI_JSON, ...(tls ? { tls } : {}) });
}
