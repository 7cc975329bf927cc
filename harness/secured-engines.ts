import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TestCertificates } from "./certificates.js";
import { freePort } from "./free-port.js";
import { PROJECT_ROOT } from "./project-root.js";

/** A process an engine script started. */
interface Started {
  readonly pid: number;
  alive(): boolean;
}

/** The logins the secured engines take. */
export const ENGINE_USER = { name: "livecomments", password: "s3cret-Engine_pass" };
/** A second Kafka login, by SASL/PLAIN. */
export const KAFKA_PLAIN_USER = { name: "plainuser", password: "plain-Pass_1" };

/** Kafka, Redis and Cassandra as managed offerings run them: TLS and credentials only. */
export interface SecuredEngines {
  /** The SASL_SSL listener (`127.0.0.1:<port>`); SCRAM-SHA-512/256 for ENGINE_USER, PLAIN for KAFKA_PLAIN_USER. */
  readonly kafkaBrokers: string;
  /** `rediss://127.0.0.1:<port>`: TLS only, ACL user ENGINE_USER, the default user off. */
  readonly redisUrl: string;
  /** `127.0.0.1:<port>`: client TLS, PasswordAuthenticator with ENGINE_USER (and the superuser). */
  readonly cassandraContactPoints: string;
  stop(): Promise<void>;
}

/** Imports scripts/engines/<name>.mjs, the code `npm test` starts its engines with. */
async function engineScript<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(join(PROJECT_ROOT, "scripts", "engines", `${name}.mjs`)).href)) as T;
}

/**
 * Starts a Kafka, a Redis and a Cassandra of this test's own, configured by the engine scripts
 * for TLS (the test's certificates) and credentials, on free ports.
 */
export async function startSecuredEngines(certs: TestCertificates): Promise<SecuredEngines> {
  const runDir = mkdtempSync(join(tmpdir(), "lc-secured-engines-"));
  const [kafkaPort, saslPort, controllerPort, redisPort, cassandraPort, storagePort] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const { ensureKafka } = await engineScript<{ ensureKafka(options: object): Promise<{ started?: Started }> }>("kafka");
  const { startSecuredRedis } = await engineScript<{ startSecuredRedis(options: object): Promise<{ url: string; started: Started }> }>("redis");
  const { ensureCassandra } = await engineScript<{ ensureCassandra(options: object): Promise<{ started?: Started }> }>("cassandra");
  const { stopProcess } = await engineScript<{ stopProcess(pid: number): Promise<void> }>("util");
  const tls = { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile };
  const outcomes = await Promise.allSettled([
    ensureKafka({ port: kafkaPort, controllerPort, runDir, secured: { saslPort, ...tls, scramUsers: [ENGINE_USER], plainUsers: [KAFKA_PLAIN_USER] } }),
    startSecuredRedis({ port: redisPort, runDir, ...tls, user: ENGINE_USER.name, password: ENGINE_USER.password }),
    ensureCassandra({ port: cassandraPort, storagePort, runDir, secured: { ...tls, user: ENGINE_USER.name, password: ENGINE_USER.password } }),
  ]);
  const started = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" && outcome.value.started ? [outcome.value.started] : []));
  const stop = async () => {
    await Promise.all(started.map((process) => stopProcess(process.pid)));
    rmSync(runDir, { recursive: true, force: true });
  };
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return {
    kafkaBrokers: `127.0.0.1:${saslPort}`,
    redisUrl: `rediss://127.0.0.1:${redisPort}`,
    cassandraContactPoints: `127.0.0.1:${cassandraPort}`,
    stop,
  };
}
