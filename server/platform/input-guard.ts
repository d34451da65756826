/**
 * Checks every inbound payload gets before its schema, whatever the event or route: no string (value or
 * key) with a lone UTF-16 surrogate — SQLite would store it as U+FFFD, so the stored text would differ
 * from what was acknowledged and a resend would look like a conflict — and no absurd nesting.
 */
const MAX_DEPTH = 16;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `value` is refused before validation, or null when it may go on to its schema. Every payload is
 * an object: valibot's object schemas take an array for one, so `[]` would pass as `{}`.
 */
export function malformedInput(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the payload must be an object';
  return malformedWithin(value, 0);
}

/**
 * The walk itself, depth first. Recursion is bounded by MAX_DEPTH, and it allocates nothing: it runs on
 * every inbound event (every chat message), where a stack of entries and an array of entries per object
 * were garbage the collector then paid for.
 */
function malformedWithin(current: object, depth: number): string | null {
  if (depth >= MAX_DEPTH) return 'the payload is nested too deeply';
  for (const key in current) {
    if (!Object.hasOwn(current, key)) continue;
    if (LONE_SURROGATE.test(key)) return 'text contains invalid characters';
    const item: unknown = (current as Record<string, unknown>)[key];
    if (typeof item === 'string') {
      if (LONE_SURROGATE.test(item)) return 'text contains invalid characters';
    } else if (typeof item === 'object' && item !== null) {
      const found = malformedWithin(item, depth + 1);
      if (found) return found;
    }
  }
  return null;
}
