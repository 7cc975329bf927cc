// Apache Kafka 3.9 in KRaft mode, one combined broker+controller (on loopback unless told), from Maven jars.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { EngineError, isPortOpen, log, mavenRuntime, startProcess, waitFor } from "./util.mjs";

/**
 * The broker version the project runs and tests kafkajs 2.2.4 against: the 3.9 line is the
 * last before KIP-896 removed old protocol versions, so every API kafkajs speaks is served.
 */
export const KAFKA_VERSION = "3.9.1";

/**
 * A cluster id as Kafka's own Uuid.randomUuid makes it: 16 random bytes in base64url, never one
 * beginning with "-", which the storage tool's argument parser would read as an option.
 */
export function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

async function describe(brokers) {
  const admin = new Kafka({ clientId: "engines-probe", brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Uses a Kafka already on the port, or starts one; resolves with how to reach and stop it.
 * With `secured` ({ saslPort, certFile, keyFile, scramUsers, plainUsers }: PEM files, lists of
 * { name, password }) the broker it starts also listens for SASL_SSL on `saslPort` (TLS from the
 * PEM files, no Java keystore; SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN logins, SCRAM users made
 * at format time): what a managed Kafka asks of its clients. `controllerPort` defaults to
 * `port` + 10001. `host` is the address it listens on and advertises; `launcher` a command
 * prefix that runs it elsewhere (a network namespace of the fault suite's). With `cluster`
 * ({ nodeId, voters: ["<id>@<host>:<controllerPort>", ...], clusterId }) it is one node of a
 * cluster of several, started together: internal topics are replicated to every node, and a
 * write with acks=all needs two replicas (min.insync.replicas 2).
 */
export async function ensureKafka({ port, runDir, controllerPort = port + 10_001, secured, host = "127.0.0.1", launcher = [], cluster }) {
  const brokers = [`${host}:${port}`];
  if (!secured && (await isPortOpen(port, host))) {
    if (await describe(brokers).catch(() => false)) {
      log(`Kafka: using the broker already on ${host}:${port}`);
      return { env: { LC_KAFKA_BROKERS: brokers.join(",") }, started: undefined };
    }
    throw new EngineError(`Kafka: port ${port} is taken by something that does not answer as Kafka`);
  }
  const lib = mavenRuntime(`kafka-${KAFKA_VERSION}`, [
    ["org.apache.kafka", "kafka_2.13", KAFKA_VERSION],
    ["ch.qos.reload4j", "reload4j", "1.2.25"],
    ["org.slf4j", "slf4j-reload4j", "1.7.36"],
  ]);
  const nodeId = cluster?.nodeId ?? 1;
  const nodes = cluster?.voters.length ?? 1;
  const dir = join(runDir, secured ? "kafka-secured" : nodeId === 1 ? "kafka" : `kafka-${nodeId}`);
  mkdirSync(dir, { recursive: true });
  const properties = join(dir, "server.properties");
  const saslSsl = secured ? securedListener(dir, secured) : undefined;
  writeFileSync(
    properties,
    [
      "process.roles=broker,controller",
      `node.id=${nodeId}`,
      `controller.quorum.voters=${cluster ? cluster.voters.join(",") : `1@${host}:${controllerPort}`}`,
      `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}${saslSsl ? `,SASL_SSL://${host}:${secured.saslPort}` : ""}`,
      `advertised.listeners=PLAINTEXT://${host}:${port}${saslSsl ? `,SASL_SSL://${host}:${secured.saslPort}` : ""}`,
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=PLAINTEXT",
      `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${saslSsl ? ",SASL_SSL:SASL_SSL" : ""}`,
      ...(saslSsl ?? []),
      `log.dirs=${join(dir, "data")}`,
      "num.partitions=1",
      // Internal topics on every node (one broker: replication factor 1, or groups never form).
      `offsets.topic.replication.factor=${nodes}`,
      "offsets.topic.num.partitions=1",
      `transaction.state.log.replication.factor=${nodes}`,
      `transaction.state.log.min.isr=${Math.min(2, nodes)}`,
      `min.insync.replicas=${Math.min(2, nodes)}`,
      "transaction.state.log.num.partitions=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=false",
      "",
    ].join("\n"),
  );
  const log4j = join(dir, "log4j.properties");
  writeFileSync(
    log4j,
    [
      "log4j.rootLogger=INFO, file",
      "log4j.appender.file=org.apache.log4j.FileAppender",
      `log4j.appender.file.File=${join(dir, "server.log")}`,
      "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
      "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
      "",
    ].join("\n"),
  );
  const classpath = `${lib}/*`;
  const jvm = ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true", `-Dlog4j.configuration=file:${log4j}`];
  // A restart on the same folder (the fault suite's) keeps its log: format only a new one.
  if (!existsSync(join(dir, "data", "meta.properties"))) {
    const clusterId = cluster?.clusterId ?? newClusterId();
    try {
      // SCRAM credentials live in the cluster metadata: KRaft takes them at format time (KIP-900).
      const scram = (secured?.scramUsers ?? []).flatMap(({ name, password }) =>
        ["SCRAM-SHA-512", "SCRAM-SHA-256"].flatMap((mechanism) => ["--add-scram", `${mechanism}=[name=${name},password=${password}]`]),
      );
      execFileSync("java", [...jvm, "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", properties, ...scram], { stdio: "pipe" });
    } catch (error) {
      throw new EngineError(`Kafka: formatting the storage failed: ${error.stderr?.toString() || error.message}`);
    }
  }
  log(`Kafka ${KAFKA_VERSION}: starting on ${host}:${port} (log: ${join(dir, "server.log")})`);
  const started = startProcess("java", [...jvm, "-cp", classpath, "kafka.Kafka", properties], { cwd: dir, logFile: join(dir, "stdout.log"), launcher });
  await waitFor(`Kafka on ${host}:${port} (see ${join(dir, "server.log")})`, async () => (await isPortOpen(port, host)) && (await describe(brokers)), {
    timeoutMs: 90_000,
    alive: started.alive,
    started,
  });
  log(`Kafka ${KAFKA_VERSION}: ready${secured ? ` (SASL_SSL on 127.0.0.1:${secured.saslPort})` : ""}`);
  return { env: { LC_KAFKA_BROKERS: brokers.join(","), LC_KAFKA_VERSION: KAFKA_VERSION }, started };
}

/** server.properties lines of the SASL_SSL listener; writes its PEM keystore (key, then chain). */
function securedListener(dir, { certFile, keyFile, plainUsers = [] }) {
  const keystore = join(dir, "keystore.pem");
  writeFileSync(keystore, readFileSync(keyFile, "utf8") + readFileSync(certFile, "utf8"));
  const plain = plainUsers.map(({ name, password }) => `user_${name}="${password}"`).join(" ");
  return [
    "sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN",
    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
    "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plain};`,
    "listener.name.sasl_ssl.ssl.keystore.type=PEM",
    `listener.name.sasl_ssl.ssl.keystore.location=${keystore}`,
  ];
}
