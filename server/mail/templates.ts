/** Texts of every mail the privacy desk sends, in English and Russian. */
import type { RequestKind, RequestType } from '../../shared/privacy';
import type { Lang } from '../../shared/types';

export interface MailText {
  subject: string;
  text: string;
}

const TYPE_NAMES: Record<Lang, Record<RequestType, string>> = {
  en: { erasure: 'delete your data', access: 'a copy of your data', rectification: 'correct your data', objection: 'stop marketing' },
  ru: {
    erasure: 'удаление ваших данных',
    access: 'копия ваших данных',
    rectification: 'исправление ваших данных',
    objection: 'прекращение рассылок',
  },
};

/** What a request asks for, in words; a request that needs triage is just "your privacy request". */
function typeName(lang: Lang, type: RequestKind): string {
  if (type === null) return lang === 'ru' ? 'запрос о персональных данных' : 'a privacy request';
  return TYPE_NAMES[lang][type];
}

/**
 * One formatter per language, built once: `toLocaleDateString` with options builds an ICU formatter on each
 * call, which costs far more than `format` on a kept one, and a date goes into the mail of every
 * verification the writer thread runs.
 */
const DATES: Record<Lang, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }),
  ru: new Intl.DateTimeFormat('ru-RU', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }),
};

function date(t: number, lang: Lang): string {
  return DATES[lang].format(t);
}

const SIGNATURE: Record<Lang, string> = {
  en: '\n\n— Privacy desk\nYou receive this because someone made a privacy request for this address. If it was not you, ignore this mail.',
  ru: '\n\n— Служба защиты данных\nВы получили это письмо, потому что для этого адреса подан запрос о персональных данных. Если это были не вы, просто проигнорируйте письмо.',
};

export const mailTemplates = {
  /** To a processor: a request concerns the system they run; the link is the only way to answer (no account). */
  processorTask(t: { system: string; type: RequestType; reference: string; email: string; dueAt: number | null; url: string }): MailText {
    const due = t.dueAt === null ? '' : ` by ${date(t.dueAt, 'en')}`;
    return {
      subject: `Privacy request ${t.reference} for ${t.system}: please answer${due}`,
      text: `A verified privacy request (${TYPE_NAMES.en[t.type]}) concerns the data you process for us in ${t.system}.\n\nRequester's e-mail: ${t.email}\n\nPlease carry it out and tell us the outcome${due} at this link (single use, no account needed):\n${t.url}\n\nIf you must keep some data, choose the legal basis there.\n\n— Privacy desk`,
    };
  },

  /** To a system's owner: its answer is still missing and the legal deadline is close. */
  systemReminder(t: { system: string; reference: string; dueAt: number }): MailText {
    return {
      subject: `Reminder: ${t.system} has not answered privacy request ${t.reference} (due ${date(t.dueAt, 'en')})`,
      text: `The privacy request ${t.reference} is due on ${date(t.dueAt, 'en')}, and ${t.system} has not reported its outcome yet. The request cannot be completed until it does.\n\nPlease see that it answers, or record its outcome on the request page in the console.\n\n— Privacy desk`,
    };
  },

  verificationCode(lang: Lang, type: RequestKind, code: string): MailText {
    return lang === 'ru'
      ? {
          subject: `Код подтверждения: ${code}`,
          text: `Ваш код подтверждения запроса («${typeName('ru', type)}»): ${code}\n\nКод действует 10 минут. Введите его в окне чата.${SIGNATURE.ru}`,
        }
      : {
          subject: `Your verification code: ${code}`,
          text: `Your code to confirm your request (${typeName('en', type)}): ${code}\n\nThe code is valid for 10 minutes. Type it into the chat window.${SIGNATURE.en}`,
        };
  },

  /** `reference` is named in the subject of a request that came by mail: a reply to it then finds its request. */
  verificationLink(lang: Lang, type: RequestKind, url: string, reference: string | null = null): MailText {
    const ref = reference ? ` (${reference})` : '';
    return lang === 'ru'
      ? {
          subject: `Подтвердите ваш запрос о персональных данных${ref}`,
          text: `Мы получили ваш запрос («${typeName('ru', type)}»). Чтобы мы могли его выполнить, подтвердите, что этот адрес принадлежит вам:\n\n${url}\n\nСсылка действует 7 дней.${SIGNATURE.ru}`,
        }
      : {
          subject: `Please confirm your privacy request${ref}`,
          text: `We received your request (${typeName('en', type)}). To let us act on it, confirm that this address is yours:\n\n${url}\n\nThe link is valid for 7 days.${SIGNATURE.en}`,
        };
  },

  received(lang: Lang, type: RequestKind, reference: string, dueAt: number): MailText {
    return lang === 'ru'
      ? {
          subject: `Запрос ${reference} принят`,
          text: `Ваш запрос ${reference} («${typeName('ru', type)}») подтверждён и принят в работу. Мы ответим не позднее ${date(dueAt, 'ru')}.${SIGNATURE.ru}`,
        }
      : {
          subject: `Request ${reference} received`,
          text: `Your request ${reference} (${typeName('en', type)}) is verified and with our team. We will answer by ${date(dueAt, 'en')} at the latest.${SIGNATURE.en}`,
        };
  },

  extended(lang: Lang, reference: string, dueAt: number, reason: string): MailText {
    return lang === 'ru'
      ? {
          subject: `Срок ответа на запрос ${reference} продлён`,
          text: `Нам нужно больше времени на запрос ${reference}. Новый срок: ${date(dueAt, 'ru')}.\nПричина: ${reason}${SIGNATURE.ru}`,
        }
      : {
          subject: `More time needed for request ${reference}`,
          text: `We need more time for request ${reference}. The new deadline is ${date(dueAt, 'en')}.\nReason: ${reason}${SIGNATURE.en}`,
        };
  },

  completed(lang: Lang, type: RequestKind, reference: string, note: string | null): MailText {
    const extra = note ? `\n\n${note}` : '';
    return lang === 'ru'
      ? {
          subject: `Запрос ${reference} выполнен`,
          text: `Ваш запрос ${reference} («${typeName('ru', type)}») выполнен.${extra}${SIGNATURE.ru}`,
        }
      : {
          subject: `Request ${reference} completed`,
          text: `Your request ${reference} (${typeName('en', type)}) is completed.${extra}${SIGNATURE.en}`,
        };
  },

  rejected(lang: Lang, reference: string, reason: string): MailText {
    return lang === 'ru'
      ? {
          subject: `Запрос ${reference} отклонён`,
          text: `Мы не можем выполнить запрос ${reference}.\nПричина: ${reason}\n\nВы вправе обжаловать это решение в Роскомнадзоре (уполномоченный орган по защите прав субъектов персональных данных) или в суде.${SIGNATURE.ru}`,
        }
      : {
          subject: `Request ${reference} declined`,
          text: `We cannot carry out request ${reference}.\nReason: ${reason}\n\nYou have the right to lodge a complaint with a data protection supervisory authority and to seek a judicial remedy.${SIGNATURE.en}`,
        };
  },

  /**
   * An operator's mail to the requester about their request (an answer or a question). The subject keeps
   * the reference, so that the requester's reply finds the request even when their mail program drops
   * the In-Reply-To header.
   */
  requestMail(lang: Lang, reference: string, text: string, clarification: boolean): MailText {
    const footer =
      lang === 'ru'
        ? `\n\nЧтобы ответить, просто ответьте на это письмо (номер запроса ${reference} в теме письма сохраните).\n\n— Служба защиты данных`
        : `\n\nTo answer, reply to this mail (keep the reference ${reference} in the subject).\n\n— Privacy desk`;
    const subject =
      lang === 'ru'
        ? clarification
          ? `Вопрос по вашему запросу ${reference}`
          : `Ваш запрос ${reference}`
        : clarification
          ? `A question about your request ${reference}`
          : `Your request ${reference}`;
    return { subject, text: `${text}${footer}` };
  },

  offlineReply(lang: Lang, replies: Array<{ from: string; text: string }>, chatUrl: string): MailText {
    const body = replies.map((r) => `${r.from}:\n${r.text}`).join('\n\n');
    return lang === 'ru'
      ? {
          subject: 'Ответ на ваше сообщение в чате',
          text: `Вы оставили этот адрес в чате, чтобы получить ответ.\n\n${body}\n\nПродолжить разговор можно в чате: ${chatUrl}\n\n— Служба поддержки`,
        }
      : {
          subject: 'A reply to your chat message',
          text: `You left this address in our chat for a reply.\n\n${body}\n\nYou can carry on the conversation in the chat: ${chatUrl}\n\n— Support team`,
        };
  },

  exportReady(lang: Lang, reference: string, url: string, expiresAt: number): MailText {
    return lang === 'ru'
      ? {
          subject: `Ваши данные готовы (${reference})`,
          text: `Копия ваших данных по запросу ${reference} готова. Скачать её можно один раз по ссылке до ${date(expiresAt, 'ru')}:\n\n${url}${SIGNATURE.ru}`,
        }
      : {
          subject: `Your data is ready (${reference})`,
          text: `The copy of your data for request ${reference} is ready. The link works once, until ${date(expiresAt, 'en')}:\n\n${url}${SIGNATURE.en}`,
        };
  },

  /**
   * A conversation's transcript, as the visitor asked for it: every line with its time (in `zone`) and
   * author, then the files the conversation carried, by name (their contents are not mailed).
   */
  transcript(lang: Lang, t: TranscriptMail): MailText {
    const when = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
      timeZone: t.zone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    });
    const w = TRANSCRIPT_WORDS[lang];
    const body = t.lines
      .map((line) => {
        const who = line.author === 'visitor' ? w.you : line.author === 'operator' ? (line.operatorName ?? w.operator) : w.system;
        const files = line.attachments.length ? `\n${w.attached}: ${line.attachments.join(', ')}` : '';
        return `[${when.format(line.at)}] ${who}:\n${line.text}${files}`;
      })
      .join('\n\n');
    const files = t.lines.flatMap((line) => line.attachments);
    const attachments = files.length ? `\n\n${w.attachments}:\n${files.map((name) => `- ${name}`).join('\n')}` : '';
    return {
      subject: w.subject(
        new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
          timeZone: t.zone,
          day: 'numeric',
          month: 'long',
          year: 'numeric',
        }).format(t.startedAt),
      ),
      text: `${w.intro(t.siteUrl)}\n\n${body}${attachments}\n\n${w.zone(t.zone)}\n\n${w.signature}`,
    };
  },
};

/** One line of a transcript: a message with the names of the files attached to it. */
export interface TranscriptLine {
  author: 'visitor' | 'operator' | 'system';
  operatorName: string | null;
  text: string;
  at: number;
  attachments: string[];
}

export interface TranscriptMail {
  lines: TranscriptLine[];
  /** When the conversation began (its first line). */
  startedAt: number;
  /** The zone times are written in: the visitor's, else the team's. */
  zone: string;
  /** The page the chat was on (or the site's address). */
  siteUrl: string;
}

const TRANSCRIPT_WORDS = {
  en: {
    subject: (day: string) => `Your chat with us (${day})`,
    intro: (site: string) => `Here is the transcript of your chat on ${site}, as you asked.`,
    you: 'You',
    operator: 'Operator',
    system: 'Note',
    attached: 'Attached',
    attachments: 'Files in this conversation (not included in this mail)',
    zone: (zone: string) => `Times are in ${zone}.`,
    signature: '— Support team\nYou receive this because you asked for it in our chat. We did not add this address to any list.',
  },
  ru: {
    subject: (day: string) => `Ваш разговор в чате (${day})`,
    intro: (site: string) => `Вот запись вашего разговора в чате на ${site}, как вы просили.`,
    you: 'Вы',
    operator: 'Оператор',
    system: 'Отметка',
    attached: 'Приложено',
    attachments: 'Файлы в этом разговоре (в письмо не вложены)',
    zone: (zone: string) => `Время указано по часовому поясу ${zone}.`,
    signature:
      '— Служба поддержки\nВы получили это письмо, потому что попросили о нём в чате. Мы не добавляли этот адрес ни в какие рассылки.',
  },
} satisfies Record<Lang, unknown>;
