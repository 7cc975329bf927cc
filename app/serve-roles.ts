import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import type { ReadinessCheck } from "../core/readiness.js";
import type { RoleMounts, StartedRole } from "../core/role.js";
import { listen } from "../host/role-host.js";
import type { ServerConfig } from "./config.js";
import { OPENAPI_JSON } from "./openapi.js";
import { hostTls } from "./transport-security.js";

/** The roles of a process, served on its ports. */
export interface ServedRoles {
  /** "https" when the ports serve TLS. */
  readonly scheme: "http" | "https";
  readonly httpPort: number;
  /** Undefined when the process serves no gRPC. */
  readonly grpcPort: number | undefined;
  /**
   * Stops the roles in the one order both modes use: report not ready, drain every role (viewers
   * told to reconnect elsewhere), close the listeners (requests in progress finish), then stop
   * every role's consumers and timers. The engines are the caller's to close after it.
   */
  close(): Promise<void>;
}

/**
 * Serves what the roles of this process mounted, as every process of either mode does: on the
 * configured ports, over TLS when LC_TLS_CERT_FILE is set, with the OpenAPI document.
 */
export async function serveRoles(
  mounts: RoleMounts,
  roles: readonly StartedRole[],
  options: { config: ServerConfig; logger: Logger; metrics: Registry; serveGrpc: boolean; readiness: readonly ReadinessCheck[] },
): Promise<ServedRoles> {
  const tls = hostTls(options.config);
  const host = await listen(mounts, { ...options, openApiJson: OPENAPI_JSON, ...(tls ? { tls } : {}) });
  let closing: Promise<void> | undefined;
  return {
    scheme: host.scheme,
    httpPort: host.httpPort,
    grpcPort: host.grpcPort,
    close() {
      closing ??= (async () => {
        host.beginShutdown();
        await Promise.all(roles.map((role) => role.drain()));
        await host.close();
        await Promise.all(roles.map((role) => role.stop()));
      })();
      return closing;
    },
  };
}
