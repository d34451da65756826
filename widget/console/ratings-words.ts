/**
 * The words of the Ratings report and of a conversation's rating, in English and Russian, and the sums
 * both show: how many ratings, the share of good ones (thumbs) and the average (stars).
 */
import type { Lang, RatingCounts, RatingDto } from '../../shared/types';

const en = {
  nav: 'Ratings',
  title: 'Ratings',
  intro: 'How visitors rated resolved conversations, in all and per operator. Days are in the team’s time zone.',
  range: 'Date range',
  from: 'From',
  to: 'To',
  show: 'Show',
  loading: 'Loading…',
  none: 'No ratings in this range',
  noneHint: 'Visitors are asked to rate a conversation when it is resolved (Admin → Widget & hours sets the question).',
  totals: 'Totals',
  count: 'Ratings',
  shareGood: 'Good (thumbs)',
  shareGoodColumn: 'Share good',
  average: 'Average (stars)',
  perOperator: 'Per operator',
  operator: 'Operator',
  good: 'Good',
  bad: 'Bad',
  stars: 'Star ratings',
  nobody: 'Nobody (unassigned)',
  chart: 'Ratings per operator',
  chartSummary: (n: number) =>
    `Bar chart of ${n} operators: positive, neutral and negative ratings each; the same numbers are in the table.`,
  positive: 'Positive',
  neutral: 'Neutral',
  negative: 'Negative',
  legend: 'Positive: good, 4–5 stars · Neutral: 3 stars · Negative: bad, 1–2 stars',
  recent: 'Latest ratings',
  when: 'When',
  visitor: 'Visitor',
  rating: 'Rating',
  comment: 'Comment',
  ofGood: (good: number, all: number) => `${good} of ${all}`,
  thumbsUp: 'Good',
  thumbsDown: 'Bad',
  starsOf: (n: number) => `${n} of 5 stars`,
  visitorRated: 'Visitor’s rating',
  open: (label: string) => `Open the conversation with ${label}`,
};

type Words = typeof en;

const ru: Words = {
  nav: 'Оценки',
  title: 'Оценки',
  intro: 'Как посетители оценили закрытые диалоги, всего и по операторам. Дни — по часовому поясу команды.',
  range: 'Период',
  from: 'С',
  to: 'По',
  show: 'Показать',
  loading: 'Загрузка…',
  none: 'За эти дни оценок нет',
  noneHint: 'Посетителя просят оценить диалог, когда его закрывают (вопрос задаётся в разделе «Виджет и часы работы»).',
  totals: 'Итого',
  count: 'Оценок',
  shareGood: 'Хорошо (да/нет)',
  shareGoodColumn: 'Доля «хорошо»',
  average: 'Среднее (звёзды)',
  perOperator: 'По операторам',
  operator: 'Оператор',
  good: 'Хорошо',
  bad: 'Плохо',
  stars: 'Оценок звёздами',
  nobody: 'Никто (не назначен)',
  chart: 'Оценки по операторам',
  chartSummary: (n) => `Диаграмма по ${n} операторам: положительные, нейтральные и отрицательные оценки; те же числа — в таблице.`,
  positive: 'Положительные',
  neutral: 'Нейтральные',
  negative: 'Отрицательные',
  legend: 'Положительные: «хорошо», 4–5 звёзд · Нейтральные: 3 звезды · Отрицательные: «плохо», 1–2 звезды',
  recent: 'Последние оценки',
  when: 'Когда',
  visitor: 'Посетитель',
  rating: 'Оценка',
  comment: 'Комментарий',
  ofGood: (good, all) => `${good} из ${all}`,
  thumbsUp: 'Хорошо',
  thumbsDown: 'Плохо',
  starsOf: (n) => `${n} из 5 звёзд`,
  visitorRated: 'Оценка посетителя',
  open: (label) => `Открыть диалог: ${label}`,
};

export const RATING_WORDS: Record<Lang, Words> = { en, ru };

/** The sums of a set of counts: how many ratings, good share (0–1) and star average, null where none. */
export function ratingSums(c: RatingCounts): {
  count: number;
  thumbs: number;
  good: number;
  shareGood: number | null;
  starCount: number;
  average: number | null;
  positive: number;
  neutral: number;
  negative: number;
} {
  const [bad, good] = c.thumbs;
  const thumbs = bad + good;
  const starCount = c.stars.reduce((a, b) => a + b, 0);
  const starSum = c.stars.reduce((a, n, i) => a + n * (i + 1), 0);
  return {
    count: thumbs + starCount,
    thumbs,
    good,
    shareGood: thumbs ? good / thumbs : null,
    starCount,
    average: starCount ? starSum / starCount : null,
    positive: good + c.stars[3] + c.stars[4],
    neutral: c.stars[2],
    negative: bad + c.stars[0] + c.stars[1],
  };
}

/** "83 %" / "83 %" with the language's number format; "—" for none. */
export function percent(share: number | null, lang: Lang): string {
  return share === null ? '—' : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/** "4.3" / "4,3"; "—" for none. */
export function average(value: number | null, lang: Lang): string {
  return value === null ? '—' : new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
}

/** One rating as a short text: "👍 Good", "★ 4/5" — with its full words for assistive technology. */
export function ratingLabel(r: Pick<RatingDto, 'scale' | 'score'>, lang: Lang): { short: string; full: string } {
  const w = RATING_WORDS[lang];
  if (r.scale === 'thumbs')
    return r.score === 1 ? { short: `👍 ${w.thumbsUp}`, full: w.thumbsUp } : { short: `👎 ${w.thumbsDown}`, full: w.thumbsDown };
  return { short: `★ ${r.score}/5`, full: w.starsOf(r.score) };
}
