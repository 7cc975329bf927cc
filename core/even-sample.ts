/**
 * An evenly spread sample of `keep` items, in order: the item nearest the middle of each of
 * `keep` equal slices. The live rate cap and the thinning of replay windows both pick by it, so
 * a replay shows the same shape of the conversation a capped live viewer saw.
 */
export function evenSample<T>(items: readonly T[], keep: number): { kept: T[]; omitted: T[] } {
  if (keep >= items.length) return { kept: [...items], omitted: [] };
  const picked = new Set<number>();
  for (let i = 0; i < keep; i++) picked.add(Math.floor(((i + 0.5) * items.length) / keep));
  const kept: T[] = [];
  const omitted: T[] = [];
  items.forEach((item, i) => (picked.has(i) ? kept : omitted).push(item));
  return { kept, omitted };
}
