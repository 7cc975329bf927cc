// Apache Cassandra 5.0, one node (on loopback unless told), from Maven jars, with a small heap and fast start.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import cassandra from "cassandra-driver";
import { EngineError, isPortOpen, java17, log, mavenRuntime, startProcess, waitFor } from "./util.mjs";

export const CASSANDRA_VERSION = "5.0.6";

/** Client settings for a node started `secured`: the default superuser, over TLS. */
function securedClientOptions(secured) {
  return secured
    ? {
        authProvider: new cassandra.auth.PlainTextAuthProvider("cassandra", "cassandra"),
        sslOptions: { ca: [readFileSync(secured.caFile)], host: "127.0.0.1" },
      }
    : {};
}

async function probe(port, secured, host = "127.0.0.1") {
  const client = new cassandra.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter: "datacenter1",
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
    ...securedClientOptions(secured),
  });
  try {
    await client.connect();
    const result = await client.execute("SELECT release_version FROM system.local");
    return result.rows.length === 1;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

/** Flags the stock scripts pass on JDK 17; without them the daemon dies on module access. */
const JDK17_FLAGS = [
  "-Djdk.attach.allowAttachSelf=true",
  "-Dio.netty.tryReflectionSetAccessible=true",
  ...[
    "java.base/jdk.internal.misc",
    "java.base/java.lang.ref",
    "java.management.rmi/com.sun.jmx.remote.internal.rmi",
    "java.management/com.sun.jmx.remote.security",
    "java.rmi/sun.rmi.registry",
    "java.rmi/sun.rmi.server",
    "java.sql/java.sql",
    "jdk.unsupported/sun.misc",
  ].flatMap((pkg) => ["--add-exports", `${pkg}=ALL-UNNAMED`]),
  ...[
    "java.lang.module",
    "jdk.internal.loader",
    "jdk.internal.ref",
    "jdk.internal.reflect",
    "jdk.internal.math",
    "jdk.internal.module",
    "jdk.internal.util.jar",
    "sun.nio.ch",
    "java.io",
    "java.lang.reflect",
    "java.lang",
    "java.util",
    "java.nio",
  ].flatMap((pkg) => ["--add-opens", `java.base/${pkg}=ALL-UNNAMED`]),
  "--add-opens",
  "jdk.management/com.sun.management.internal=ALL-UNNAMED",
];

/**
 * Uses a Cassandra already on the port, or starts one; resolves with how to reach and stop it.
 * With `secured` ({ certFile, keyFile, caFile, user, password }, PEM files) the node it starts
 * takes only TLS clients (PEMBasedSslContextFactory) and password logins
 * (PasswordAuthenticator, CassandraAuthorizer), and `user` is a login role with every
 * permission on every keyspace: what a managed Cassandra asks of its clients. `host` is its listen,
 * broadcast and client address; `launcher` a command prefix that runs it elsewhere (a network
 * namespace of the fault suite's).
 */
export async function ensureCassandra({ port, storagePort, runDir, secured, host = "127.0.0.1", launcher = [] }) {
  const env = { LC_CASSANDRA_CONTACT_POINTS: `${host}:${port}`, LC_CASSANDRA_DC: "datacenter1" };
  if (!secured && (await isPortOpen(port, host))) {
    if (await probe(port, undefined, host).catch(() => false)) {
      log(`Cassandra: using the node already on ${host}:${port}`);
      return { env, started: undefined };
    }
    throw new EngineError(`Cassandra: port ${port} is taken by something that does not answer CQL`);
  }
  const lib = mavenRuntime(`cassandra-${CASSANDRA_VERSION}`, [["org.apache.cassandra", "cassandra-all", CASSANDRA_VERSION]]);
  const jamm = readdirSync(lib).find((name) => /^jamm-.*\.jar$/.test(name));
  if (!jamm) throw new EngineError(`Cassandra: no jamm agent jar in ${lib}`);
  const dir = join(runDir, secured ? "cassandra-secured" : "cassandra");
  mkdirSync(join(dir, "data"), { recursive: true });
  const security = [];
  if (secured) {
    // PEMBasedSslContextFactory reads the private key and its certificate chain from one file.
    const keystore = join(dir, "keystore.pem");
    writeFileSync(keystore, readFileSync(secured.keyFile, "utf8") + readFileSync(secured.certFile, "utf8"));
    security.push(
      "authenticator: PasswordAuthenticator",
      "authorizer: CassandraAuthorizer",
      "role_manager: CassandraRoleManager",
      "client_encryption_options:",
      "  enabled: true",
      "  optional: false",
      "  ssl_context_factory:",
      "    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory",
      `  keystore: ${keystore}`,
      "  require_client_auth: false",
    );
  }
  const yaml = join(dir, "cassandra.yaml");
  writeFileSync(
    yaml,
    [
      "cluster_name: livecomments",
      "num_tokens: 1",
      "initial_token: 0",
      "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
      "endpoint_snitch: SimpleSnitch",
      // An acknowledged write is on disk: with the default (periodic, 10 s) a kill -9 of this
      // single node would lose the last seconds of archived comments after the archive
      // writer had committed its Kafka offsets past them. Group commit costs a few ms per write.
      "commitlog_sync: group",
      "commitlog_sync_group_window: 10ms",
      "commitlog_segment_size: 8MiB",
      "seed_provider:",
      "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
      "    parameters:",
      `      - seeds: "${host}"`,
      `listen_address: ${host}`,
      `rpc_address: ${host}`,
      `native_transport_port: ${port}`,
      `storage_port: ${storagePort}`,
      "start_native_transport: true",
      "auto_snapshot: false",
      "incremental_backups: false",
      "concurrent_compactors: 1",
      "memtable_allocation_type: heap_buffers",
      "disk_access_mode: standard",
      ...security,
      "",
    ].join("\n"),
  );
  const logback = join(dir, "logback.xml");
  writeFileSync(
    logback,
    `<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${join(dir, "system.log")}</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`,
  );
  const args = [
    "-Xms512m",
    "-Xmx1g",
    "-Xss256k",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=300",
    "-ea",
    "-Djava.net.preferIPv4Stack=true",
    `-javaagent:${join(lib, jamm)}`,
    ...JDK17_FLAGS,
    "-Dcassandra-foreground=yes",
    `-Dcassandra.config=file://${yaml}`,
    `-Dcassandra.storagedir=${join(dir, "data")}`,
    `-Dcassandra.logdir=${dir}`,
    `-Dlogback.configurationFile=${logback}`,
    // Speed for a one-node test cluster: no gossip settling. (System tables are synced: the
    // fault suite kills this node and its keyspaces must survive.)
    "-Dcassandra.skip_wait_for_gossip_to_settle=0",
    "-Dcassandra.ring_delay_ms=100",
    // The default superuser (cassandra/cassandra) is made at once rather than after 10 s.
    "-Dcassandra.superuser_setup_delay_ms=0",
    "-cp",
    `${lib}/*`,
    "org.apache.cassandra.service.CassandraDaemon",
  ];
  log(`Cassandra ${CASSANDRA_VERSION}: starting on ${host}:${port} (log: ${join(dir, "system.log")})`);
  const started = startProcess(java17(), args, { cwd: dir, logFile: join(dir, "stdout.log"), launcher });
  await waitFor(
    `Cassandra on ${host}:${port} (see ${join(dir, "system.log")} and stdout.log)`,
    async () => (await isPortOpen(port, host)) && (await probe(port, secured, host)),
    {
      timeoutMs: 180_000,
      alive: started.alive,
      started,
      intervalMs: 1000,
    },
  );
  if (secured) await createLoginRole(port, secured);
  log(`Cassandra ${CASSANDRA_VERSION}: ready${secured ? ` (TLS, password logins as ${secured.user})` : ""}`);
  return { env, started };
}

/** Makes `user` a login role that may create and use keyspaces, as the superuser. */
async function createLoginRole(port, secured) {
  const client = new cassandra.Client({ contactPoints: [`127.0.0.1:${port}`], localDataCenter: "datacenter1", ...securedClientOptions(secured) });
  try {
    await client.connect();
    // CQL takes no bind markers in DDL: the password is a quoted literal.
    await client.execute(`CREATE ROLE IF NOT EXISTS ${secured.user} WITH PASSWORD = '${secured.password.replaceAll("'", "''")}' AND LOGIN = true`);
    await client.execute(`GRANT ALL PERMISSIONS ON ALL KEYSPACES TO ${secured.user}`);
  } finally {
    await client.shutdown().catch(() => {});
  }
}
