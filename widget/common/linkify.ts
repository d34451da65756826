/**
 * Turns the web and mail addresses in a chat message into links, and nothing else: text stays text
 * (Lit renders it as a text node), and only `http:`, `https:` and `mailto:` become links — never
 * `javascript:`, `data:` or anything a browser might run. Used wherever message text is shown.
 */
import { html, type TemplateResult } from 'lit';

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** Protocols a message may link to. */
export const LINK_PROTOCOLS: readonly string[] = ['http:', 'https:', 'mailto:'];

/** A URL written out with its scheme; stops at whitespace, angle brackets and quotes. */
const CANDIDATE = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than the address ("see https://example.com."). */
const TRAILING = /[.,;:!?*_~]+$/;

function trimTrailing(candidate: string): string {
  let url = candidate.replace(TRAILING, '');
  // A closing bracket belongs to the address only when the address opened one ("(see https://x.y/a)").
  while (/[)\]}]$/.test(url)) {
    const close = url.at(-1)!;
    const open = close === ')' ? '(' : close === ']' ? '[' : '{';
    if (url.split(open).length >= url.split(close).length) break;
    url = url.slice(0, -1).replace(TRAILING, '');
  }
  return url;
}

/** The address as a safe href, or null when it is not an http, https or mailto address. */
function safeHref(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (!LINK_PROTOCOLS.includes(url.protocol)) return null;
  if (url.protocol !== 'mailto:' && !url.hostname) return null;
  if (url.protocol === 'mailto:' && !/^[^@\s]+@[^@\s]+$/.test(decodeURIComponent(url.pathname))) return null;
  return url.href;
}

/** Splits `text` into plain runs and links; joined back, the parts' texts are exactly `text`. */
export function linkParts(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const candidate = trimTrailing(match[0]);
    const href = safeHref(candidate);
    if (!href) continue;
    const start = match.index!;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** Message text for a Lit template: plain runs as text, addresses as links that open apart from the page. */
export function linkify(text: string): Array<string | TemplateResult> {
  return linkParts(text).map((part) =>
    part.kind === 'text' ? part.text : html`<a href=${part.href} target="_blank" rel="noopener noreferrer nofollow">${part.text}</a>`,
  );
}
