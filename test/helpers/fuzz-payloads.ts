/**
 * Malformed payloads for fuzzing the edges (test/integration/fuzz.test.ts, test/bench/fuzz-memory.ts):
 * a seeded generator, so a failure is reproducible from its seed.
 */
/** mulberry32: a small seeded PRNG. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { next, int, pick };
}

export type Rand = ReturnType<typeof prng>;

const LONE = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83D', '\uDE00b'];
const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString', 'valueOf'];

/** An object with an own `__proto__` (or similar) key, as JSON.parse makes it — the way it arrives on the wire. */
function polluted(r: Rand): Record<string, unknown> {
  const key = r.pick(POLLUTION_KEYS);
  return JSON.parse(`{"${key}": {"isAdmin": true, "role": "admin", "polluted": "yes"}}`) as Record<string, unknown>;
}

export function randomString(r: Rand, max = 64): string {
  const alphabet = ['a', 'Z', '0', ' ', '<', '>', '"', "'", '\\', '/', '%', '\n', '\u0000', 'é', 'ж', '😀', '\u202e', '${', '{{'];
  let s = '';
  for (let i = r.int(max); i > 0; i--) s += r.pick(alphabet);
  return s;
}

/** Any JSON value at all, possibly valid for some field. */
export function junk(r: Rand, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0:
      return r.pick([0, -1, 1.5, -0.5, 2 ** 53, -(2 ** 63), 1e308, 42]);
    case 1:
      return r.pick([true, false, null]);
    case 2:
      return randomString(r);
    case 3:
      return 'x'.repeat(r.pick([4001, 10_000, 40_000]));
    case 4:
      return r.pick(LONE) + randomString(r, 8);
    case 5:
      return polluted(r);
    case 6:
      return Array.from({ length: r.int(5) }, () => junk(r, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: r.int(4) }, () => [randomString(r, 12), junk(r, depth + 1)]));
    default:
      return nested(r, 5 + r.int(60));
  }
}

export function nested(r: Rand, depth: number): unknown {
  let value: unknown = r.pick([1, 'deep', null]);
  for (let i = 0; i < depth; i++) value = r.next() < 0.5 ? [value] : { a: value };
  return value;
}

/**
 * A payload no schema may accept, whatever the event: each carries at least one poison — a top level
 * that is not an object, an unknown or prototype-pollution key (every schema is strict), a lone
 * surrogate somewhere, or nesting past the limit — beside fields of the event filled with junk.
 */
export function poisoned(r: Rand, fields: string[]): unknown {
  const body: Record<string, unknown> = {};
  for (const field of fields) if (r.next() < 0.7) body[field] = junk(r);
  switch (r.int(5)) {
    case 0:
      return r.pick([null, 0, 1, 'hello', true, false, [], [1, 2], '\uD800', 'x'.repeat(30_000)]);
    case 1:
      return Object.assign(polluted(r), body);
    case 2:
      return { ...body, [randomString(r, 10) || 'extra']: junk(r), unexpected: 1 };
    case 3: {
      const field = fields.length ? r.pick(fields) : 'text';
      return { ...body, [field]: `${randomString(r, 20)}${r.pick(LONE)}${randomString(r, 20)}` };
    }
    default:
      return { ...body, ...(fields.length ? { [r.pick(fields)]: nested(r, 20 + r.int(80)) } : { deep: nested(r, 20 + r.int(80)) }) };
  }
}

/** The top-level fields an event's object schema names. */
export function fieldsOf(schema: unknown): string[] {
  const entries = (schema as { entries?: Record<string, unknown> }).entries;
  return entries ? Object.keys(entries) : [];
}
