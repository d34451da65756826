import { AppError } from '../../shared/errors';
import type { ConsentVersionDto, PrechatAnswerDto, PrechatConfigDto } from '../../shared/prechat';
import type { Lang } from '../../shared/types';
import type { Stores } from '../db/store';

export const PRECHAT_SETTINGS_KEY = 'prechat';
const LANGS: Lang[] = ['en', 'ru'];

/**
 * The pre-chat form's writes, run by the writer thread: the admin's form with the consent text (a changed
 * text becomes a new version in the same transaction), and a visitor's answers with their acceptance.
 */
export function createPrechatWrites(repos: Pick<Stores, 'prechat' | 'settings' | 'visitors'>) {
  const { prechat, settings, visitors } = repos;
  const current = async (): Promise<Record<Lang, ConsentVersionDto | null>> => ({
    en: await prechat.latestVersion('en'),
    ru: await prechat.latestVersion('ru'),
  });
  return {
    /** Stores the form; a consent text that differs from its language's latest version becomes the next version. */
    async prechatSave(args: { config: PrechatConfigDto; now: number }): Promise<Record<Lang, ConsentVersionDto | null>> {
      await settings.set(PRECHAT_SETTINGS_KEY, args.config);
      if (args.config.consentRequired) {
        for (const lang of LANGS) {
          const text = args.config.consentText[lang];
          const latest = await prechat.latestVersion(lang);
          if (text && latest?.text !== text) await prechat.insertVersion((latest?.version ?? 0) + 1, lang, text, args.now);
        }
      }
      return await current();
    },

    /**
     * A visitor's answers, once: a resend (a reconnect, a second tab) stores nothing more. The consent they
     * ticked must still be the version in force: checked here, in the transaction that records it.
     */
    async prechatSubmit(args: {
      visitorId: number;
      name: string | null;
      email: string | null;
      answers: PrechatAnswerDto[];
      consent: { version: number; lang: Lang } | null;
      now: number;
    }): Promise<{ created: boolean }> {
      if (!(await visitors.findById(args.visitorId))) throw new AppError('unauthorized', 'Say hello first.');
      if (await prechat.submissionOf(args.visitorId)) return { created: false };
      if (args.consent) {
        const latest = await prechat.latestVersion(args.consent.lang);
        if (!latest || latest.version !== args.consent.version)
          throw new AppError('conflict', 'The consent text has changed. Please read it again.');
        await prechat.insertConsent(args.visitorId, latest.id, args.consent.lang, args.now);
      }
      if (args.name || args.email) await prechat.setContact(args.visitorId, args.email, args.name);
      await prechat.insertSubmission(args.visitorId, args.answers, args.now);
      return { created: true };
    },
  };
}

export type PrechatWrites = ReturnType<typeof createPrechatWrites>;
