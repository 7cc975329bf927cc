import assert from "node:assert/strict";
import { test } from "vitest";
import fc from "fast-check";
import { LcError } from "../core/errors.js";
import { PaginationTokens } from "./pagination-token.js";

const tokens = new PaginationTokens("property-secret");
const windowArb = fc.record({ streamId: fc.string({ minLength: 1, maxLength: 64 }), fromMs: fc.nat(), toMs: fc.nat() });
const cursorArb = fc.record({ offsetMs: fc.maxSafeNat(), seq: fc.maxSafeNat() });

test("property: a token decodes to its cursor for its own window, and only there", () => {
  fc.assert(
    fc.property(windowArb, cursorArb, windowArb, (window, cursor, other) => {
      const text = tokens.encode({ ...window, ...cursor });
      assert.deepEqual(tokens.decode(text, window), { offsetMs: cursor.offsetMs, seq: cursor.seq });
      const same = other.streamId === window.streamId && other.fromMs === window.fromMs && other.toMs === window.toMs;
      if (!same) assert.throws(() => tokens.decode(text, other), isInvalidToken);
    }),
    { numRuns: 500 },
  );
});

test("property: any other string, or any change to a token, is refused with invalid_pagination_token", () => {
  fc.assert(
    fc.property(
      windowArb,
      cursorArb,
      fc.string({ maxLength: 600 }),
      fc.nat(),
      fc.string({ minLength: 1, maxLength: 3 }),
      (window, cursor, junk, at, insert) => {
        assert.throws(() => tokens.decode(junk, window), isInvalidToken);
        const text = tokens.encode({ ...window, ...cursor });
        const position = at % text.length;
        const mutated = text.slice(0, position) + insert + text.slice(position + 1);
        if (mutated !== text) assert.throws(() => tokens.decode(mutated, window), isInvalidToken);
      },
    ),
    { numRuns: 1_000 },
  );
});

function isInvalidToken(error: unknown): boolean {
  return error instanceof LcError && error.reason === "invalid_pagination_token";
}
