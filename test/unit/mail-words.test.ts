import { describe, expect, test } from 'vitest';
import { classifyRequest, languageOf, ownWords } from '../../server/privacy/mail-words';

describe('the type of a mailed request, from its words', () => {
  test.each([
    ['Delete my account', 'Please delete all my data.', 'erasure'],
    ['GDPR', 'I want you to erase everything you hold about me.', 'erasure'],
    ['', 'Please remove my personal information from your systems.', 'erasure'],
    ['Right to be forgotten', 'Forget me.', 'erasure'],
    ['Удаление', 'Прошу удалить мои персональные данные.', 'erasure'],
    ['', 'Удалите мои данные, пожалуйста', 'erasure'],
    ['', 'Прошу стереть всё, что вы обо мне храните.', 'erasure'],
    ['Subject access request', 'Please send me a copy of my data.', 'access'],
    ['', 'I would like to export my personal data.', 'access'],
    ['', 'Пришлите копию моих данных.', 'access'],
    ['', 'Прошу предоставить доступ к моим персональным данным.', 'access'],
    ['Wrong address', 'Please correct my postal address, it is out of date.', 'rectification'],
    ['', 'I ask you to rectify my surname.', 'rectification'],
    ['', 'Прошу исправить мою фамилию.', 'rectification'],
    ['Unsubscribe', 'Unsubscribe me please.', 'objection'],
    ['', 'Stop marketing to me.', 'objection'],
    ['', 'Хочу отписаться от ваших писем.', 'objection'],
  ])('"%s / %s" is %s', (subject, text, type) => {
    expect(classifyRequest(subject, text)).toBe(type);
  });

  test.each([
    ['Hello', 'What are you doing with my information?'],
    ['Вопрос', 'Что вы делаете с моей информацией?'],
    // Two rights at once: an operator decides (or asks).
    ['', 'Please send me a copy of my data and then delete it.'],
    ['', 'Пришлите копию и удалите мои данные.'],
  ])('"%s / %s" needs triage', (subject, text) => {
    expect(classifyRequest(subject, text)).toBeNull();
  });

  test('words inside other words do not count', () => {
    // "undeleted" and "recovery" contain no stem at a word's start.
    expect(classifyRequest('', 'My order was undeleted and is in recovery.')).toBeNull();
  });
});

describe('the language we answer in', () => {
  test('Cyrillic mostly is Russian; anything else English', () => {
    expect(languageOf('Запрос', 'Удалите мои данные, order #123')).toBe('ru');
    expect(languageOf('Request', 'Please delete my data')).toBe('en');
    expect(languageOf('', '')).toBe('en');
  });
});

describe('the requester’s own words of a reply', () => {
  test('quoted lines and what follows a quote header are dropped', () => {
    expect(ownWords('Yes, delete it.\n\nOn Tue, 1 Dec 2026, Privacy desk wrote:\n> Please confirm\n> ...')).toBe('Yes, delete it.');
    expect(ownWords('Да.\r\n\r\n01.12.2026, Служба защиты данных писал(а):\r\n> Подтвердите')).toBe('Да.');
    expect(ownWords('> quoted\nmine\n-----Original Message-----\nold')).toBe('mine');
  });
});
