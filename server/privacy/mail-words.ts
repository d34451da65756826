/**
 * What a mail to the privacy address asks for, read from its words in English and Russian. Only a clear
 * answer files a typed request: words of no right, or of more than one, leave it to an operator (needs
 * triage), since filing an erasure for someone who asked for a copy would be worse than asking.
 */
import type { RequestKind, RequestType } from '../../shared/privacy';
import type { Lang } from '../../shared/types';

/** A word starting with one of these stems, standing alone (not inside another word). */
function stems(...words: string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.join('|')})`, 'iu');
}

const WORDS: ReadonlyArray<[RequestType, RegExp]> = [
  ['erasure', stems('delet', 'eras', 'remov', 'forget\\b', 'forgotten', 'wipe', 'удал', 'стере', 'стира', 'сотр', 'уничтож')],
  [
    'access',
    stems(
      'cop(?:y|ies)\\b',
      'access\\b',
      'export',
      'what (?:personal )?data',
      'subject access',
      'копи',
      'доступ',
      'выгруз',
      'какие (?:мои )?(?:персональные )?данные',
    ),
  ],
  ['rectification', stems('correct', 'rectif', 'wrong (?:name|address|data)', 'исправ', 'уточн', 'неверн')],
  [
    'objection',
    stems(
      'unsubscrib',
      'stop (?:sending|marketing|e-?mailing|the newsletter)',
      'opt(?:-| )?out',
      'withdraw (?:my )?consent',
      'no more (?:marketing|newsletters|emails)',
      'отпис',
      'рассылк',
      'отзыв(?:аю)? согласи',
      'отозвать согласи',
    ),
  ],
];

/** The one right the words ask for, or null when they name none or several (an operator decides). */
export function classifyRequest(subject: string, text: string): RequestKind {
  const words = `${subject}\n${text}`;
  const found = WORDS.filter(([, pattern]) => pattern.test(words)).map(([type]) => type);
  return found.length === 1 ? found[0] : null;
}

/** Russian when the mail is written mostly in Cyrillic, else English: the language we write back in. */
export function languageOf(subject: string, text: string): Lang {
  const words = `${subject} ${text}`;
  const cyrillic = words.match(/\p{Script=Cyrillic}/gu)?.length ?? 0;
  const latin = words.match(/\p{Script=Latin}/gu)?.length ?? 0;
  return cyrillic > latin ? 'ru' : 'en';
}

/**
 * The requester's own words of a reply: what follows the first quote header ("On … wrote:", "-----Original
 * Message-----", «… писал(а):») and quoted lines ("> …") are our own mail coming back, and not kept.
 */
export function ownWords(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    if (
      /^\s*(?:On .+wrote:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Исходное сообщение\s*-{2,}|.+(?:писал|написал)\(?а?\)?:)\s*$/i.test(line)
    )
      break;
    if (/^\s*>/.test(line)) continue;
    kept.push(line);
  }
  return kept.join('\n').trim();
}
