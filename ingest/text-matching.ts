/**
 * Text as moderation compares it: NFKD, without combining marks, NFKC again and lower-cased, so
 * full-width letters, ligatures and accented look-alikes compare equal to their plain forms.
 */
export function foldForMatching(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .normalize("NFKC")
    .toLowerCase();
}

/** The key unique chat remembers a text by: folded, with runs of spaces collapsed and the ends trimmed. */
export function uniqueChatKey(text: string): string {
  return foldForMatching(text).replace(/\s+/gu, " ").trim();
}

/** Words of folded text: runs of letters and digits. */
const WORD_SEPARATORS = /[^\p{L}\p{N}]+/u;

function wordsOf(folded: string): string[] {
  return folded.split(WORD_SEPARATORS).filter((word) => word.length > 0);
}

/**
 * A stream's blocked terms, compiled once: each term is folded and cut into words, and kept in a
 * set by its number of words. A text is matched by cutting it into words once and looking up
 * each run of n words for every n some term has (a few), so its cost grows with the text, not
 * with the number of terms. Whole words only: "ass" does not match "class".
 */
export class BlockedTerms {
  private readonly byLength = new Map<number, Set<string>>();

  constructor(terms: readonly string[]) {
    for (const term of terms) {
      const words = wordsOf(foldForMatching(term));
      if (words.length === 0) continue;
      let set = this.byLength.get(words.length);
      if (!set) this.byLength.set(words.length, (set = new Set()));
      set.add(words.join(" "));
    }
  }

  /** Whether the text holds a blocked term as whole words. */
  matches(text: string): boolean {
    if (this.byLength.size === 0) return false;
    const words = wordsOf(foldForMatching(text));
    for (const [length, terms] of this.byLength) {
      for (let start = 0; start + length <= words.length; start++) {
        const run = length === 1 ? words[start]! : words.slice(start, start + length).join(" ");
        if (terms.has(run)) return true;
      }
    }
    return false;
  }
}

/** Streams whose compiled terms one process keeps. */
const MAX_COMPILED_STREAMS = 10_000;

/**
 * The compiled blocked terms of each stream, compiled again only when the stream's list
 * changes (the registry answers a new array on each lookup; the same terms are not compiled
 * twice).
 */
export class BlockedTermsCache {
  private readonly compiled = new Map<string, { source: readonly string[]; joined: string; terms: BlockedTerms }>();

  of(streamId: string, terms: readonly string[]): BlockedTerms {
    const hit = this.compiled.get(streamId);
    if (hit && hit.source === terms) return hit.terms;
    const joined = terms.join("\u0000");
    if (hit && hit.joined === joined) {
      this.compiled.set(streamId, { ...hit, source: terms });
      return hit.terms;
    }
    if (!hit && this.compiled.size >= MAX_COMPILED_STREAMS) this.compiled.delete(this.compiled.keys().next().value!);
    const entry = { source: terms, joined, terms: new BlockedTerms(terms) };
    this.compiled.set(streamId, entry);
    return entry.terms;
  }
}
