// TLS on the HTTP port (HTTP/2 by ALPN, HTTP/1.1, the raw SSE path) and the gRPC port, client
// certificates, and edges dialing a TLS relay with their own relay:subscribe token.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";
import { Metadata, credentials } from "@grpc/grpc-js";
import type { ChannelCredentials, ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createGrpcClient } from "../core/grpc/grpc-client.js";
import { CommentService } from "../gen/livecomments/v1/comment_service_pb.js";
import { makeTestCertificates } from "../harness/certificates.js";
import type { TestCertificates } from "../harness/certificates.js";
import { startDistributedSystem } from "../harness/distributed-system.js";
import type { DistributedSystem } from "../harness/distributed-system.js";
import { startEmbeddedSystem } from "../harness/embedded-system.js";
import type { EmbeddedSystem } from "../harness/embedded-system.js";
import { ApiClient } from "../harness/http-client.js";
import { httpExchange, readResponseHead } from "../harness/raw-http.js";

const certs: TestCertificates = makeTestCertificates();
const ca = readFileSync(certs.caFile);
const client = { cert: readFileSync(certs.clientCertFile), key: readFileSync(certs.clientKeyFile) };
const SERVER_TLS = { LC_TLS_CERT_FILE: certs.serverCertFile, LC_TLS_KEY_FILE: certs.serverKeyFile };
afterAll(() => certs.dispose());

/** The outcome of a TLS handshake with `port`: "h2" / "http/1.1" as ALPN chose, or "refused". */
function handshake(port: number, options: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ...options, ALPNProtocols: ["h2", "http/1.1"] }, () => {
      // With TLS 1.3 a refused client certificate is reported after the handshake: wait for it.
      const protocol = String(socket.alpnProtocol);
      setTimeout(() => {
        resolve(socket.destroyed ? "refused" : protocol);
        socket.destroy();
      }, 300);
    });
    socket.on("error", () => resolve("refused"));
  });
}

/** CommentService.PostComment over gRPC with `channel`: "ok" or the status code. */
async function grpcPost(address: string, channel: ChannelCredentials, token: string, streamId: string): Promise<number | "ok"> {
  const grpc = createGrpcClient(CommentService, address, {}, channel);
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  try {
    return await grpc.postComment({ streamId, text: "over gRPC and TLS" }, metadata).then(
      () => "ok" as const,
      (error: ServiceError) => error.code,
    );
  } finally {
    grpc.close();
  }
}

describe("TLS on both ports (one process)", () => {
  let system: EmbeddedSystem;
  let api: ApiClient;
  let port: number;
  beforeAll(async () => {
    system = await startEmbeddedSystem({ env: SERVER_TLS });
    api = new ApiClient(system.http, system.jwtSecret);
    port = Number(new URL(system.http.ingest).port);
  });
  afterAll(async () => {
    await system?.stop();
    system?.dispose();
  });

  it("should print https addresses and serve HTTP/2 by ALPN and HTTP/1.1, verified against the CA", async () => {
    assert.match(system.http.ingest, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await handshake(port, { ca }), "h2");
    assert.equal(await handshake(port, { ca: readFileSync(certs.otherCaFile) }), "refused", "a client trusting another CA");
    for (const http2 of [false, true]) {
      const health = await httpExchange(`${system.http.ingest}/healthz`, { tls: { ca }, http2 });
      assert.equal(health.status, 200);
    }
    const plaintext = await httpExchange(`http://127.0.0.1:${port}/healthz`).then(
      (answer) => answer.status,
      () => "no answer",
    );
    assert.notEqual(plaintext, 200, "a plaintext request is not served");
  });

  it("should post, watch over SSE on the raw socket, and post over gRPC, all over TLS", async () => {
    const admin = await api.token("admin", "streams:admin");
    const created = await httpExchange(`${system.http.ingest}/v1/streams`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ stream_id: "tls-stream" }),
      tls: { ca },
    });
    assert.equal(created.status, 201, created.text);
    // SSE: HTTP/1.1 over TLS reaches the raw path, whose bytes are checked as they come.
    const received: Buffer[] = [];
    const socket = tlsConnect({ host: "127.0.0.1", port, ca, ALPNProtocols: ["http/1.1"] }, () =>
      socket.write("GET /v1/streams/tls-stream/comments/subscribe?batch_ms=0 HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"),
    );
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    try {
      const text = () => Buffer.concat(received).toString("utf8");
      for (const deadline = Date.now() + 5_000; !readResponseHead(text()) && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(readResponseHead(text())?.headers.get("content-type"), "text/event-stream; charset=utf-8");
      const posted = await httpExchange(`${system.http.ingest}/v1/streams/tls-stream/comments`, {
        method: "POST",
        headers: { authorization: `Bearer ${await api.token("alice")}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "over HTTPS" }),
        tls: { ca },
        http2: true,
      });
      assert.equal(posted.status, 202, posted.text);
      assert.equal(await grpcPost(system.grpc.ingest, credentials.createSsl(ca), await api.token("bob"), "tls-stream"), "ok");
      for (const deadline = Date.now() + 5_000; !text().includes("over gRPC and TLS") && Date.now() < deadline;)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.match(text(), /"text":"over HTTPS"[\s\S]*"text":"over gRPC and TLS"/);
    } finally {
      socket.destroy();
    }
    assert.notEqual(await grpcPost(system.grpc.ingest, credentials.createInsecure(), await api.token("bob"), "tls-stream"), "ok", "plaintext gRPC is refused");
  });
});

describe("client certificates (LC_TLS_CLIENT_CA_FILE)", () => {
  let system: EmbeddedSystem;
  beforeAll(async () => {
    system = await startEmbeddedSystem({ env: { ...SERVER_TLS, LC_TLS_CLIENT_CA_FILE: certs.caFile } });
  });
  afterAll(async () => {
    await system?.stop();
    system?.dispose();
  });

  it("should serve only clients presenting a certificate the CA signed, on both ports", async () => {
    const port = Number(new URL(system.http.ingest).port);
    assert.equal(await handshake(port, { ca }), "refused", "no client certificate");
    assert.equal(await handshake(port, { ca, ...client }), "h2");
    const health = await httpExchange(`${system.http.ingest}/healthz`, { tls: { ca, ...client } });
    assert.equal(health.status, 200);
    const api = new ApiClient(system.http, system.jwtSecret);
    const token = await api.token("carol");
    assert.notEqual(await grpcPost(system.grpc.ingest, credentials.createSsl(ca), token, "none"), "ok", "gRPC without a client certificate");
    // Past TLS the request is served: the stream does not exist (NOT_FOUND = 5).
    assert.equal(await grpcPost(system.grpc.ingest, credentials.createSsl(ca, client.key, client.cert), token, "none"), 5);
  });
});

describe("edges on a TLS relay that verifies them (distributed)", () => {
  let system: DistributedSystem;
  beforeAll(async () => {
    system = await startDistributedSystem({
      ...SERVER_TLS,
      LC_TLS_CLIENT_CA_FILE: certs.caFile,
      LC_RELAY_TLS_CA_FILE: certs.caFile,
      LC_RELAY_TLS_CERT_FILE: certs.clientCertFile,
      LC_RELAY_TLS_KEY_FILE: certs.clientKeyFile,
    });
  });
  afterAll(() => system?.stop());

  it("should deliver comments through a relay reached over mutual TLS with the edge's own token", async () => {
    const api = new ApiClient(system.http, system.jwtSecret);
    const tls = { ca, ...client };
    const admin = await api.token("admin", "streams:admin");
    const created = await httpExchange(`${system.http.ingest}/v1/streams`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({}),
      tls,
    });
    assert.equal(created.status, 201, created.text);
    const streamId = JSON.parse(created.text).stream_id as string;
    const ready = await httpExchange(`${system.http.edge}/readyz`, { tls });
    assert.equal(ready.status, 200, ready.text);
    assert.match(ready.text, /"relay":"ok"/);
    // A poll without a cursor waits for the next comment, which reaches it through the relay.
    const polling = httpExchange(`${system.http.edge}/v1/streams/${streamId}/comments/poll?timeout_ms=10000`, { tls });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const posted = await httpExchange(`${system.http.ingest}/v1/streams/${streamId}/comments`, {
      method: "POST",
      headers: { authorization: `Bearer ${await api.token("dave")}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "through the TLS relay" }),
      tls,
    });
    assert.equal(posted.status, 202, posted.text);
    const polled = await polling;
    assert.equal(polled.status, 200, polled.text);
    assert.deepEqual(
      (JSON.parse(polled.text).comments as { text: string }[]).map((comment) => comment.text),
      ["through the TLS relay"],
    );
  });
});
