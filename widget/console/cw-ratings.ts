import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../shared/protocol';
import type { Lang, RatingReportDto } from '../../shared/types';
import { consoleLang } from './console-lang';
import type { ConsoleStore } from './console-store';
import { emptyState, failure, pageHead } from './page';
import { RATING_WORDS, average, percent, ratingLabel, ratingSums } from './ratings-words';
import { routePath } from './router';
import { consoleStyles, formatTime } from './styles';

/** A number cell; on narrow screens, where the table's head is hidden, it names its column itself. */
const cell = (label: string, value: string | number) => html`<td class="num"><span class="cell-label">${label}</span>${value}</td>`;

/**
 * Ratings: what visitors said of resolved conversations in a date range (at first the last 30 days, in the team's zone) —
 * totals, one row per operator, a bar chart of positive / neutral / negative per operator (its numbers
 * are also in the table and in the chart's accessible name), and the latest ratings with their comments.
 * Every operator may read it.
 */
@customElement('cw-ratings')
export class CwRatings extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      .range-form .field { flex: 0 1 180px; }
      .totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; margin: 0; }
      .totals div { background: var(--cw-surface); border-radius: var(--cw-radius); padding: 12px 14px; }
      .totals dt { font-size: 13px; color: var(--cw-muted); }
      .totals dd { margin: 4px 0 0; font-size: 22px; font-weight: 700; }
      .totals dd span { font-size: 13px; font-weight: 400; color: var(--cw-muted); margin-left: 6px; }
      figure { margin: 0 0 16px; display: grid; gap: 8px; }
      .bar-row { display: grid; grid-template-columns: minmax(80px, 160px) minmax(0, 1fr) 3ch; gap: 10px; align-items: center; }
      .bar-row .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: 13px; }
      .bar-row .n { font-size: 13px; text-align: right; font-variant-numeric: tabular-nums; }
      .bar-row svg { width: 100%; height: 16px; display: block; background: var(--cw-surface); border-radius: 4px; }
      .positive { fill: var(--cw-ok); } .neutral { fill: var(--cw-border-strong); } .negative { fill: var(--cw-danger); }
      figcaption { font-size: 13px; color: var(--cw-muted); display: flex; flex-wrap: wrap; gap: 4px 14px; }
      .key { display: inline-flex; align-items: center; gap: 6px; }
      .key svg { width: 10px; height: 10px; }
      td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
      .comment { font-style: italic; }
      .cell-label { display: none; }
      @media (max-width: 640px) { .cell-label { display: inline; color: var(--cw-muted); font-size: 13px; margin-right: 4px; } }
      tbody th { text-transform: none; letter-spacing: normal; font-size: inherit; color: var(--cw-fg); }
      tbody tr:last-child th { border-bottom: 0; }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  /** Empty until the first report: the server picks the last 30 days in the team's zone, which the console does not know. */
  @state() private from = '';
  @state() private to = '';
  @state() private report: RatingReportDto | null = null;
  @state() private error: string | null = null;
  private readonly uiLang: Lang = consoleLang();

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    this.error = null;
    try {
      const range = this.from && this.to ? { from: this.from, to: this.to } : {};
      const { report } = await this.store.call(OperatorEvent.ratingReport, range);
      this.report = report;
      this.from = report.from;
      this.to = report.to;
    } catch (e) {
      this.error = failure(e);
    }
  }

  override render() {
    const w = RATING_WORDS[this.uiLang];
    const report = this.report;
    return html`<div class="page">
      ${pageHead(w.title, w.intro)}
      <section class="card" aria-label=${w.range}>
        <form class="inline-form range-form" @submit=${this.submit}>
          <div class="field"><label for="from">${w.from}</label><input id="from" name="from" type="date" required .value=${this.from} /></div>
          <div class="field"><label for="to">${w.to}</label><input id="to" name="to" type="date" required .value=${this.to} /></div>
          <button class="primary" type="submit">${w.show}</button>
        </form>
      </section>
      ${this.error ? html`<p class="callout error" role="alert">${this.error}</p>` : nothing}
      ${report === null ? (this.error ? nothing : html`<p class="muted">${w.loading}</p>`) : this.renderReport(report)}
    </div>`;
  }

  private renderReport(report: RatingReportDto) {
    const w = RATING_WORDS[this.uiLang];
    const total = ratingSums(report.total);
    if (total.count === 0) return html`<section class="card">${emptyState('star', w.none, w.noneHint)}</section>`;
    const rows = report.byOperator
      .map((o) => ({ name: o.operatorName ?? w.nobody, sums: ratingSums(o) }))
      .sort((a, b) => b.sums.count - a.sums.count);
    const max = Math.max(...rows.map((r) => r.sums.count));
    const chartName = `${w.chart}. ${rows
      .map((r) => `${r.name}: ${r.sums.positive} ${w.positive}, ${r.sums.neutral} ${w.neutral}, ${r.sums.negative} ${w.negative}`)
      .join('; ')}.`;
    return html`<section class="card" aria-labelledby="totals-title">
        <h2 id="totals-title">${w.totals}</h2>
        <dl class="totals">
          <div><dt>${w.count}</dt><dd data-total="count">${total.count}</dd></div>
          <div><dt>${w.shareGood}</dt><dd data-total="good">${percent(total.shareGood, this.uiLang)}${total.thumbs ? html`<span>${w.ofGood(total.good, total.thumbs)}</span>` : nothing}</dd></div>
          <div><dt>${w.average}</dt><dd data-total="average">${average(total.average, this.uiLang)}${total.starCount ? html`<span>★ · ${total.starCount}</span>` : nothing}</dd></div>
        </dl>
      </section>
      <section class="card" aria-labelledby="operators-title">
        <h2 id="operators-title">${w.perOperator}</h2>
        <figure role="img" aria-label=${chartName}>
          ${rows.map(({ name, sums }) => {
            const scale = (n: number) => (n / max) * 100;
            return html`<div class="bar-row" aria-hidden="true"><span class="name" title=${name}>${name}</span>
              <svg viewBox="0 0 100 10" preserveAspectRatio="none" focusable="false">
                <rect class="positive" x="0" y="0" height="10" width=${scale(sums.positive)}></rect>
                <rect class="neutral" x=${scale(sums.positive)} y="0" height="10" width=${scale(sums.neutral)}></rect>
                <rect class="negative" x=${scale(sums.positive + sums.neutral)} y="0" height="10" width=${scale(sums.negative)}></rect>
              </svg><span class="n">${sums.count}</span></div>`;
          })}
          <figcaption aria-hidden="true">
            <span class="key"><svg viewBox="0 0 10 10"><rect class="positive" width="10" height="10"></rect></svg>${w.positive}</span>
            <span class="key"><svg viewBox="0 0 10 10"><rect class="neutral" width="10" height="10"></rect></svg>${w.neutral}</span>
            <span class="key"><svg viewBox="0 0 10 10"><rect class="negative" width="10" height="10"></rect></svg>${w.negative}</span>
            <span>${w.legend}</span>
          </figcaption>
        </figure>
        <div class="table-wrap"><table aria-labelledby="operators-title">
          <thead><tr><th scope="col">${w.operator}</th><th scope="col" class="num">${w.count}</th><th scope="col" class="num">${w.good}</th>
            <th scope="col" class="num">${w.bad}</th><th scope="col" class="num">${w.shareGoodColumn}</th><th scope="col" class="num">${w.stars}</th><th scope="col" class="num">${w.average}</th></tr></thead>
          <tbody>${rows.map(
            ({ name, sums }) => html`<tr><th scope="row">${name}</th>
              ${cell(w.count, sums.count)}${cell(w.good, sums.good)}${cell(w.bad, sums.thumbs - sums.good)}
              ${cell(w.shareGoodColumn, percent(sums.shareGood, this.uiLang))}${cell(w.stars, sums.starCount)}${cell(w.average, average(sums.average, this.uiLang))}</tr>`,
          )}</tbody>
        </table></div>
      </section>
      <section class="card" aria-labelledby="recent-title">
        <h2 id="recent-title">${w.recent}</h2>
        <div class="table-wrap"><table aria-labelledby="recent-title">
          <thead><tr><th scope="col">${w.when}</th><th scope="col">${w.visitor}</th><th scope="col">${w.operator}</th><th scope="col">${w.rating}</th><th scope="col">${w.comment}</th></tr></thead>
          <tbody>${report.recent.map((r) => {
            const label = ratingLabel(r, this.uiLang);
            return html`<tr><td>${formatTime(r.createdAt)}</td>
              <td><a href=${routePath({ page: 'inbox', conversationId: r.conversationId })} aria-label=${w.open(r.visitorLabel)}>${r.visitorLabel}</a></td>
              <td>${r.operatorName ?? w.nobody}</td>
              <td><span aria-hidden="true">${label.short}</span><span class="sr-only">${label.full}</span></td>
              <td class="comment">${r.comment ?? ''}</td></tr>`;
          })}</tbody>
        </table></div>
      </section>`;
  }

  private submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    this.from = String(form.get('from') ?? '');
    this.to = String(form.get('to') ?? '');
    void this.load();
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-ratings': CwRatings;
  }
}
