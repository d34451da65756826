import { describe, expect, test } from 'vitest';
import { catalogues, looksLikePrivacyRequest } from '../../widget/common/i18n';

describe('the chat offers the privacy flow', () => {
  test.each([
    'Please delete my data',
    'can you remove all my data?',
    'I want to erase my account',
    'GDPR request',
    'Удалите мои данные, пожалуйста',
    'прошу удалить мои персональные данные',
  ])('when a visitor writes "%s"', (text) => {
    expect(looksLikePrivacyRequest(text)).toBe(true);
  });

  test.each(['Do you host online shops?', 'How much does delivery cost?', 'Сколько стоит доставка?'])('but not for "%s"', (text) => {
    expect(looksLikePrivacyRequest(text)).toBe(false);
  });
});

describe('the string catalogue', () => {
  test('Russian has every key English has, and none is empty', () => {
    expect(Object.keys(catalogues.ru).sort()).toEqual(Object.keys(catalogues.en).sort());
    for (const lang of ['en', 'ru'] as const) for (const value of Object.values(catalogues[lang])) expect(value.trim()).not.toBe('');
  });
});
