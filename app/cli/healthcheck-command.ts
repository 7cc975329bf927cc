import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Environment } from "../config-file.js";
import { usageError } from "./usage-error.js";

export const HEALTHCHECK_USAGE = "livecomments healthcheck   # exit 0 when this container's process answers /healthz";

/** How long the process may take to answer. */
const TIMEOUT_MS = 3_000;

/**
 * `livecomments healthcheck`: asks /healthz of the process on this machine's PORT, over TLS when
 * LC_TLS_CERT_FILE is set (its own certificate is not checked: this is the process itself; with
 * LC_TLS_CLIENT_CA_FILE it presents its own certificate and key as the client's). For a
 * container's HEALTHCHECK, where no curl is installed. Throws when the answer is not 200.
 */
export async function healthcheckCommand(args: readonly string[], env: Environment): Promise<void> {
  if (args.length > 0) throw usageError("takes no arguments", HEALTHCHECK_USAGE);
  const tls = env.LC_TLS_CERT_FILE !== undefined && env.LC_TLS_CERT_FILE !== "";
  const options = {
    host: "127.0.0.1",
    port: Number(env.PORT || 8080),
    path: "/healthz",
    timeout: TIMEOUT_MS,
    ...(tls ? { rejectUnauthorized: false } : {}),
    ...(tls && env.LC_TLS_CLIENT_CA_FILE ? { cert: readFileSync(env.LC_TLS_CERT_FILE!), key: readFileSync(env.LC_TLS_KEY_FILE ?? "") } : {}),
  };
  const status = await new Promise<number>((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end();
  });
  if (status !== 200) throw new Error(`/healthz answered ${status}`);
}
