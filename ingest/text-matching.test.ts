import assert from "node:assert/strict";
import { test } from "vitest";
import { BlockedTerms, BlockedTermsCache, uniqueChatKey } from "./text-matching.js";

test("should match blocked terms as whole words, case-insensitively, after folding look-alikes", () => {
  const terms = new BlockedTerms(["spoiler", "bad word", "Ärger"]);
  for (const text of ["SPOILER alert", "a spoiler!", "ｓｐｏｉｌｅｒ", "spöiler", "this is a BAD   word here", "so much ärger", "ARGER"]) {
    assert.equal(terms.matches(text), true, text);
  }
  for (const text of ["spoilers", "unspoiler", "bad", "word bad", "", "nothing to see"]) {
    assert.equal(terms.matches(text), false, text);
  }
  assert.equal(new BlockedTerms([]).matches("anything"), false);
  assert.equal(new BlockedTerms(["  ", "!!"]).matches("!! anything"), false, "a term without words matches nothing");
});

test("should fold texts for unique chat: case, width, accents and runs of spaces", () => {
  assert.equal(uniqueChatKey("  GOOOAL   now "), "goooal now");
  assert.equal(uniqueChatKey("ＧＯＯＯＡＬ now"), uniqueChatKey("goooal  NOW"));
  assert.notEqual(uniqueChatKey("goal!"), uniqueChatKey("goal"));
});

test("should compile a stream's terms again only when they change", () => {
  const cache = new BlockedTermsCache();
  const first = cache.of("s", ["a"]);
  assert.equal(cache.of("s", ["a"]), first, "the same terms in a new array");
  const second = cache.of("s", ["b"]);
  assert.notEqual(second, first);
  assert.equal(second.matches("b"), true);
});
