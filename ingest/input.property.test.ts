// Properties of the parsers that see outside input first: comment bodies and bearer tokens.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "vitest";
import fc from "fast-check";
import { LcError } from "../core/errors.js";
import { createJwtAuthenticator } from "../core/auth/authenticator.js";
import { parseCommentInput } from "./comment-input.js";
import { DEFAULT_COMMENT_INPUT_LIMITS } from "./defaults.js";

const NOW = 1_800_000_000_000;
const limits = DEFAULT_COMMENT_INPUT_LIMITS;

test("property: any JSON body is either a valid comment or refused with invalid_argument", () => {
  const body = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        text: fc.oneof(fc.string({ unit: "grapheme", maxLength: 400 }), fc.string({ unit: "binary", maxLength: 400 }), fc.jsonValue()),
        client_ts: fc.option(fc.oneof(fc.integer({ min: NOW - 10 * 60_000, max: NOW + 10 * 60_000 }), fc.jsonValue())),
        meta: fc.option(fc.jsonValue()),
      },
      { requiredKeys: ["text"] },
    ),
  );
  fc.assert(
    fc.property(body, (value) => {
      let parsed;
      try {
        parsed = parseCommentInput(value, limits, NOW);
      } catch (error) {
        assert.ok(error instanceof LcError && error.reason === "invalid_argument", String(error));
        return;
      }
      const { text } = parsed;
      assert.equal(text, text.trim().normalize("NFC"), "trimmed and NFC");
      assert.ok(text.length > 0 && [...text].length <= limits.maxTextCodePoints, "1 to 300 code points");
      assert.ok(text.isWellFormed(), "well-formed");
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      assert.ok(!/[\u0000-\u001f\u007f-\u009f]/u.test(text), "no control characters");
      if (parsed.clientTs !== undefined) assert.ok(Math.abs(parsed.clientTs - NOW) <= limits.maxClientSkewMs);
      if (parsed.meta !== undefined) assert.ok(Buffer.byteLength(JSON.stringify(parsed.meta)) <= limits.maxMetaBytes);
    }),
    { numRuns: 3_000 },
  );
});

test("property: any string as a bearer token is refused with unauthenticated, and a valid one survives no change", async () => {
  const secret = "property-secret";
  const auth = createJwtAuthenticator({ secret });
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const sign = (claims: unknown) => {
    const input = `${encode({ alg: "HS256", typ: "JWT" })}.${encode(claims)}`;
    return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
  };
  const good = sign({ sub: "u-1", name: "Ada", exp: Math.floor(Date.now() / 1000) + 600 });
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 400 }), fc.nat(), fc.string({ minLength: 1, maxLength: 2 }), async (junk, at, insert) => {
      await assert.rejects(auth.verify(junk), isUnauthenticated);
      const position = at % good.length;
      const mutated = good.slice(0, position) + insert + good.slice(position + 1);
      if (mutated !== good) await assert.rejects(auth.verify(mutated), isUnauthenticated, mutated);
    }),
    { numRuns: 2_000 },
  );
  assert.equal((await auth.verify(good)).userId, "u-1");
});

function isUnauthenticated(error: unknown): boolean {
  return error instanceof LcError && error.reason === "unauthenticated";
}
