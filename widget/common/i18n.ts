/**
 * Every visitor-facing string, in English and Russian.
 *
 * The loader (widget.js) needs only the launcher's few words in both languages; the panel is built once
 * per language (`widget-panel.en.js`, `widget-panel.ru.js`) with `CW_PANEL_LANG` defined, so each build
 * carries one catalogue and the bundler drops the other.
 */
import type { RequestKind, RequestState } from '../../shared/privacy';
import type { Lang } from '../../shared/types';

/** Set by the bundler for a per-language panel build; undefined everywhere else (tests, the loader). */
declare const CW_PANEL_LANG: Lang | undefined;

/** The launcher's words, which the loader shows before the panel (and its catalogue) is loaded. */
export const launcherStrings = {
  en: { openChat: 'Open chat', closeChat: 'Close chat', unread: 'unread' },
  ru: { openChat: 'Открыть чат', closeChat: 'Закрыть чат', unread: 'непрочитанных' },
} satisfies Record<Lang, Record<string, string>>;

const en = {
  title: 'Chat with us',
  online: 'We are online',
  greeting: 'Hi! How can we help?',
  message: 'Message',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not sent',
  retry: 'Retry',
  remove: 'Remove',
  tooFast: 'Too many messages; wait a moment.',
  operator: 'Operator',
  typing: 'is typing…',
  privacyEntry: 'Privacy & my data',
  privacyPolicy: 'Privacy policy',
  back: 'Back to chat',
  reconnecting: 'Reconnecting…',
  erased: 'Your chat history was deleted at your request.',
  privacyTitle: 'Privacy & my data',
  privacyIntro: 'What would you like us to do with your data?',
  type_erasure: 'Delete my data',
  type_access: 'Get a copy of my data',
  type_rectification: 'Correct my data',
  type_objection: 'Stop marketing',
  email: 'E-mail the data is held under',
  name: 'Name (optional)',
  details: 'What should be corrected?',
  sendCode: 'Send me a code',
  cancel: 'Cancel',
  codeSent: 'We sent a 6-digit code to your e-mail. It is valid for 10 minutes.',
  code: 'Verification code',
  confirm: 'Confirm',
  resend: 'Send a new code',
  filed: 'Your request is filed.',
  alreadyOpen: 'You already have an open request of this kind:',
  reference: 'Reference',
  due: 'Answer due by',
  myRequests: 'My requests',
  noRequests: 'No requests yet.',
  offerPrivacy: 'It looks like you want to manage your data. You can make a verified request here:',
  offerButton: 'Make a privacy request',
  state_awaiting_verification: 'Awaiting verification',
  state_verified: 'Received',
  state_in_progress: 'In progress',
  state_completed: 'Completed',
  state_rejected: 'Declined',
  state_expired: 'Expired',
  rejectedBecause: 'Reason:',
  complainRight: 'You may complain to a data protection supervisory authority.',
  extended: 'extended',
  awayTitle: 'We are away right now',
  awayBody: 'Leave a message and your e-mail — we will reply there.',
  transcript: 'E-mail me this conversation',
  contactEmail: 'Your e-mail',
  contactName: 'Your name (optional)',
  contactSave: 'Save e-mail',
  contactSaved: 'Thank you! We will reply to',
  contactChange: 'Change',
  soundOn: 'Sound on',
  soundOff: 'Sound off',
  waitingForNetwork: 'Waiting for the connection — your messages are kept and will be sent.',
  err_invalid_code: 'That code is not right. Check the mail and try again.',
  err_code_expired: 'This code has expired or was replaced. Ask for a new one.',
  err_too_many_attempts: 'Too many wrong codes. Please start the request again.',
  err_rate_limited: 'Too many codes were sent to this address or from your network. Please try again in an hour.',
  err_invalid_payload: 'Please check what you entered.',
  attach: 'Attach a file',
};

type Catalogue = typeof en;

const ru: Catalogue = {
  title: 'Напишите нам',
  online: 'Мы на связи',
  greeting: 'Здравствуйте! Чем можем помочь?',
  message: 'Сообщение',
  send: 'Отправить',
  sending: 'Отправляется…',
  sent: 'Отправлено',
  failed: 'Не отправлено',
  retry: 'Повторить',
  remove: 'Удалить',
  tooFast: 'Слишком много сообщений; подождите.',
  operator: 'Оператор',
  typing: 'печатает…',
  privacyEntry: 'Мои данные',
  privacyPolicy: 'Политика конфиденциальности',
  back: 'Назад в чат',
  reconnecting: 'Восстанавливаем связь…',
  erased: 'История переписки удалена по вашему запросу.',
  privacyTitle: 'Мои персональные данные',
  privacyIntro: 'Что сделать с вашими данными?',
  type_erasure: 'Удалить мои данные',
  type_access: 'Получить копию моих данных',
  type_rectification: 'Исправить мои данные',
  type_objection: 'Не присылать рекламу',
  email: 'Почта, с которой связаны данные',
  name: 'Имя (необязательно)',
  details: 'Что нужно исправить?',
  sendCode: 'Прислать код',
  cancel: 'Отмена',
  codeSent: 'Мы отправили 6-значный код на вашу почту. Он действует 10 минут.',
  code: 'Код подтверждения',
  confirm: 'Подтвердить',
  resend: 'Прислать новый код',
  filed: 'Запрос принят.',
  alreadyOpen: 'У вас уже есть открытый запрос такого вида:',
  reference: 'Номер',
  due: 'Ответим до',
  myRequests: 'Мои запросы',
  noRequests: 'Запросов пока нет.',
  offerPrivacy: 'Похоже, вы хотите распорядиться своими данными. Здесь можно подать подтверждённый запрос:',
  offerButton: 'Подать запрос о данных',
  state_awaiting_verification: 'Ждёт подтверждения',
  state_verified: 'Принят',
  state_in_progress: 'В работе',
  state_completed: 'Выполнен',
  state_rejected: 'Отклонён',
  state_expired: 'Истёк',
  rejectedBecause: 'Причина:',
  complainRight: 'Вы вправе обратиться с жалобой в Роскомнадзор.',
  extended: 'срок продлён',
  awayTitle: 'Сейчас мы не в сети',
  awayBody: 'Оставьте сообщение и почту — мы ответим туда.',
  transcript: 'Прислать мне эту переписку',
  contactEmail: 'Ваша почта',
  contactName: 'Ваше имя (необязательно)',
  contactSave: 'Сохранить почту',
  contactSaved: 'Спасибо! Мы ответим на',
  contactChange: 'Изменить',
  soundOn: 'Звук включён',
  soundOff: 'Звук выключен',
  waitingForNetwork: 'Ждём связи — сообщения сохранены и будут отправлены.',
  err_invalid_code: 'Код неверный. Проверьте письмо и попробуйте ещё раз.',
  err_code_expired: 'Срок действия кода истёк или он заменён новым. Запросите новый код.',
  err_too_many_attempts: 'Слишком много неверных попыток. Подайте запрос заново.',
  err_rate_limited: 'На этот адрес или из вашей сети отправлено слишком много кодов. Попробуйте через час.',
  err_invalid_payload: 'Проверьте введённые данные.',
  attach: 'Прикрепить файл',
};

export type Strings = Catalogue & (typeof launcherStrings)['en'];
/** Both catalogues (without the launcher's words), for tests and tools; the panel uses `catalogue()`. */
export const catalogues: Record<Lang, Catalogue> = { en, ru };

/** The strings for `lang`; in a per-language panel build, always that build's (the other is dropped). */
export function catalogue(lang: Lang): Strings {
  const chosen = typeof CW_PANEL_LANG === 'string' ? CW_PANEL_LANG : lang;
  return { ...launcherStrings[chosen], ...(chosen === 'ru' ? ru : en) };
}

export function pickLang(requested: string | null | undefined): Lang {
  const tag = (requested || (typeof navigator !== 'undefined' ? navigator.language : 'en')).toLowerCase();
  return tag.startsWith('ru') ? 'ru' : 'en';
}

/** A request not yet classified (one that came by mail) is named just as a privacy request. */
export function typeLabel(t: Strings, type: RequestKind): string {
  return type === null ? t.privacyTitle : t[`type_${type}`];
}

export function stateLabel(t: Strings, state: RequestState): string {
  return t[`state_${state}`];
}

/** A server error in the visitor's language; the server's English text when we have no translation. */
export function errorText(t: Strings, code: string, fallback: string): string {
  const key = `err_${code}` as keyof Strings;
  return key in t ? t[key] : fallback;
}

/** Phrases that suggest the visitor wants a privacy request rather than a chat answer. */
const PRIVACY_INTENT =
  /(delete|erase|remove|wipe)\s+(all\s+)?(my|our)\s+(data|account|information|info)|my\s+(personal\s+)?data|gdpr|удал\p{L}*\s+(мои|мой|все\s+мои)?\s*(данн|аккаунт|информац|персональн)|мои\s+данные|персональн\p{L}*\s+данн/iu;

export function looksLikePrivacyRequest(text: string): boolean {
  return PRIVACY_INTENT.test(text);
}
