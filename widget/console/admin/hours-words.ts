/**
 * The words of Admin → Widget & hours and Admin → Attachments, in English and Russian, and the line that
 * says whether the team is open now ("Now: closed — back Monday at 9:00").
 */
import type { AttachmentType } from '../../../shared/attachments';
import type { Lang } from '../../../shared/types';
import type { AvailabilityDto, RatingScale } from '../../../shared/widget-settings';

const en = {
  navHours: 'Widget & hours',
  navAttachments: 'Attachments',
  hoursTitle: 'Widget & hours',
  hoursIntro: 'When the team answers, what visitors read when they open the chat, and the question asked when a chat is resolved.',
  hoursHeading: 'Business hours',
  hoursEnabled: 'Use business hours',
  hoursEnabledHint: 'Off: the chat counts as open whenever an operator is online.',
  timezone: 'Time zone',
  timezoneHint: 'The hours and holidays are wall-clock times in this zone. Type to search.',
  timezoneUnknown: 'Pick a time zone from the list.',
  week: 'Opening hours',
  closed: 'Closed',
  from: 'From',
  to: 'To',
  untilMidnight: '24-hour clock, HH:MM; 24:00 is midnight at the end of the day. A day without hours is closed.',
  addRange: 'Add hours',
  removeRange: (day: string, from: string, to: string) => `Remove ${day} ${from}–${to}`,
  addRangeTo: (day: string) => `Add hours on ${day}`,
  holidays: 'Holidays',
  holidaysHint: 'Whole days closed, in the team’s time zone.',
  noHolidays: 'No holidays.',
  holidayDate: 'Date',
  addHoliday: 'Add holiday',
  removeHoliday: (day: string) => `Remove holiday ${day}`,
  hideOutside: 'Hide the chat bubble outside business hours',
  hideOutsideHint: 'Visitors who already have a conversation still see it.',
  textsHeading: 'Greeting and away message',
  textsHint: 'Empty: the widget’s built-in text.',
  greetingEn: 'Greeting (English)',
  greetingRu: 'Greeting (Russian)',
  awayEn: 'Away message (English)',
  awayRu: 'Away message (Russian)',
  awayHint: 'Shown with the contact form outside the hours or when nobody is online.',
  ratingHeading: 'Rating',
  ratingLegend: 'Ask visitors to rate a resolved conversation',
  scale: { off: 'Do not ask', thumbs: 'Good / bad (thumbs)', stars: '1 to 5 stars' } satisfies Record<RatingScale, string>,
  save: 'Save',
  saved: 'Saved.',
  unsaved: 'Unsaved changes',
  copyWeekdays: 'Copy Monday’s hours to Tuesday–Friday',
  loading: 'Loading…',
  days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  nowOpen: 'Now: open',
  nowOff: 'Now: open — business hours are off, so the chat is open whenever an operator is online',
  nowClosed: 'Now: closed',
  backAt: (weekday: number, time: string, date: string | null) =>
    date ? `back on ${date} at ${time}` : `back ${en.days[weekday]} at ${time}`,
  neverOpen: 'no opening hours ahead',
  attachmentsTitle: 'Attachments',
  attachmentsIntro: 'The files visitors and operators may attach to messages. The server checks each file’s bytes, not its name.',
  maxMb: 'Largest file (MB)',
  maxMbHint: (max: number) => `From 1 to ${max} MB.`,
  maxMbInvalid: (max: number) => `Enter a whole number of megabytes from 1 to ${max}.`,
  types: 'Allowed types',
  typesHint: 'None ticked: nobody can attach files.',
  typeNames: {
    'image/jpeg': 'JPEG images',
    'image/png': 'PNG images',
    'image/gif': 'GIF images',
    'image/webp': 'WebP images',
    'application/pdf': 'PDF documents',
  } satisfies Record<AttachmentType, string>,
};

type Words = typeof en;

const ruDays = ['понедельник', 'вторник', 'среда', 'четверг', 'пятница', 'суббота', 'воскресенье'];
/** "в понедельник", "во вторник", "в среду": the accusative after "в". */
const ruOnDay = ['в понедельник', 'во вторник', 'в среду', 'в четверг', 'в пятницу', 'в субботу', 'в воскресенье'];

const ru: Words = {
  navHours: 'Виджет и часы',
  navAttachments: 'Вложения',
  hoursTitle: 'Виджет и часы работы',
  hoursIntro: 'Когда команда отвечает, что видит посетитель, открыв чат, и какой вопрос задаётся после закрытия диалога.',
  hoursHeading: 'Часы работы',
  hoursEnabled: 'Учитывать часы работы',
  hoursEnabledHint: 'Выключено: чат открыт, когда в сети есть оператор.',
  timezone: 'Часовой пояс',
  timezoneHint: 'Часы и праздники указаны по местному времени этого пояса. Начните вводить для поиска.',
  timezoneUnknown: 'Выберите часовой пояс из списка.',
  week: 'Расписание',
  closed: 'Выходной',
  from: 'С',
  to: 'До',
  untilMidnight: '24-часовой формат ЧЧ:ММ; 24:00 — полночь в конце дня. День без часов — выходной.',
  addRange: 'Добавить часы',
  removeRange: (day, from, to) => `Удалить ${day} ${from}–${to}`,
  addRangeTo: (day) => `Добавить часы: ${day}`,
  holidays: 'Праздники',
  holidaysHint: 'Нерабочие дни целиком, по часовому поясу команды.',
  noHolidays: 'Праздников нет.',
  holidayDate: 'Дата',
  addHoliday: 'Добавить праздник',
  removeHoliday: (day) => `Удалить праздник ${day}`,
  hideOutside: 'Скрывать кнопку чата в нерабочее время',
  hideOutsideHint: 'Посетители, у которых уже есть диалог, видят её всегда.',
  textsHeading: 'Приветствие и сообщение в нерабочее время',
  textsHint: 'Пусто: встроенный текст виджета.',
  greetingEn: 'Приветствие (английский)',
  greetingRu: 'Приветствие (русский)',
  awayEn: 'Нерабочее время (английский)',
  awayRu: 'Нерабочее время (русский)',
  awayHint: 'Показывается с формой для связи в нерабочее время или когда никого нет в сети.',
  ratingHeading: 'Оценка',
  ratingLegend: 'Просить посетителя оценить закрытый диалог',
  scale: { off: 'Не спрашивать', thumbs: 'Хорошо / плохо', stars: 'От 1 до 5 звёзд' },
  save: 'Сохранить',
  saved: 'Сохранено.',
  unsaved: 'Есть несохранённые изменения',
  copyWeekdays: 'Часы понедельника — на вторник–пятницу',
  loading: 'Загрузка…',
  days: ruDays.map((d) => d[0].toUpperCase() + d.slice(1)),
  nowOpen: 'Сейчас: открыто',
  nowOff: 'Сейчас: открыто — часы работы выключены, чат открыт, когда в сети есть оператор',
  nowClosed: 'Сейчас: закрыто',
  backAt: (weekday, time, date) => (date ? `откроемся ${date} в ${time}` : `откроемся ${ruOnDay[weekday]} в ${time}`),
  neverOpen: 'рабочих часов впереди нет',
  attachmentsTitle: 'Вложения',
  attachmentsIntro: 'Какие файлы посетители и операторы могут прикреплять к сообщениям. Сервер проверяет содержимое файла, а не его имя.',
  maxMb: 'Наибольший файл (МБ)',
  maxMbHint: (max) => `От 1 до ${max} МБ.`,
  maxMbInvalid: (max) => `Введите целое число мегабайт от 1 до ${max}.`,
  types: 'Разрешённые типы',
  typesHint: 'Ничего не отмечено: прикреплять файлы нельзя.',
  typeNames: {
    'image/jpeg': 'Изображения JPEG',
    'image/png': 'Изображения PNG',
    'image/gif': 'Изображения GIF',
    'image/webp': 'Изображения WebP',
    'application/pdf': 'Документы PDF',
  },
};

export const HOURS_WORDS: Record<Lang, Words> = { en, ru };

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const WEEK = 7 * 24 * 60 * 60 * 1000;

/**
 * "Now: closed — back Monday at 9:00", in the team's zone: the weekday while the opening is within a
 * week, the date beyond that.
 */
export function availabilityLine(availability: AvailabilityDto, hoursEnabled: boolean, lang: Lang, now = Date.now()): string {
  const w = HOURS_WORDS[lang];
  if (!hoursEnabled) return w.nowOff;
  if (availability.open) return w.nowOpen;
  if (availability.nextOpenAt === null) return `${w.nowClosed} — ${w.neverOpen}`;
  const timeZone = availability.timezone;
  const at = new Date(availability.nextOpenAt);
  const time = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { hour: 'numeric', minute: '2-digit', timeZone }).format(at);
  const weekday = WEEKDAYS.indexOf(new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone }).format(at));
  const date =
    availability.nextOpenAt - now >= WEEK
      ? new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'long', timeZone }).format(at)
      : null;
  return `${w.nowClosed} — ${w.backAt(weekday, time, date)}`;
}
