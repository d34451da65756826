import { describe, expect, test } from 'vitest';
import { LEGAL_BASES } from '../../shared/data-systems';
import { systemStateLabel } from '../../widget/console/privacy/system-words';
import { systemOutcome, systemWords, systemsDone } from '../../widget/visitor/system-words';

describe('data systems in words', () => {
  test('the requester reads each outcome in their language, a kept system with its legal basis', () => {
    const kept = { name: 'Бухгалтерия', state: 'kept', legalBasis: 'fz152_law' } as const;
    expect(systemOutcome('ru', 'erasure', kept)).toBe(`Сохранено по закону: ${LEGAL_BASES.fz152_law.ru}`);
    expect(systemOutcome('en', 'erasure', kept)).toBe(`Kept, as the law requires: ${LEGAL_BASES.fz152_law.en}`);
    expect(systemOutcome('ru', 'erasure', { name: 'Магазин', state: 'done', legalBasis: null })).toBe('Удалено');
    expect(systemOutcome('en', 'access', { name: 'Shop', state: 'done', legalBasis: null })).toBe('Data provided');
    expect(systemOutcome('en', 'objection', { name: 'Shop', state: 'done', legalBasis: null })).toBe('Applied');
  });

  test('progress counts answered systems; a failed one is not done', () => {
    const systems = [
      { name: 'A', state: 'done', legalBasis: null },
      { name: 'B', state: 'failed', legalBasis: null },
      { name: 'C', state: 'not_found', legalBasis: null },
      { name: 'D', state: 'pending', legalBasis: null },
    ] as const;
    expect(systemsDone(systems)).toBe(2);
    expect(systemWords('en').progress(2, 4)).toBe('2 of 4 systems done');
    expect(systemWords('ru').progress(2, 4)).toBe('Готово: 2 из 4');
  });

  test('operators read "done" in the words of the request', () => {
    expect(systemStateLabel('done', 'erasure')).toBe('Erased');
    expect(systemStateLabel('done', 'access')).toBe('Data provided');
    expect(systemStateLabel('done', 'rectification')).toBe('Applied');
    expect(systemStateLabel('not_found', 'erasure')).toBe('Not found');
  });
});
