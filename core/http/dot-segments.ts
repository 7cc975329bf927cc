/** A `.` or `..` path segment, plain or percent-encoded. */
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

/**
 * Whether a request target's path has dot segments. Paths are taken only as written: one with
 * dot segments would be resolved by URL into another route, so such a request matches none.
 */
export function hasDotSegment(target: string): boolean {
  return DOT_SEGMENT.test(target.split("?", 1)[0]!);
}
