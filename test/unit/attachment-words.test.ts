import { describe, expect, test } from 'vitest';
import { formatSize } from '../../widget/common/attachment-links';
import { attachmentCatalogues } from '../../widget/visitor/attachment-words';

describe('attachment words', () => {
  test('English and Russian say every attachment phrase, none left empty', () => {
    const { en, ru } = attachmentCatalogues;
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const catalogue of [en, ru]) for (const text of Object.values(catalogue)) expect(text.trim()).not.toBe('');
    // Not a copy: each Russian phrase is its own.
    for (const key of Object.keys(en) as Array<keyof typeof en>) expect(ru[key]).not.toBe(en[key]);
  });

  test('sizes read in the reader’s language, in kB under a megabyte and MB above', () => {
    expect(formatSize(340 * 1024, 'en')).toBe('340 kB');
    expect(formatSize(1.25 * 1024 * 1024, 'en')).toBe('1.3 MB');
    expect(formatSize(10 * 1024 * 1024, 'ru')).toBe('10 МБ');
  });
});
