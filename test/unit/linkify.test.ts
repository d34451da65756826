import { describe, expect, test } from 'vitest';
import { linkify, linkParts, type TextPart } from '../../widget/common/linkify';

const links = (text: string) => linkParts(text).filter((p): p is Extract<TextPart, { kind: 'link' }> => p.kind === 'link');
const joined = (text: string) =>
  linkParts(text)
    .map((p) => p.text)
    .join('');

describe('linkify', () => {
  test('plain text stays one text part, markup included', () => {
    expect(linkParts('Hello <b>there</b> & "friends"')).toEqual([{ kind: 'text', text: 'Hello <b>there</b> & "friends"' }]);
    expect(linkParts('')).toEqual([]);
  });

  test('http, https and mailto addresses become links', () => {
    expect(linkParts('see https://example.com/a?b=1#c now')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1#c', href: 'https://example.com/a?b=1#c' },
      { kind: 'text', text: ' now' },
    ]);
    expect(links('http://shop.example.test')[0]).toMatchObject({ href: 'http://shop.example.test/' });
    expect(links('write to mailto:help@example.test please')[0]).toMatchObject({
      text: 'mailto:help@example.test',
      href: 'mailto:help@example.test',
    });
    expect(links('HTTPS://EXAMPLE.COM/X')[0].href).toBe('https://example.com/X');
  });

  test('javascript:, data:, vbscript:, file: and other schemes are never links', () => {
    for (const text of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.cookie)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ftp://example.com/x',
      'java\tscript:alert(1)',
      '&#106;avascript:alert(1)',
    ]) {
      expect(links(text), text).toEqual([]);
      expect(joined(text)).toBe(text);
    }
  });

  test('a javascript: URL dressed up with an http-looking tail links only the real http part', () => {
    const found = links('javascript:alert(1)//https://example.com');
    expect(found.map((l) => l.href)).toEqual(['https://example.com/']);
  });

  test('sentence punctuation after an address is not part of it; brackets are kept only when balanced', () => {
    expect(links('Go to https://example.com.')[0].text).toBe('https://example.com');
    expect(links('(see https://example.com/a)')[0].text).toBe('https://example.com/a');
    expect(links('https://en.wikipedia.org/wiki/Foo_(bar)!')[0].text).toBe('https://en.wikipedia.org/wiki/Foo_(bar)');
    expect(links('Really? https://example.com/?q=1, thanks')[0].text).toBe('https://example.com/?q=1');
  });

  test('quotes and angle brackets end an address, so they can never break out of the href', () => {
    const text = 'https://example.com/"onmouseover="alert(1) and https://example.com/<script>';
    expect(links(text).map((l) => l.text)).toEqual(['https://example.com/', 'https://example.com/']);
    for (const link of links(text)) expect(link.href).not.toMatch(/["<>\s]/);
  });

  test('an address without a host, or a mailto without an address, is text', () => {
    expect(links('http:// nothing')).toEqual([]);
    expect(links('mailto:nobody')).toEqual([]);
  });

  test('the parts always join back to the original text', () => {
    for (const text of ['a https://x.y b mailto:a@b.c c', 'https://a.b/(x)) end.', `${'x'.repeat(50)}https://a.b`, 'no links at all']) {
      expect(joined(text)).toBe(text);
    }
  });

  test('linkify gives text as strings and links as templates with a safe rel and a new tab', () => {
    const out = linkify('hi https://example.com bye');
    expect(out[0]).toBe('hi ');
    expect(out[2]).toBe(' bye');
    const link = out[1] as unknown as { strings: readonly string[]; values: unknown[] };
    expect(link.strings.join('')).toContain('rel="noopener noreferrer nofollow"');
    expect(link.strings.join('')).toContain('target="_blank"');
    expect(link.values).toEqual(['https://example.com/', 'https://example.com']);
  });
});
