// Apache Cassandra 5.0, one node on loopback, from Maven jars, with a small heap and fast start.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import cassandra from "cassandra-driver";
import { EngineError, isPortOpen, java17, log, mavenRuntime, startProcess, waitFor } from "./util.mjs";

export const CASSANDRA_VERSION = "5.0.6";

async function probe(port) {
  const client = new cassandra.Client({
    contactPoints: [`127.0.0.1:${port}`],
    localDataCenter: "datacenter1",
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
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

/** Uses a Cassandra already on the port, or starts one; resolves with how to reach and stop it. */
export async function ensureCassandra({ port, storagePort, runDir }) {
  const env = { LC_CASSANDRA_CONTACT_POINTS: `127.0.0.1:${port}`, LC_CASSANDRA_DC: "datacenter1" };
  if (await isPortOpen(port)) {
    if (await probe(port).catch(() => false)) {
      log(`Cassandra: using the node already on 127.0.0.1:${port}`);
      return { env, started: undefined };
    }
    throw new EngineError(`Cassandra: port ${port} is taken by something that does not answer CQL`);
  }
  const lib = mavenRuntime(`cassandra-${CASSANDRA_VERSION}`, [["org.apache.cassandra", "cassandra-all", CASSANDRA_VERSION]]);
  const jamm = readdirSync(lib).find((name) => /^jamm-.*\.jar$/.test(name));
  if (!jamm) throw new EngineError(`Cassandra: no jamm agent jar in ${lib}`);
  const dir = join(runDir, "cassandra");
  mkdirSync(join(dir, "data"), { recursive: true });
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
      '      - seeds: "127.0.0.1"',
      "listen_address: 127.0.0.1",
      "rpc_address: 127.0.0.1",
      `native_transport_port: ${port}`,
      `storage_port: ${storagePort}`,
      "start_native_transport: true",
      "auto_snapshot: false",
      "incremental_backups: false",
      "concurrent_compactors: 1",
      "memtable_allocation_type: heap_buffers",
      "disk_access_mode: standard",
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
    "-cp",
    `${lib}/*`,
    "org.apache.cassandra.service.CassandraDaemon",
  ];
  log(`Cassandra ${CASSANDRA_VERSION}: starting on 127.0.0.1:${port} (log: ${join(dir, "system.log")})`);
  const started = startProcess(java17(), args, { cwd: dir, logFile: join(dir, "stdout.log") });
  await waitFor(`Cassandra on 127.0.0.1:${port} (see ${join(dir, "system.log")} and stdout.log)`, async () => (await isPortOpen(port)) && (await probe(port)), {
    timeoutMs: 180_000,
    alive: started.alive,
    intervalMs: 1000,
  });
  log(`Cassandra ${CASSANDRA_VERSION}: ready`);
  return { env, started };
}
