// LC_TRUSTED_PROXIES and LC_CORS_ORIGINS (docs/deploying.md, behind proxies and across origins)
// on both modes, every role, HTTP/1.1 (node:http and the raw SSE path) and HTTP/2.
import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startDistributedSystem } from "../harness/distributed-system.js";
import { startEmbeddedSystem } from "../harness/embedded-system.js";
import { ApiClient } from "../harness/http-client.js";
import { httpExchange } from "../harness/raw-http.js";
import type { HttpAnswer } from "../harness/raw-http.js";
import type { SystemUnderTest } from "../harness/system.js";

const SITE = "https://site.example";
/** The test talks from 127.0.0.1, the trusted proxy, and from 127.0.0.2, which is not one. */
const PROXY = "127.0.0.1";
const NOT_A_PROXY = "127.0.0.2";
const ENV = {
  LC_TRUSTED_PROXIES: `${PROXY},::1`,
  LC_CORS_ORIGINS: `${SITE}, http://127.0.0.1:1`,
  // Small per-address limits, and per-user ones out of the way, so the address is what counts.
  LC_IP_BURST: "3",
  LC_IP_RATE_PER_SEC: "0.001",
  LC_USER_BURST: "1000",
  LC_MAX_VIEWERS_PER_IP: "2",
  LC_LOG: "debug",
};

interface Deployment {
  readonly system: SystemUnderTest;
  /** Everything the processes logged so far. */
  logs(): string;
}

function proxySuite(mode: string, start: () => Promise<Deployment>): void {
  describe(`behind proxies and across origins (${mode})`, () => {
    let deployment: Deployment;
    let api: ApiClient;
    let streamId: string;
    beforeAll(async () => {
      deployment = await start();
      api = new ApiClient(deployment.system.http, deployment.system.jwtSecret);
      streamId = await api.createStream();
    });
    afterAll(() => deployment?.system.stop());

    const post = async (from: { forwardedFor?: string; forwarded?: string; localAddress?: string; http2?: boolean }, user: string) =>
      httpExchange(api.url(`/v1/streams/${streamId}/comments`, "POST"), {
        method: "POST",
        headers: {
          authorization: `Bearer ${await api.token(user)}`,
          "content-type": "application/json",
          origin: SITE,
          ...(from.forwardedFor ? { "x-forwarded-for": from.forwardedFor } : {}),
          ...(from.forwarded ? { forwarded: from.forwarded } : {}),
        },
        body: JSON.stringify({ text: `from ${from.forwardedFor ?? from.forwarded ?? from.localAddress}` }),
        localAddress: from.localAddress ?? PROXY,
        ...(from.http2 ? { http2: true } : {}),
      });

    it("should give each client behind a trusted proxy its own rate limit, on HTTP/1.1 and HTTP/2, and log its address", async () => {
      const statuses = async (from: Parameters<typeof post>[0], count: number) => {
        const answers: number[] = [];
        for (let i = 0; i < count; i++) answers.push((await post(from, `poster-${i}`)).status);
        return answers;
      };
      assert.deepEqual(await statuses({ forwardedFor: "198.51.100.1" }, 4), [202, 202, 202, 429]);
      // The page that posted may read the answer, the refusal and its Retry-After.
      const refused = await post({ forwardedFor: "198.51.100.1", http2: true }, "poster-x");
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get("access-control-allow-origin"), SITE);
      assert.ok(Number(refused.headers.get("retry-after")) > 0);
      // Another client behind the same proxy, named by X-Forwarded-For (over HTTP/2) or Forwarded.
      assert.deepEqual(await statuses({ forwardedFor: "203.0.113.9, 198.51.100.2", http2: true }, 4), [202, 202, 202, 429]);
      assert.deepEqual(await statuses({ forwarded: 'for="[2001:db8::5]:443";proto=https' }, 1), [202]);
      // Logs are written asynchronously: give the last lines a moment.
      for (const deadline = Date.now() + 5_000; !deployment.logs().includes('"client":"2001:db8::5"') && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const logs = deployment.logs();
      assert.match(logs, /"client":"198\.51\.100\.2"/, "the comment's log line names the client behind the proxy");
      assert.match(logs, /"client":"2001:db8::5"/);
    });

    it("should ignore X-Forwarded-For from a peer that is not a trusted proxy", async () => {
      const answers: number[] = [];
      // Each post claims another address; all come from 127.0.0.2, which is what counts.
      for (let i = 0; i < 4; i++) answers.push((await post({ forwardedFor: `192.0.2.${i + 1}`, localAddress: NOT_A_PROXY }, `spoofer-${i}`)).status);
      assert.deepEqual(answers, [202, 202, 202, 429]);
    });

    it("should count viewers per client address behind the proxy, on the raw SSE path and on HTTP/2", async () => {
      const open: (HttpAnswer & { close(): void })[] = [];
      const watch = async (forwardedFor: string, http2 = false) => {
        const answer = await httpExchange(api.url(`/v1/streams/${streamId}/comments/subscribe`), {
          headers: { accept: "text/event-stream", "x-forwarded-for": forwardedFor },
          untilHead: true,
          localAddress: PROXY,
          http2,
        });
        if (answer.status === 200) open.push(answer);
        else answer.close();
        return answer.status;
      };
      try {
        assert.equal(await watch("198.51.100.20"), 200);
        assert.equal(await watch("198.51.100.20", true), 200);
        assert.equal(await watch("198.51.100.20"), 429, "a third stream from the same client");
        assert.equal(await watch("198.51.100.20", true), 429);
        assert.equal(await watch("198.51.100.21"), 200, "another client behind the same proxy");
      } finally {
        for (const answer of open) answer.close();
      }
    });

    it("should answer an allowed origin with CORS headers on every role and path, and another origin with none", async () => {
      const paths = [
        ["ingest", "/healthz"],
        ["edge", `/v1/streams/${streamId}/viewers`],
        ["archive", `/v1/streams/${streamId}`],
        ["archive", `/v1/streams/${streamId}/comments?start_time=0&duration=60`],
      ] as const;
      for (const [role, path] of paths) {
        for (const http2 of [false, true]) {
          const allowed = await httpExchange(deployment.system.http[role] + path, { headers: { origin: SITE }, http2 });
          assert.equal(allowed.status, 200, `${role} ${path}`);
          assert.equal(allowed.headers.get("access-control-allow-origin"), SITE, `${role} over ${http2 ? "HTTP/2" : "HTTP/1.1"}`);
          assert.match(allowed.headers.get("vary") ?? "", /origin/i);
          assert.match(allowed.headers.get("access-control-expose-headers") ?? "", /retry-after.*etag|etag.*retry-after/);
          const other = await httpExchange(deployment.system.http[role] + path, { headers: { origin: "https://evil.example" }, http2 });
          assert.equal(other.headers.get("access-control-allow-origin"), null);
        }
      }
      // The SSE stream on its raw socket carries them too.
      const stream = await httpExchange(api.url(`/v1/streams/${streamId}/comments/subscribe`), { headers: { origin: SITE }, untilHead: true });
      stream.close();
      assert.equal(stream.status, 200);
      assert.equal(stream.headers.get("content-type"), "text/event-stream; charset=utf-8");
      assert.equal(stream.headers.get("access-control-allow-origin"), SITE);
      assert.equal(stream.headers.get("access-control-allow-credentials"), "true");
      // A refusal the page must be able to read (its code, its Retry-After).
      const refused = await httpExchange(api.url(`/v1/streams/nope-nope/comments/subscribe`), { headers: { origin: SITE } });
      assert.equal(refused.status, 404);
      assert.equal(refused.headers.get("access-control-allow-origin"), SITE);
    });

    it("should answer preflights from an allowed origin with 204, the route's methods and the headers the API reads", async () => {
      const preflight = (path: string, method: string, origin = SITE, http2 = false) =>
        httpExchange(api.url(path, method), {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": method, "access-control-request-headers": "authorization, content-type, idempotency-key" },
          http2,
        });
      for (const http2 of [false, true]) {
        const posting = await preflight(`/v1/streams/${streamId}/comments`, "POST", SITE, http2);
        assert.equal(posting.status, 204);
        assert.equal(posting.headers.get("access-control-allow-origin"), SITE);
        assert.match(posting.headers.get("access-control-allow-methods") ?? "", /\bPOST\b/);
        for (const name of ["authorization", "content-type", "idempotency-key", "last-event-id"]) {
          assert.match(posting.headers.get("access-control-allow-headers") ?? "", new RegExp(name));
        }
        assert.ok(Number(posting.headers.get("access-control-max-age")) > 0);
      }
      const watching = await preflight(`/v1/streams/${streamId}/comments/subscribe`, "GET");
      assert.equal(watching.status, 204);
      assert.match(watching.headers.get("access-control-allow-methods") ?? "", /\bGET\b/);
      const playback = await httpExchange(`${deployment.system.http.archive}/livecomments.v1.PlaybackService/GetWindow`, {
        method: "OPTIONS",
        headers: { origin: SITE, "access-control-request-method": "POST" },
      });
      assert.equal(playback.status, 204);
      assert.match(playback.headers.get("access-control-allow-methods") ?? "", /\bPOST\b/);
      const refused = await preflight(`/v1/streams/${streamId}/comments`, "POST", "https://evil.example");
      assert.equal(refused.headers.get("access-control-allow-origin"), null);
      assert.equal(refused.headers.get("access-control-allow-methods"), null);
      const unknown = await preflight("/v1/nothing-here", "GET");
      assert.equal(unknown.status, 404);
    });
  });
}

proxySuite("embedded", async () => {
  const system = await startEmbeddedSystem({ env: ENV });
  return { system: { ...system, stop: async () => (await system.stop(), system.dispose()) }, logs: () => system.output() };
});

proxySuite("distributed", async () => {
  const system = await startDistributedSystem(ENV);
  return {
    system,
    logs: () =>
      Object.values(system.roles)
        .map((role) => role.output())
        .join("\n"),
  };
});

describe("configuration of proxies and origins", () => {
  it("should refuse a bad LC_TRUSTED_PROXIES or LC_CORS_ORIGINS at start, naming it", async () => {
    for (const [name, value] of [
      ["LC_TRUSTED_PROXIES", "10.0.0.0/99"],
      ["LC_CORS_ORIGINS", "www.example.com"],
    ] as const) {
      const failed = await startEmbeddedSystem({ env: { [name]: value } }).then(
        async (system) => (await system.stop(), system.dispose(), undefined),
        (error: unknown) => String(error),
      );
      assert.ok(failed, `${name}=${value} was accepted`);
      assert.match(failed, new RegExp(`${name}: not an`));
    }
  });
});
