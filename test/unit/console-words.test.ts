import { describe, expect, test } from 'vitest';
import type { AuditEntryDto } from '../../shared/types';
import { parseRoute, routePath } from '../../widget/console/router';
import { countsInWords, describeAudit, erasureLines } from '../../widget/console/privacy/privacy-words';
import { waited } from '../../widget/console/waiting';

const entry = (action: string, actor: string, detail: Record<string, unknown> | null = null): AuditEntryDto => ({
  id: 1,
  at: 0,
  action,
  actor,
  detail,
});

describe('how long a visitor has waited', () => {
  const now = 10_000_000;
  test('under a minute is "just now" and quiet, never "0 min"', () => {
    expect(waited(now - 20_000, now)).toEqual({ text: 'just now', level: 'quiet' });
    expect(waited(now + 5_000, now)).toEqual({ text: 'just now', level: 'quiet' });
  });
  test('a few minutes stay quiet; only long waits are loud', () => {
    expect(waited(now - 3 * 60_000, now)).toEqual({ text: 'waiting 3 min', level: 'quiet' });
    expect(waited(now - 7 * 60_000, now)).toEqual({ text: 'waiting 7 min', level: 'warn' });
    expect(waited(now - 20 * 60_000, now)).toEqual({ text: 'waiting 20 min', level: 'loud' });
    expect(waited(now - 125 * 60_000, now).text).toBe('waiting 2 h 5 min');
  });
});

describe('a privacy request’s history in words', () => {
  test('verification, extension, rejection and completion read as sentences, not JSON', () => {
    expect(
      describeAudit(entry('verified', 'requester (e-mail code)', { dueAt: Date.UTC(2026, 0, 5), basis: 'GDPR Art. 12(3)' })).title,
    ).toBe('Verified by the requester (e-mail code)');
    const extended = describeAudit(
      entry('extended', 'operator #2 (Ann)', { reason: 'Two systems to search', dueAt: Date.UTC(2026, 2, 5) }),
    );
    expect(extended.title).toBe('Deadline extended by Ann');
    expect(extended.detail).toMatch(/^Reason: Two systems to search · New due date /);
    expect(describeAudit(entry('rejected', 'operator #2 (Ann)', { reason: 'Not our customer' }))).toEqual({
      title: 'Rejected by Ann',
      detail: 'Reason: Not our customer',
    });
    expect(describeAudit(entry('completed', 'operator #2 (Ann)', { result: { visitors: 1, messages: 3 }, note: null }))).toEqual({
      title: 'Completed by Ann',
      detail: '1 visitor record, 3 messages',
    });
    expect(describeAudit(entry('received', 'requester', { type: 'erasure', source: 'chat' })).title).toBe(
      'Received through the chat widget',
    );
  });
  test('an action it does not know still reads without JSON', () => {
    const { title, detail } = describeAudit(entry('something new', 'system', { a: 1 }));
    expect(title).toBe('Something new — the system');
    expect(detail).toBeNull();
  });
  test('the erasure confirmation names each kind of data with its count', () => {
    const lines = erasureLines({
      visitors: 2,
      conversations: 1,
      messages: 1,
      notes: 0,
      ratings: 0,
      mails: 3,
      webhookCopies: 1,
      attachments: 2,
      prechatAnswers: 1,
      consents: 2,
    });
    expect(lines[0]).toMatch(/^2 visitor records/);
    expect(lines[1]).toBe('1 conversation with 1 message');
    expect(lines[2]).toBe('0 internal notes by operators');
    expect(lines[3]).toBe('3 copies of mails in the dev outbox');
    expect(lines).toContain('1 set of pre-chat form answers');
    expect(lines).toContain('2 records of accepted consent');
    expect(lines.at(-1)).toBe('2 attached files (removed from the file store)');
    expect(countsInWords({ conversations: 2, webhookCopies: 1 })).toBe('2 conversations, 1 webhook payload scrubbed');
  });
});

describe('console addresses', () => {
  test('every page has its own address, and the address leads back to the page', () => {
    const routes = [
      { page: 'inbox', conversationId: null },
      { page: 'inbox', conversationId: 'c_Ab-12' },
      { page: 'privacy', requestId: null },
      { page: 'privacy', requestId: 42 },
      { page: 'privacy-new' },
      { page: 'admin', section: 'operators' },
      { page: 'admin', section: 'api-keys' },
      { page: 'admin', section: 'webhooks' },
      { page: 'admin', section: 'data-systems' },
    ] as const;
    for (const route of routes) expect(parseRoute(routePath(route))).toEqual(route);
  });
  test('the former console’s addresses still lead somewhere, unknown ones to "not found"', () => {
    expect(parseRoute('/console')).toEqual({ page: 'inbox', conversationId: null });
    expect(parseRoute('/console/', '#outbox')).toEqual({ page: 'admin', section: 'outbox' });
    expect(parseRoute('/console/', '#privacy')).toEqual({ page: 'privacy', requestId: null });
    expect(parseRoute('/console/admin/nope')).toEqual({ page: 'not-found' });
    expect(parseRoute('/console/privacy/0')).toEqual({ page: 'not-found' });
  });
});
