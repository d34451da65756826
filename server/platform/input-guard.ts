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
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (LONE_SURROGATE.test(current)) return 'text contains invalid characters';
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_DEPTH) return 'the payload is nested too deeply';
    for (const [key, item] of Object.entries(current)) {
      if (LONE_SURROGATE.test(key)) return 'text contains invalid characters';
      stack.push({ value: item, depth: depth + 1 });
    }
  }
  return null;
}
