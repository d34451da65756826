import { describe, expect, test } from 'vitest';
import { mailTemplates } from '../../server/mail/templates';

describe('mail texts', () => {
  const dueAt = Date.UTC(2026, 11, 24, 23, 30);

  test('the "received" mail gives the deadline as a long date in the requester\'s language, in UTC', () => {
    expect(mailTemplates.received('en', 'erasure', 'PR-1', dueAt).text).toContain('We will answer by 24 December 2026 at the latest.');
    expect(mailTemplates.received('ru', 'erasure', 'PR-1', dueAt).text).toContain('Мы ответим не позднее 24 декабря 2026 г.');
  });

  test('an extension names the new deadline in both languages, each formatted on its own', () => {
    const later = Date.UTC(2027, 1, 3);
    expect(mailTemplates.extended('ru', 'PR-2', later, 'много данных').text).toContain('Новый срок: 3 февраля 2027 г.');
    expect(mailTemplates.extended('en', 'PR-2', later, 'a lot of data').text).toContain('The new deadline is 3 February 2027.');
  });
});
