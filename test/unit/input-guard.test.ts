import { describe, expect, test } from 'vitest';
import { malformedInput } from '../../server/platform/input-guard';

describe('the check every payload passes before its schema', () => {
  test('an ordinary object passes', () => {
    expect(malformedInput({ text: 'hello 😀 привет', page: { url: 'https://example.com', title: 'Home' }, tokens: ['a', 'b'] })).toBeNull();
  });

  test('anything but an object is refused, arrays included', () => {
    for (const value of [null, undefined, 0, 'text', true, [], [{}]]) expect(malformedInput(value)).toBe('the payload must be an object');
  });

  test('a lone surrogate anywhere, in a value or a key, is refused', () => {
    expect(malformedInput({ text: 'a\uD800b' })).toBe('text contains invalid characters');
    expect(malformedInput({ text: '\uDC00' })).toBe('text contains invalid characters');
    expect(malformedInput({ list: [{ deep: ['ok', 'bad\uDBFF'] }] })).toBe('text contains invalid characters');
    expect(malformedInput({ 'key\uD83D': 1 })).toBe('text contains invalid characters');
  });

  test('nesting deeper than sixteen levels is refused', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 16; i++) deep = { a: deep };
    expect(malformedInput(deep)).toBeNull();
    expect(malformedInput({ a: deep })).toBe('the payload is nested too deeply');
  });
});
