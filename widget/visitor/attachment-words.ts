/**
 * The attachment words the visitor sees once the attachments chunk is loaded, in English and Russian.
 * They live here rather than in i18n.ts so that they travel in that chunk, not in every visitor's panel;
 * a per-language build keeps one catalogue (CW_PANEL_LANG), like i18n.ts.
 */
import type { Lang } from '../../shared/types';

declare const CW_PANEL_LANG: Lang | undefined;

const en = {
  dropHint: 'Drop the file here to send it',
  uploading: 'Uploading…',
  fileTooBig: 'This file is too large. The limit is',
  fileType: 'This kind of file cannot be sent. Allowed:',
  fileLost: 'The file was not sent; please attach it again.',
  viewImage: 'Open image',
  download: 'Download',
  close: 'Close',
  offline: 'Not connected — try again in a moment.',
};

export type AttachmentWords = typeof en;

const ru: AttachmentWords = {
  dropHint: 'Отпустите файл здесь, чтобы отправить',
  uploading: 'Загружается…',
  fileTooBig: 'Файл слишком большой. Предел —',
  fileType: 'Такой файл отправить нельзя. Можно:',
  fileLost: 'Файл не отправлен; прикрепите его ещё раз.',
  viewImage: 'Открыть изображение',
  download: 'Скачать',
  close: 'Закрыть',
  offline: 'Нет связи — попробуйте чуть позже.',
};

/** Both catalogues, for tests. */
export const attachmentCatalogues: Record<Lang, AttachmentWords> = { en, ru };

export function attachmentWords(lang: Lang): AttachmentWords {
  return (typeof CW_PANEL_LANG === 'string' ? CW_PANEL_LANG : lang) === 'ru' ? ru : en;
}
