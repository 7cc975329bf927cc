import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { CorsPolicy } from "./cors.js";

describe("CorsPolicy", () => {
  it("should answer a listed origin with itself, Vary, the exposed headers and credentials", () => {
    const headers = new CorsPolicy(["https://www.example.com", "http://127.0.0.2:8080"]).responseHeaders("https://www.example.com");
    assert.equal(headers["access-control-allow-origin"], "https://www.example.com");
    assert.equal(headers.vary, "origin");
    assert.match(headers["access-control-expose-headers"]!, /retry-after/);
    assert.match(headers["access-control-expose-headers"]!, /etag/);
    assert.equal(headers["access-control-allow-credentials"], "true");
  });

  it("should give an origin not listed no CORS headers, and nothing at all without a policy", () => {
    const policy = new CorsPolicy(["https://www.example.com"]);
    assert.deepEqual(policy.responseHeaders("https://evil.example"), { vary: "origin" });
    assert.deepEqual(policy.responseHeaders(undefined), {});
    assert.deepEqual(new CorsPolicy([]).responseHeaders("https://www.example.com"), {});
    assert.equal(policy.preflightHeaders("https://evil.example", ["GET"])["access-control-allow-methods"], undefined);
  });

  it("should allow any well-formed origin with *, without credentials", () => {
    const headers = new CorsPolicy(["*"]).responseHeaders("https://anywhere.example");
    assert.equal(headers["access-control-allow-origin"], "https://anywhere.example");
    assert.equal(headers["access-control-allow-credentials"], undefined);
    assert.deepEqual(new CorsPolicy(["*"]).responseHeaders("null"), { vary: "origin" });
  });

  it("should answer a preflight with the methods, the request headers the API reads and a max age", () => {
    const headers = new CorsPolicy(["https://www.example.com"]).preflightHeaders("https://www.example.com", ["POST", "OPTIONS"]);
    assert.equal(headers["access-control-allow-methods"], "POST, OPTIONS");
    for (const name of ["authorization", "content-type", "idempotency-key", "last-event-id"])
      assert.match(headers["access-control-allow-headers"]!, new RegExp(name));
    assert.ok(Number(headers["access-control-max-age"]) > 0);
  });

  it("should refuse entries that are not origins", () => {
    for (const bad of ["www.example.com", "https://example.com/", "https://example.com/path", "ftp://example.com", "https://a b"]) {
      assert.throws(() => new CorsPolicy([bad]), /not an origin/, bad);
    }
  });
});
