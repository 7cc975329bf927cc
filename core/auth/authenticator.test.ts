import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { afterAll, beforeAll, test } from "vitest";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import type { JWK } from "jose";
import { LcError } from "../errors.js";
import { createJwtAuthenticator } from "./authenticator.js";

const secret = "shared-secret-for-hs256-tests";
let server: Server;
let jwksUrl = "";
const published: JWK[] = [];
let fetches = 0;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let ec: Awaited<ReturnType<typeof generateKeyPair>>;
let rotated: Awaited<ReturnType<typeof generateKeyPair>>;

beforeAll(async () => {
  [rsa, ec, rotated] = await Promise.all([generateKeyPair("RS256"), generateKeyPair("ES256"), generateKeyPair("RS256")]);
  published.push({ ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256" }, { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256" });
  server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sign = (alg: string, key: Parameters<SignJWT["sign"]>[0], kid?: string, claims: Record<string, unknown> = {}, adjust = (j: SignJWT) => j) =>
  adjust(
    new SignJWT({ name: "Ada", scope: "a b", ...claims })
      .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
      .setSubject("u-1")
      .setExpirationTime("5m"),
  ).sign(key);
const hs = () => new TextEncoder().encode(secret);
const refused = async (verify: Promise<unknown>) => assert.rejects(verify, (error: unknown) => error instanceof LcError && error.reason === "unauthenticated");

test("should accept HS256, RS256 and ES256 tokens and read sub, name and scope", async () => {
  const auth = createJwtAuthenticator({ secret, jwksUrl, jwksCooldownMs: 0 });
  for (const token of [await sign("HS256", hs()), await sign("RS256", rsa.privateKey, "rsa-1"), await sign("ES256", ec.privateKey, "ec-1")]) {
    const principal = await auth.verify(token);
    assert.deepEqual([principal.userId, principal.username, [...principal.scopes]], ["u-1", "Ada", ["a", "b"]]);
  }
});

test("should fetch the key set again for an unknown kid, and cache it otherwise", async () => {
  const auth = createJwtAuthenticator({ jwksUrl, jwksCooldownMs: 0 });
  await auth.verify(await sign("RS256", rsa.privateKey, "rsa-1"));
  const before = fetches;
  await auth.verify(await sign("RS256", rsa.privateKey, "rsa-1"));
  assert.equal(fetches, before, "a known kid needs no fetch");
  published.push({ ...(await exportJWK(rotated.publicKey)), kid: "rsa-2", alg: "RS256" });
  await auth.verify(await sign("RS256", rotated.privateKey, "rsa-2"));
  assert.equal(fetches, before + 1, "an unknown kid fetched the set once");
});

test("should refuse alg none, wrong keys, tampering, expiry, early tokens and foreign iss or aud", async () => {
  const auth = createJwtAuthenticator({ secret, jwksUrl, jwksCooldownMs: 0, issuer: "https://issuer.example", audience: "livecomments" });
  const good = { iss: "https://issuer.example", aud: "livecomments" };
  await auth.verify(await sign("HS256", hs(), undefined, good)); // the baseline passes
  const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "u-1", ...good })).toString("base64url")}.`;
  await refused(auth.verify(unsigned));
  await refused(auth.verify(await sign("HS256", new TextEncoder().encode("another secret"), undefined, good)));
  await refused(auth.verify(await sign("RS256", (await generateKeyPair("RS256")).privateKey, "rsa-1", good)));
  const [header, payload, signature] = (await sign("HS256", hs(), undefined, good)).split(".") as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), sub: "admin" })).toString("base64url");
  await refused(auth.verify(`${header}.${forged}.${signature}`));
  await refused(auth.verify(await sign("HS256", hs(), undefined, good, (j) => j.setExpirationTime(Math.floor(Date.now() / 1000) - 120))));
  await refused(auth.verify(await sign("HS256", hs(), undefined, good, (j) => j.setNotBefore(Math.floor(Date.now() / 1000) + 300))));
  await auth.verify(await sign("HS256", hs(), undefined, good, (j) => j.setNotBefore(Math.floor(Date.now() / 1000) + 10))); // within the skew
  await refused(auth.verify(await sign("HS256", hs(), undefined, { ...good, iss: "https://elsewhere.example" })));
  await refused(auth.verify(await sign("HS256", hs(), undefined, { ...good, aud: "other" })));
  await refused(auth.verify(await sign("HS256", hs(), undefined, good, (j) => j.setSubject(""))));
  await refused(auth.verify("x".repeat(9000)));
  await refused(auth.verify("not.a.token"));
});

test("should refuse RS256 when only a secret is configured", async () => {
  const auth = createJwtAuthenticator({ secret });
  await refused(auth.verify(await sign("RS256", rsa.privateKey, "rsa-1")));
});

test("should refuse HS256 tokens with critical headers, non-numeric times or bad encoding, and accept an aud list", async () => {
  const auth = createJwtAuthenticator({ secret, audience: "livecomments" });
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signed = (header: unknown, claims: unknown) => {
    const input = `${encode(header)}.${encode(claims)}`;
    return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
  };
  const exp = Math.floor(Date.now() / 1000) + 300;
  const claims = { sub: "u-1", aud: ["other", "livecomments"], exp };
  assert.equal((await auth.verify(signed({ alg: "HS256" }, claims))).userId, "u-1");
  await refused(auth.verify(signed({ alg: "HS256", crit: ["b64"], b64: false }, claims)));
  await refused(auth.verify(signed({ alg: "HS256" }, { ...claims, exp: `${exp}` })));
  await refused(auth.verify(signed({ alg: "HS256" }, { ...claims, aud: ["other"] })));
  await refused(auth.verify(signed({ alg: "HS256" }, [claims])));
  await refused(auth.verify(signed(["HS256"], claims)));
  await refused(auth.verify(`${signed({ alg: "HS256" }, claims)}!`));
  await refused(auth.verify(signed({ alg: "HS512" }, claims)));
});

test("should refuse a token without exp unless told not to, since it would never expire", async () => {
  const forever = await new SignJWT({ name: "Ada" }).setProtectedHeader({ alg: "HS256" }).setSubject("u-1").sign(hs());
  const foreverRs = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "rsa-1" }).setSubject("u-1").sign(rsa.privateKey);
  const strict = createJwtAuthenticator({ secret, jwksUrl, jwksCooldownMs: 0 });
  await assert.rejects(strict.verify(forever), (error: unknown) => error instanceof LcError && error.reason === "unauthenticated" && /exp/.test(error.message));
  await refused(strict.verify(foreverRs));
  const relaxed = createJwtAuthenticator({ secret, jwksUrl, jwksCooldownMs: 0, requireExp: false });
  assert.equal((await relaxed.verify(forever)).userId, "u-1");
  assert.equal((await relaxed.verify(foreverRs)).userId, "u-1");
  assert.equal((await strict.verify(await sign("HS256", hs()))).userId, "u-1", "a token with exp still passes");
});
