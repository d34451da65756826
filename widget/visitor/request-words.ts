import type { RequestType } from '../../shared/privacy';

/**
 * What each kind of request does, told before the requester gives their address. These live here, in the
 * privacy flow's lazily loaded chunk, not in common/i18n.ts: the static panel does not grow by them.
 */
const EXPLAIN: Record<'en' | 'ru', Record<RequestType, string>> = {
  en: {
    erasure:
      'We will delete your chats, messages and contact details (e-mail, name) held for this address. The law makes us keep order and payment records and data needed for legal claims; those are kept apart and you will be told what remains.',
    access: 'We will send you a machine-readable copy (JSON) of everything we hold about this address, through a one-time link.',
    rectification: 'Tell us what is wrong and what it should be; an operator corrects it and tells you.',
    objection: 'We stop sending you marketing and promotions at once. Messages about your orders still reach you.',
  },
  ru: {
    erasure:
      'Мы удалим ваши переписки, сообщения и контактные данные (почту и имя), связанные с этим адресом. Закон обязывает нас хранить сведения о заказах и оплатах и данные, нужные для защиты в суде; мы сообщим, что осталось и почему.',
    access: 'Мы пришлём машиночитаемую копию (JSON) всех данных, связанных с этим адресом, по одноразовой ссылке.',
    rectification: 'Напишите, что неверно и как должно быть; оператор исправит и сообщит вам.',
    objection: 'Мы сразу перестанем присылать рекламу и акции. Сообщения о ваших заказах продолжат приходить.',
  },
};

export function explainRequest(lang: 'en' | 'ru', type: RequestType): string {
  return EXPLAIN[lang][type];
}
