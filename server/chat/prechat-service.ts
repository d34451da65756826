import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import {
  DEFAULT_PRECHAT,
  NAME_KEY,
  type ConsentVersionDto,
  type PrechatAnswerDto,
  type PrechatConfigDto,
  type PrechatFormDto,
  type PrechatSaveInput,
  type PrechatSettingsResult,
  type PrechatSubmitInput,
  type VisitorPrechatDto,
} from '../../shared/prechat';
import { emailSchema } from '../../shared/schemas';
import type { Lang } from '../../shared/types';
import type { VisitorRow } from '../db/repositories/visitor-repository';
import { settingOf } from '../db/settings-of';
import type { Stores } from '../db/store';
import type { Clock } from '../platform/clock';
import { csvCell } from '../privacy/privacy-register';
import type { Writer } from '../writer/group-commit';
import { PRECHAT_SETTINGS_KEY, type PrechatWrites } from './prechat-writes';

const PHONE = /^\+?[0-9][0-9 ()./-]{4,29}$/;
const other = (lang: Lang): Lang => (lang === 'en' ? 'ru' : 'en');

/**
 * The pre-chat form and consent: the admin's form (kept in memory, stored by the writer), what a visitor
 * is shown in their language and must answer before the first message, and what operators see of it.
 * Rules live here: required fields, e-mail and phone shapes, the consent version in force.
 */
export class PrechatService {
  private current: PrechatConfigDto = { ...DEFAULT_PRECHAT };

  constructor(
    private readonly deps: {
      prechat: Stores['prechat'];
      settings: Stores['settings'];
      visitors: Stores['visitors'];
      conversations: Stores['conversations'];
      /** Who is online: a form shown only when nobody is asks it. */
      presence: { anyOnline(): boolean | Promise<boolean> };
      writer: Writer<PrechatWrites>;
      clock: Clock;
    },
  ) {}

  /** Reads the admin's form; awaited at start, before the server takes connections (every message reads it from memory). */
  async load(): Promise<void> {
    this.current = { ...DEFAULT_PRECHAT, ...(await settingOf<Partial<PrechatConfigDto>>(this.deps.settings, PRECHAT_SETTINGS_KEY, {})) };
  }

  async settings(): Promise<PrechatSettingsResult> {
    return { config: structuredClone(this.current), current: await this.currentVersions() };
  }

  async versions(): Promise<ConsentVersionDto[]> {
    return this.deps.prechat.versions();
  }

  async save(input: PrechatSaveInput): Promise<PrechatSettingsResult> {
    const keys = new Set<string>();
    const fields = input.fields.map((field, i) => {
      const where = `Field ${i + 1}`;
      if (!field.label.en && !field.label.ru) throw new AppError('invalid_payload', `${where}: give it a label.`);
      if (keys.has(field.key)) throw new AppError('invalid_payload', `${where}: the key "${field.key}" is used twice.`);
      keys.add(field.key);
      if (field.key === NAME_KEY && field.kind !== 'text')
        throw new AppError('invalid_payload', `${where}: the name field is a text field.`);
      const options = field.kind === 'choice' ? field.options.filter((o) => o.en || o.ru) : [];
      if (field.kind === 'choice' && options.length === 0) throw new AppError('invalid_payload', `${where}: a choice needs options.`);
      return { ...field, options };
    });
    for (const kind of ['email', 'phone'] as const) {
      if (fields.filter((f) => f.kind === kind).length > 1)
        throw new AppError('invalid_payload', `The form can ask for one ${kind === 'email' ? 'e-mail address' : 'phone number'}.`);
    }
    if (input.consentRequired && !input.consentText.en && !input.consentText.ru)
      throw new AppError('invalid_payload', 'Write the consent text visitors accept.');
    if (input.enabled && fields.length === 0 && !input.consentRequired)
      throw new AppError('invalid_payload', 'Add a field or require the consent: an empty form would only stand in the way.');
    const config: PrechatConfigDto = { ...input, fields };
    await this.deps.writer.run('prechatSave', { config, now: this.deps.clock.now() });
    this.current = config;
    return this.settings();
  }

  /**
   * The form a visitor is to fill, in their language: none when it is off, the host site identified them,
   * they answered it already, or they have a conversation (the form comes before the first message).
   */
  async formFor(visitor: VisitorRow, lang: Lang): Promise<PrechatFormDto | null> {
    const config = this.current;
    if (!config.enabled || visitor.emailVerified) return null;
    if ((await this.deps.prechat.submissionOf(visitor.id)) || (await this.deps.conversations.byVisitor(visitor.id))) return null;
    const consent = await this.consentFor(lang);
    return {
      mode: config.mode,
      fields: config.fields.map((f) => ({
        key: f.key,
        kind: f.kind,
        label: f.label[lang] || f.label[other(lang)],
        required: f.required,
        options: f.options.map((o) => o[lang] || o[other(lang)]),
      })),
      consent: consent && { version: consent.version, text: consent.text },
    };
  }

  /** Whether this visitor must answer the form before their first message, as things are now. */
  mustAnswerFirst(visitorId: number): boolean | Promise<boolean> {
    const config = this.current;
    // Asked on every message: with the form off (the usual case) that is known without a promise.
    if (!config.enabled) return false;
    return this.mustAnswerEnabled(visitorId, config);
  }

  private async mustAnswerEnabled(visitorId: number, config: PrechatConfigDto): Promise<boolean> {
    // Who is online is looked up only for a form shown when nobody is.
    if (config.mode === 'offline' && (await this.deps.presence.anyOnline())) return false;
    const visitor = await this.deps.visitors.findById(visitorId);
    return visitor !== null && (await this.formFor(visitor, 'en')) !== null;
  }

  async submit(visitorId: number, input: PrechatSubmitInput, lang: Lang): Promise<void> {
    const config = this.current;
    if (!config.enabled) throw new AppError('invalid_state', 'There is no form to fill in.');
    const known = new Set(config.fields.map((f) => f.key));
    const unknown = Object.keys(input.answers).find((key) => !known.has(key));
    if (unknown) throw new AppError('invalid_payload', `The form has no field "${unknown}".`);
    let name: string | null = null;
    let email: string | null = null;
    const answers: PrechatAnswerDto[] = [];
    for (const field of config.fields) {
      const label = field.label[lang] || field.label[other(lang)];
      const raw = input.answers[field.key];
      const given = typeof raw === 'string' ? raw.trim() : raw;
      const missing = given === undefined || given === '' || (field.kind === 'checkbox' && given !== true);
      if (missing) {
        if (field.required) throw new AppError('invalid_payload', `${label}: this field is required.`);
        continue;
      }
      let value: string;
      if (field.kind === 'checkbox') {
        if (typeof given !== 'boolean') throw new AppError('invalid_payload', `${label}: tick it or leave it.`);
        value = 'yes';
      } else if (field.kind === 'choice') {
        if (typeof given !== 'number' || given >= field.options.length)
          throw new AppError('invalid_payload', `${label}: pick one of the options.`);
        value = field.options[given][lang] || field.options[given][other(lang)];
      } else {
        if (typeof given !== 'string') throw new AppError('invalid_payload', `${label}: write an answer.`);
        value = given;
        if (field.kind === 'email') {
          const parsed = v.safeParse(emailSchema, value);
          if (!parsed.success) throw new AppError('invalid_payload', `${label}: not an e-mail address (write it as name@example.com).`);
          email = value = parsed.output;
          // Kept with the visitor's contact e-mail, not twice.
          continue;
        }
        if (field.kind === 'phone' && !PHONE.test(value)) throw new AppError('invalid_payload', `${label}: not a phone number.`);
        if (field.key === NAME_KEY) {
          name = value.slice(0, 200);
          continue;
        }
      }
      answers.push({ key: field.key, label, value });
    }
    let consent: { version: number; lang: Lang } | null = null;
    if (config.consentRequired) {
      const inForce = await this.consentFor(lang);
      if (!inForce) throw new AppError('invalid_state', 'There is no consent text to accept.');
      if (input.consentVersion === undefined) throw new AppError('invalid_payload', 'Please accept the consent to start the chat.');
      consent = { version: input.consentVersion, lang: inForce.lang };
    }
    await this.deps.writer.run('prechatSubmit', { visitorId, name, email, answers, consent, now: this.deps.clock.now() });
  }

  /** The answers and consent of a conversation's visitor, for operators. */
  async visitorView(conversationId: string): Promise<VisitorPrechatDto> {
    const conversation = await this.deps.conversations.byPublicId(conversationId);
    const visitor = conversation && (await this.deps.visitors.findById(conversation.visitorId));
    if (!visitor) throw new AppError('not_found', 'No such conversation.');
    const submission = await this.deps.prechat.submissionOf(visitor.id);
    const [consent] = await this.deps.prechat.consentsOf(visitor.id);
    return {
      name: visitor.name,
      email: visitor.email,
      answers: submission?.answers ?? [],
      submittedAt: submission?.submittedAt ?? null,
      consent: consent ? { version: consent.version, lang: consent.lang, acceptedAt: consent.acceptedAt } : null,
    };
  }

  /** The register of consent texts as CSV: every version with its text and how many visitors hold it. */
  async registerCsv(): Promise<string> {
    const header = ['version', 'language', 'created_at', 'acceptances', 'text'];
    const lines = (await this.versions()).map((cv) =>
      [String(cv.version), cv.lang, new Date(cv.createdAt).toISOString(), String(cv.acceptances), cv.text].map(csvCell).join(','),
    );
    return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
  }

  /** The version a visitor in `lang` accepts: their language's, else the other's when theirs has no text. */
  private async consentFor(lang: Lang): Promise<ConsentVersionDto | null> {
    if (!this.current.consentRequired) return null;
    const text = this.current.consentText;
    const shown = text[lang] ? lang : text[other(lang)] ? other(lang) : null;
    return shown && this.deps.prechat.latestVersion(shown);
  }

  private async currentVersions(): Promise<Record<Lang, ConsentVersionDto | null>> {
    return { en: await this.deps.prechat.latestVersion('en'), ru: await this.deps.prechat.latestVersion('ru') };
  }
}
