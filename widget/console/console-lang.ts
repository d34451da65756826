import type { Lang } from '../../shared/types';

/**
 * The language the console's localised pages speak: Russian for a browser that asks for Russian first,
 * English otherwise. Read once per call, so a test (or a second window) with another locale gets its own.
 */
export function consoleLang(languages: readonly string[] = globalThis.navigator?.languages ?? []): Lang {
  const first = languages.find((l) => /^(en|ru)\b/i.test(l));
  return first?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}
