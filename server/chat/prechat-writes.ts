import { AppError } from '../../shared/errors';
import type { ConsentVersionDto, PrechatAnswerDto, PrechatConfigDto } from '../../shared/prechat';
import type { Lang } from '../../shared/types';
import type { PrechatRepository } from '../db/repositories/prechat-repository';
import type { SettingsRepository } from '../db/repositories/settings-repository';
import type { VisitorRepository } from '../db/repositories/visitor-repository';

export const PRECHAT_SETTINGS_KEY = 'prechat';
const LANGS: Lang[] = ['en', 'ru'];

/**
 * The pre-chat form's writes, run by the writer thread: the admin's form with the consent text (a changed
 * text becomes a new version in the same transaction), and a visitor's answers with their acceptance.
 */
export function createPrechatWrites(repos: { prechat: PrechatRepository; settings: SettingsRepository; visitors: VisitorRepository }) {
  const { prechat, settings, visitors } = repos;
  const current = (): Record<Lang, ConsentVersionDto | null> => ({ en: prechat.latestVersion('en'), ru: prechat.latestVersion('ru') });
  return {
    /** Stores the form; a consent text that differs from its language's latest version becomes the next version. */
    prechatSave(args: { config: PrechatConfigDto; now: number }): Record<Lang, ConsentVersionDto | null> {
      settings.set(PRECHAT_SETTINGS_KEY, args.config);
      if (args.config.consentRequired) {
        for (const lang of LANGS) {
          const text = args.config.consentText[lang];
          const latest = prechat.latestVersion(lang);
          if (text && latest?.text !== text) prechat.insertVersion((latest?.version ?? 0) + 1, lang, text, args.now);
        }
      }
      return current();
    },

    /**
     * A visitor's answers, once: a resend (a reconnect, a second tab) stores nothing more. The consent they
     * ticked must still be the version in force: checked here, in the transaction that records it.
     */
    prechatSubmit(args: {
      visitorId: number;
      name: string | null;
      email: string | null;
      answers: PrechatAnswerDto[];
      consent: { version: number; lang: Lang } | null;
      now: number;
    }): { created: boolean } {
      if (!visitors.findById(args.visitorId)) throw new AppError('unauthorized', 'Say hello first.');
      if (prechat.submissionOf(args.visitorId)) return { created: false };
      if (args.consent) {
        const latest = prechat.latestVersion(args.consent.lang);
        if (!latest || latest.version !== args.consent.version)
          throw new AppError('conflict', 'The consent text has changed. Please read it again.');
        prechat.insertConsent(args.visitorId, latest.id, args.consent.lang, args.now);
      }
      if (args.name || args.email) prechat.setContact(args.visitorId, args.email, args.name);
      prechat.insertSubmission(args.visitorId, args.answers, args.now);
      return { created: true };
    },
  };
}

export type PrechatWrites = ReturnType<typeof createPrechatWrites>;
