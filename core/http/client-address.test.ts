import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { TrustedProxies } from "./client-address.js";

describe("TrustedProxies", () => {
  const proxies = new TrustedProxies(["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]);

  it("should take the peer when the peer is no trusted proxy, whatever the headers say", () => {
    assert.equal(proxies.clientAddress("203.0.113.5", { xForwardedFor: "198.51.100.1" }), "203.0.113.5");
    assert.equal(proxies.clientAddress("::ffff:203.0.113.5", { forwarded: "for=198.51.100.1" }), "203.0.113.5");
    assert.equal(new TrustedProxies([]).clientAddress("10.1.1.1", { xForwardedFor: "198.51.100.1" }), "10.1.1.1");
  });

  it("should take the rightmost X-Forwarded-For address that is not a trusted proxy", () => {
    assert.equal(proxies.clientAddress("10.0.0.2", { xForwardedFor: "198.51.100.1" }), "198.51.100.1");
    // A client's own forged entries stand left of what the proxies appended.
    assert.equal(proxies.clientAddress("10.0.0.2", { xForwardedFor: "1.1.1.1, 198.51.100.1, 10.9.9.9, 192.0.2.7" }), "198.51.100.1");
    assert.equal(proxies.clientAddress("::ffff:10.0.0.2", { xForwardedFor: "2001:db9::1, 2001:db8::5" }), "2001:db9::1");
  });

  it("should read Forwarded for= only without X-Forwarded-For, with ports, brackets and quotes", () => {
    assert.equal(proxies.clientAddress("10.0.0.2", { forwarded: 'for=198.51.100.9;proto=https, for="[2001:db9::7]:4711"' }), "2001:db9::7");
    assert.equal(proxies.clientAddress("10.0.0.2", { forwarded: "for=198.51.100.9:8080;by=10.0.0.2" }), "198.51.100.9");
    assert.equal(proxies.clientAddress("10.0.0.2", { xForwardedFor: "198.51.100.1", forwarded: "for=198.51.100.9" }), "198.51.100.1");
  });

  it("should answer unknown for a hop that names no address, and the farthest proxy when all are trusted", () => {
    assert.equal(proxies.clientAddress("10.0.0.2", { forwarded: "for=unknown" }), "unknown");
    assert.equal(proxies.clientAddress("10.0.0.2", { xForwardedFor: "evil<script>" }), "unknown");
    assert.equal(proxies.clientAddress("10.0.0.2", { xForwardedFor: "10.3.3.3, 192.0.2.7" }), "10.3.3.3");
    assert.equal(proxies.clientAddress("10.0.0.2", {}), "10.0.0.2");
    assert.equal(proxies.clientAddress("10.0.0.2", { xForwardedFor: " , " }), "10.0.0.2");
  });

  it("should refuse an entry that is neither an address nor a CIDR", () => {
    for (const bad of ["example.com", "10.0.0.0/33", "2001:db8::/129", "10.0.0.1/8/8", "10.0.0.0/x"]) {
      assert.throws(() => new TrustedProxies([bad]), /not an IP address or CIDR/, bad);
    }
  });
});
