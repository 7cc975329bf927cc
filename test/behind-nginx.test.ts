// The distributed mode behind nginx on the shipped deploy/nginx/livecomments.conf: the whole
// public API suite through it, and clients on different addresses behind it limited apart.
import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startDistributedSystem } from "../harness/distributed-system.js";
import type { DistributedSystem } from "../harness/distributed-system.js";
import { ApiClient } from "../harness/http-client.js";
import { startNginx } from "../harness/nginx.js";
import type { RunningNginx } from "../harness/nginx.js";
import { httpExchange } from "../harness/raw-http.js";
import type { HttpAnswer } from "../harness/raw-http.js";
import type { SystemUnderTest } from "../harness/system.js";
import { apiSuite } from "./api-suite.js";

/** nginx connects to the roles from loopback: that is the proxy they trust. */
const BEHIND_NGINX = { LC_TRUSTED_PROXIES: "127.0.0.1" };

async function startBehindNginx(
  env: Record<string, string>,
): Promise<SystemUnderTest & { readonly nginx: RunningNginx; readonly roles: DistributedSystem["roles"] }> {
  const system = await startDistributedSystem({ ...BEHIND_NGINX, ...env });
  let nginx: RunningNginx;
  try {
    nginx = await startNginx(system.http);
  } catch (error) {
    await system.stop();
    throw error;
  }
  return {
    ...system,
    http: { ingest: nginx.url, edge: nginx.url, archive: nginx.url },
    ops: system.http,
    nginx,
    async stop() {
      await nginx.stop();
      await system.stop();
    },
  };
}

apiSuite("distributed, behind nginx (deploy/nginx/livecomments.conf)", () => startBehindNginx({}));

describe("clients behind nginx", () => {
  let deployment: Awaited<ReturnType<typeof startBehindNginx>>;
  let api: ApiClient;
  beforeAll(async () => {
    deployment = await startBehindNginx({ LC_IP_BURST: "3", LC_IP_RATE_PER_SEC: "0.001", LC_USER_BURST: "1000", LC_MAX_VIEWERS_PER_IP: "2" });
    api = new ApiClient(deployment.http, deployment.jwtSecret);
  });
  afterAll(() => deployment?.stop());

  it("should give two clients on different addresses their own rate limits", async () => {
    const streamId = await api.createStream();
    const post = async (localAddress: string, i: number) =>
      (
        await httpExchange(`${deployment.nginx.url}/v1/streams/${streamId}/comments`, {
          method: "POST",
          headers: { authorization: `Bearer ${await api.token(`user-${localAddress}-${i}`)}`, "content-type": "application/json" },
          body: JSON.stringify({ text: `from ${localAddress}` }),
          localAddress,
        })
      ).status;
    const statuses = async (localAddress: string) => {
      const answers: number[] = [];
      for (let i = 0; i < 4; i++) answers.push(await post(localAddress, i));
      return answers;
    };
    assert.deepEqual(await statuses("127.0.0.2"), [202, 202, 202, 429]);
    assert.deepEqual(await statuses("127.0.0.3"), [202, 202, 202, 429], "the second client is not held back by the first");
  });

  it("should give two clients on different addresses their own viewer limits", async () => {
    const streamId = await api.createStream();
    const open: (HttpAnswer & { close(): void })[] = [];
    const watch = async (localAddress: string) => {
      const answer = await httpExchange(`${deployment.nginx.url}/v1/streams/${streamId}/comments/subscribe?batch_ms=0`, {
        headers: { accept: "text/event-stream" },
        untilHead: true,
        localAddress,
      });
      if (answer.status === 200) open.push(answer);
      else answer.close();
      return answer.status;
    };
    try {
      assert.deepEqual([await watch("127.0.0.2"), await watch("127.0.0.2"), await watch("127.0.0.2")], [200, 200, 429]);
      assert.deepEqual([await watch("127.0.0.3"), await watch("127.0.0.3")], [200, 200], "the second client is not held back by the first");
    } finally {
      for (const answer of open) answer.close();
    }
  });
});
