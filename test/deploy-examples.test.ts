// The deployment examples stay runnable: every variable they set is one Live Comments reads
// and validates, every role they start exists, every probe asks a route or gRPC service the
// roles serve, and every container states its resources.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "vitest";
import { parseAllDocuments } from "yaml";
import { FanoutRelay } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { ROLE_NAMES, effectiveConfig, knownVariables } from "../app/effective-config.js";
import type { RoleName } from "../app/effective-config.js";
import { OPENAPI_DOCUMENT } from "../app/openapi.js";
import { PROJECT_ROOT } from "../harness/project-root.js";

const DEPLOY = join(PROJECT_ROOT, "deploy");
const documentedPaths = Object.keys((OPENAPI_DOCUMENT as { paths: Record<string, unknown> }).paths);
const servedGrpc = new Set(["", FanoutRelay.typeName, "livecomments.v1.CommentService", "livecomments.v1.StreamService"]);

type Node = Record<string, unknown>;
const read = (file: string): Node[] => parseAllDocuments(readFileSync(file, "utf8"), { merge: true }).map((doc) => doc.toJS({ maxAliasCount: 100 }) as Node);
const isRole = (value: unknown): value is RoleName => (ROLE_NAMES as readonly unknown[]).includes(value);

/** Checks one role's environment: known names only, and a configuration that validates. */
function checkEnvironment(where: string, role: RoleName, env: Record<string, string>): void {
  const known = knownVariables();
  for (const name of Object.keys(env)) if (name.startsWith("LC_")) assert.ok(known.has(name), `${where}: ${name} is read by nothing`);
  assert.doesNotThrow(() => effectiveConfig(env, role), `${where}: the configuration validates`);
}

test("should keep the Kubernetes manifests in step with the configuration, routes and services", () => {
  const dir = join(DEPLOY, "kubernetes");
  const objects = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => read(join(dir, f)).map((object) => ({ file: f, object })));
  const configMap = objects.find(({ object }) => object.kind === "ConfigMap")!.object.data as Record<string, string>;
  const secret = objects.find(({ object }) => object.kind === "Secret")!.object.stringData as Record<string, string>;
  const deployments = objects.filter(({ object }) => object.kind === "Deployment");
  assert.deepEqual(
    deployments.map(({ object }) => ((object.spec as Node).template as { spec: { containers: { args: string[] }[] } }).spec.containers[0]!.args[0]).sort(),
    ["archive", "edge", "ingest", "relay"],
  );
  for (const { file, object } of deployments) {
    const container = ((object.spec as Node).template as { spec: { containers: Node[] } }).spec.containers[0]!;
    const role = (container.args as string[])[0];
    assert.ok(isRole(role), `${file}: ${role} is a role`);
    const env = { ...configMap, ...secret, ...Object.fromEntries(((container.env ?? []) as { name: string; value: string }[]).map((e) => [e.name, e.value])) };
    checkEnvironment(file, role, env);
    const resources = container.resources as { requests?: Node; limits?: Node };
    assert.ok(resources?.requests?.cpu && resources.requests.memory && resources.limits?.memory, `${file}: requests and a memory limit`);
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe] as (
      { httpGet?: { path: string }; grpc?: { service?: string } } | undefined
    )[]) {
      assert.ok(probe, `${file}: readiness, liveness and startup probes`);
      if (probe.httpGet) assert.ok(documentedPaths.includes(probe.httpGet.path), `${file}: ${probe.httpGet.path} is a documented route`);
      if (probe.grpc) assert.ok(servedGrpc.has(probe.grpc.service ?? ""), `${file}: gRPC service ${probe.grpc.service} is served`);
    }
    // A restricted pod: not root, no privilege escalation, nothing written to the image.
    const pod = ((object.spec as Node).template as { spec: { securityContext?: Node } }).spec.securityContext;
    assert.equal(pod?.runAsNonRoot, true, `${file}: runAsNonRoot`);
    assert.deepEqual(pod?.seccompProfile, { type: "RuntimeDefault" }, `${file}: seccomp`);
    assert.deepEqual(
      container.securityContext,
      { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
      `${file}: container securityContext`,
    );
    const labels = ((object.spec as Node).selector as { matchLabels: Node }).matchLabels;
    const budget = objects.find(
      ({ object: other }) => other.kind === "PodDisruptionBudget" && JSON.stringify((other.spec as Node).selector) === JSON.stringify({ matchLabels: labels }),
    );
    assert.ok(budget, `${file}: a PodDisruptionBudget selects the ${role} pods`);
  }
});

test("should build the image on Node.js 24 with a HEALTHCHECK the command line answers", () => {
  const dockerfile = readFileSync(join(DEPLOY, "..", "Dockerfile"), "utf8");
  const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
  assert.deepEqual(bases, ["node:24-bookworm-slim", "node:24-bookworm-slim"]);
  const healthcheck = /^HEALTHCHECK .* CMD \["node", "dist\/app\/main\.js", "([a-z]+)"\]$/m.exec(dockerfile);
  assert.ok(healthcheck, "a HEALTHCHECK running the command line");
  assert.equal(healthcheck[1], "healthcheck");
});

test("should label the image with the package's source, version and licence (OCI)", () => {
  const dockerfile = readFileSync(join(DEPLOY, "..", "Dockerfile"), "utf8");
  const manifest = JSON.parse(readFileSync(join(DEPLOY, "..", "package.json"), "utf8")) as { version: string; license: string; repository: { url: string } };
  const label = (name: string) => new RegExp(`org\\.opencontainers\\.image\\.${name}="([^"]*)"`).exec(dockerfile)?.[1];
  assert.equal(label("version"), "${VERSION}");
  assert.equal(/^ARG VERSION=(\S+)$/m.exec(dockerfile)?.[1], manifest.version, "the image's default version is the package's");
  assert.equal(label("licenses"), manifest.license);
  assert.equal(label("source"), manifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, ""));
});

test("should keep the compose file in step with the configuration", () => {
  const [compose] = read(join(DEPLOY, "compose.yaml")) as [
    { services: Record<string, { command?: string[]; environment?: Record<string, string>; image?: string }> },
  ];
  const roles = Object.entries(compose.services).filter(([, service]) => service.image === "livecomments:local");
  assert.deepEqual(roles.map(([, service]) => service.command?.[0]).sort(), ["archive", "edge", "ingest", "relay"]);
  for (const [name, service] of roles) {
    const role = service.command![0];
    assert.ok(isRole(role));
    const env = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value).replace(/^\$\{LC_JWT_SECRET:\?.*\}$/, "a-secret")]),
    );
    checkEnvironment(`compose ${name}`, role, env);
  }
});

test("should monitor every role's Service with the Prometheus Operator, with the same alert rules as deploy/prometheus", () => {
  const dir = join(DEPLOY, "kubernetes");
  const objects = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => read(join(dir, f)));
  const monitor = objects.find((object) => object.kind === "ServiceMonitor");
  const rule = objects.find((object) => object.kind === "PrometheusRule");
  assert.ok(monitor && rule, "a ServiceMonitor and a PrometheusRule");
  const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
  assert.deepEqual(
    spec.endpoints.map((endpoint) => [endpoint.port, endpoint.path]),
    [["http", "/metrics"]],
  );
  assert.ok(documentedPaths.includes("/metrics"));
  const services = objects.filter((object) => object.kind === "Service");
  assert.deepEqual(services.map((service) => ((service.metadata as Node).labels as Record<string, string> | undefined)?.role).sort(), [
    "archive",
    "edge",
    "ingest",
    "relay",
  ]);
  for (const service of services) {
    const labels = ((service.metadata as Node).labels ?? {}) as Record<string, string>;
    const name = (service.metadata as Node).name as string;
    for (const [key, value] of Object.entries(spec.selector.matchLabels)) assert.equal(labels[key], value, `${name} is selected by the ServiceMonitor`);
    const ports = (service.spec as { ports: { name: string }[] }).ports;
    assert.ok(
      ports.some((port) => port.name === "http"),
      `${name} has the http port the ServiceMonitor scrapes`,
    );
  }
  const [rules] = read(join(DEPLOY, "prometheus", "alerts.yaml"));
  assert.deepEqual(rule.spec, rules, "the PrometheusRule carries alerts.yaml unchanged");
});
