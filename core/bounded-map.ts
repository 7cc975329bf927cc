/**
 * Brings a Map, kept in least-recently-written-first order, below `maxSize` before an insert:
 * first it forgets entries that `isDisposable` says carry no information any more, then the
 * oldest, down to 90% of `maxSize` so that a full map does not pay a sweep on every insert.
 * Callers re-insert on write (delete, then set) to keep the order.
 */
export function makeRoom<K, V>(map: Map<K, V>, maxSize: number, isDisposable: (value: V) => boolean): void {
  if (map.size < maxSize) return;
  for (const [key, value] of map) if (isDisposable(value)) map.delete(key);
  const target = Math.min(maxSize - 1, Math.floor(maxSize * 0.9));
  for (const key of map.keys()) {
    if (map.size <= target) break;
    map.delete(key);
  }
}
