import { LEGAL_BASES, type VisitorSystemDto } from '../../shared/data-systems';
import type { RequestKind } from '../../shared/privacy';

type Lang = 'en' | 'ru';

/**
 * The requester's words for the data systems a request reached. They live here, in the privacy flow's
 * lazily loaded chunk, not in common/i18n.ts: the static panel does not grow by them.
 */
const WORDS = {
  en: {
    systems: 'Our systems',
    progress: (done: number, all: number) => `${done} of ${all} ${all === 1 ? 'system' : 'systems'} done`,
    pending: 'In progress',
    done_erasure: 'Erased',
    done_access: 'Data provided',
    done_other: 'Applied',
    not_found: 'No data about you there',
    kept: 'Kept, as the law requires:',
    failed: 'Being looked into by our team',
  },
  ru: {
    systems: 'Наши системы',
    progress: (done: number, all: number) => `Готово: ${done} из ${all}`,
    pending: 'В работе',
    done_erasure: 'Удалено',
    done_access: 'Данные предоставлены',
    done_other: 'Выполнено',
    not_found: 'Данных о вас там нет',
    kept: 'Сохранено по закону:',
    failed: 'Разбирается наша команда',
  },
} as const;

export function systemWords(lang: Lang) {
  return WORDS[lang];
}

/** A system's outcome for the requester, in plain words; a kept system's legal basis too. */
export function systemOutcome(lang: Lang, type: RequestKind, s: VisitorSystemDto): string {
  const w = WORDS[lang];
  switch (s.state) {
    case 'pending':
      return w.pending;
    case 'done':
      return type === 'erasure' ? w.done_erasure : type === 'access' ? w.done_access : w.done_other;
    case 'not_found':
      return w.not_found;
    case 'kept':
      return s.legalBasis ? `${w.kept} ${LEGAL_BASES[s.legalBasis][lang]}` : w.kept.replace(/[:：]$/, '');
    case 'failed':
      return w.failed;
  }
}

/** A failed system still counts as outstanding: the request is not finished with it. */
export function systemsDone(systems: readonly VisitorSystemDto[]): number {
  return systems.filter((s) => s.state !== 'pending' && s.state !== 'failed').length;
}
