import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { OperatorEvent } from '../../../shared/protocol';
import type { Lang } from '../../../shared/types';
import { RATING_SCALES, type AvailabilityDto, type OpeningRange, type WidgetSettingsDto } from '../../../shared/widget-settings';
import { consoleLang } from '../console-lang';
import { icon } from '../icons';
import { pageHead } from '../page';
import { AdminPage } from './admin-page';
import { HOURS_WORDS, availabilityLine } from './hours-words';

/** Every zone the browser knows, UTC first (some engines leave it out of the list). */
function timeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

/** Whether the browser knows a zone (its list leaves out aliases such as Europe/Kiev, which still work). */
function knownZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone !== '';
  } catch {
    return false;
  }
}

/** "9" and "9:30" as the server wants them ("09:00", "09:30"); anything else as typed, for the server to refuse. */
function clockTime(value: string): string {
  const m = /^(\d{1,2})(?::?(\d{2}))?$/.exec(value.trim());
  return m ? `${m[1].padStart(2, '0')}:${m[2] ?? '00'}` : value.trim();
}

/**
 * Admin → Widget & hours: business hours (time zone, ranges per weekday, holidays, hiding the bubble
 * while closed), the greeting and away message in both languages, and the rating question. The server
 * checks everything; its answer (or its refusal) is shown beside the Save button, and the saved state
 * (sorted, deduplicated) replaces the form's.
 */
@customElement('cw-admin-hours')
export class CwAdminHours extends AdminPage {
  static override styles = [
    ...AdminPage.styles,
    css`
      form { display: grid; gap: 16px; }
      fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
      legend { font-weight: 600; font-size: 13px; padding: 0; margin-bottom: 6px; }
      .days { display: grid; gap: 0; }
      .day { display: grid; grid-template-columns: 120px minmax(0, 1fr); gap: 8px 16px; align-items: start; padding: 10px 0; border-top: 1px solid var(--cw-border); }
      .day:first-child { border-top: 0; }
      .day legend { float: left; margin: 0; padding-top: 8px; }
      .ranges { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; }
      .range { display: flex; gap: 6px; align-items: center; }
      .range input { width: 72px; text-align: center; font-variant-numeric: tabular-nums; }
      .closed { color: var(--cw-muted); padding: 0 4px; }
      .holidays { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0 0; padding: 0; list-style: none; }
      .holidays li { display: inline-flex; align-items: center; gap: 2px; padding-left: 10px; border: 1px solid var(--cw-border); border-radius: 999px; }
      .holidays li button { min-height: 28px; width: 28px; border-radius: 999px; }
      .holiday-add { margin-top: 8px; }
      .copy-row { justify-content: flex-start; margin-top: 8px; }
      .holiday-add .field { flex: 0 1 220px; }
      #timezone { max-width: 420px; }
      .after-holidays { margin-top: 18px; }
      .scales { display: flex; flex-wrap: wrap; gap: 8px 20px; }
      .scales label { display: inline-flex; gap: 8px; align-items: center; font-weight: 400; font-size: 14px; }
      .scales input { width: 18px; min-height: 18px; height: 18px; margin: 0; accent-color: var(--cw-accent); }
      .now { display: flex; gap: 8px; align-items: center; font-weight: 600; }
      .now[data-open='false'] { color: var(--cw-warn); }
      .now[data-open='true'] { color: var(--cw-ok); }
      .save-row { display: grid; gap: 10px; position: sticky; bottom: 0; background: var(--cw-surface); padding: 10px 0; }
      .save-row .form-actions { margin-top: 0; }
      @media (max-width: 640px) { .day { grid-template-columns: minmax(0, 1fr); } .day legend { float: none; padding-top: 0; } }
    `,
  ];

  @state() private draft: WidgetSettingsDto | null = null;
  @state() private availability: AvailabilityDto | null = null;
  /** Edited since the last load or save. */
  @state() private dirty = false;
  private readonly uiLang: Lang = consoleLang();
  private readonly zones = timeZones();

  override connectedCallback(): void {
    super.connectedCallback();
    void this.run(async () => this.take(await this.store.call(OperatorEvent.widgetSettingsGet, {})));
  }

  private take(result: { settings: WidgetSettingsDto; availability: AvailabilityDto }) {
    this.draft = result.settings;
    this.availability = result.availability;
    this.dirty = false;
  }

  private edit(change: Partial<WidgetSettingsDto>) {
    if (this.draft) this.draft = { ...this.draft, ...change };
    this.notice = null;
    this.dirty = true;
  }

  private editDay(day: number, ranges: OpeningRange[]) {
    if (!this.draft) return;
    this.edit({ week: this.draft.week.map((r, i) => (i === day ? ranges : r)) });
  }

  override render() {
    const w = HOURS_WORDS[this.uiLang];
    const d = this.draft;
    if (!d)
      return html`<div class="page">${pageHead(w.hoursTitle, w.hoursIntro)}${this.messages()}${this.error ? nothing : html`<p class="muted">${w.loading}</p>`}</div>`;
    return html`<div class="page">
      ${pageHead(w.hoursTitle, w.hoursIntro)}
      ${
        this.availability
          ? html`<p class="now" data-open=${String(this.availability.open || !d.hoursEnabled)}>${icon('clock')}<span>${availabilityLine(this.availability, d.hoursEnabled, this.uiLang)}</span></p>`
          : nothing
      }
      <form @submit=${this.save} novalidate>
        <section class="card" aria-labelledby="hours-title">
          <h2 id="hours-title">${w.hoursHeading}</h2>
          <div class="form-grid">
            <div class="check">
              <input type="checkbox" id="hours-enabled" .checked=${d.hoursEnabled} aria-describedby="hours-enabled-hint"
                @change=${(e: Event) => this.edit({ hoursEnabled: (e.target as HTMLInputElement).checked })} />
              <label for="hours-enabled">${w.hoursEnabled}</label>
              <p class="hint" id="hours-enabled-hint">${w.hoursEnabledHint}</p>
            </div>
            <div class="field wide">
              <label for="timezone">${w.timezone}</label>
              <input id="timezone" list="timezones" autocomplete="off" spellcheck="false" .value=${d.timezone} aria-describedby="timezone-hint"
                @change=${(e: Event) => this.edit({ timezone: (e.target as HTMLInputElement).value.trim() })} />
              <datalist id="timezones">${this.zones.map((z) => html`<option value=${z}></option>`)}</datalist>
              <p class="hint" id="timezone-hint">${w.timezoneHint}</p>
            </div>
          </div>
          <h3>${w.week}</h3>
          <p class="hint" id="clock-hint">${w.untilMidnight}</p>
          <div class="days">${d.week.map((ranges, day) => this.renderDay(day, ranges))}</div>
          <div class="form-actions copy-row"><button type="button" class="small" @click=${this.copyWeekdays}>${w.copyWeekdays}</button></div>
          <h3>${w.holidays}</h3>
          <p class="hint" id="holidays-hint">${w.holidaysHint}</p>
          <div class="inline-form holiday-add">
            <div class="field"><label for="holiday">${w.holidayDate}</label><input id="holiday" type="date" aria-describedby="holidays-hint" @keydown=${this.holidayKey} /></div>
            <button type="button" @click=${this.addHoliday}>${icon('plus')}${w.addHoliday}</button>
          </div>
          ${
            d.holidays.length
              ? html`<ul class="holidays" aria-label=${w.holidays}>${d.holidays.map(
                  (day) => html`<li><time datetime=${day}>${this.dayName(day)}</time>
                  <button type="button" class="quiet icon small" aria-label=${w.removeHoliday(day)} @click=${() => this.edit({ holidays: d.holidays.filter((h) => h !== day) })}>${icon('trash', 16)}</button></li>`,
                )}</ul>`
              : html`<p class="muted">${w.noHolidays}</p>`
          }
          <div class="form-grid after-holidays">
            <div class="check">
              <input type="checkbox" id="hide-outside" .checked=${d.hideOutsideHours} aria-describedby="hide-outside-hint"
                @change=${(e: Event) => this.edit({ hideOutsideHours: (e.target as HTMLInputElement).checked })} />
              <label for="hide-outside">${w.hideOutside}</label>
              <p class="hint" id="hide-outside-hint">${w.hideOutsideHint}</p>
            </div>
          </div>
        </section>
        <section class="card" aria-labelledby="texts-title">
          <h2 id="texts-title">${w.textsHeading}</h2>
          <p class="hint">${w.textsHint}</p>
          <div class="form-grid two">
            ${this.text('greeting-en', w.greetingEn, d.greeting.en, (v) => this.edit({ greeting: { ...d.greeting, en: v } }))}
            ${this.text('greeting-ru', w.greetingRu, d.greeting.ru, (v) => this.edit({ greeting: { ...d.greeting, ru: v } }))}
            ${this.text('away-en', w.awayEn, d.away.en, (v) => this.edit({ away: { ...d.away, en: v } }), 'away-hint')}
            ${this.text('away-ru', w.awayRu, d.away.ru, (v) => this.edit({ away: { ...d.away, ru: v } }), 'away-hint')}
          </div>
          <p class="hint" id="away-hint">${w.awayHint}</p>
        </section>
        <section class="card" aria-labelledby="rating-title">
          <h2 id="rating-title">${w.ratingHeading}</h2>
          <fieldset>
            <legend>${w.ratingLegend}</legend>
            <div class="scales">${RATING_SCALES.map(
              (scale) => html`<label><input type="radio" name="scale" value=${scale} .checked=${d.ratingScale === scale}
                @change=${() => this.edit({ ratingScale: scale })} />${w.scale[scale]}</label>`,
            )}</div>
          </fieldset>
        </section>
        <div class="save-row">
          ${this.messages()}
          <div class="form-actions">${this.dirty ? html`<span class="muted u-self-center">${w.unsaved}</span>` : nothing}<button class="primary" type="submit">${w.save}</button></div>
        </div>
      </form>
    </div>`;
  }

  private renderDay(day: number, ranges: OpeningRange[]) {
    const w = HOURS_WORDS[this.uiLang];
    const name = w.days[day];
    const last = ranges.at(-1);
    const set = (i: number, change: Partial<OpeningRange>) =>
      this.editDay(
        day,
        ranges.map((r, j) => (j === i ? { ...r, ...change } : r)),
      );
    return html`<fieldset class="day">
      <legend>${name}</legend>
      <div class="ranges">
        ${ranges.length === 0 ? html`<span class="closed">${w.closed}</span>` : nothing}
        ${ranges.map(
          (r, i) => html`<span class="range">
            <input type="text" inputmode="numeric" maxlength="5" placeholder="09:00" autocomplete="off" aria-label=${`${name}, ${w.from}`} .value=${live(r.from)}
              aria-describedby="clock-hint" @change=${(e: Event) => set(i, { from: clockTime((e.target as HTMLInputElement).value) })} />
            <span aria-hidden="true">–</span>
            <input type="text" inputmode="numeric" maxlength="5" placeholder="17:00" autocomplete="off" aria-label=${`${name}, ${w.to}`} aria-describedby="clock-hint" .value=${live(r.to)}
              @change=${(e: Event) => set(i, { to: clockTime((e.target as HTMLInputElement).value) })} />
            <button type="button" class="quiet icon small" aria-label=${w.removeRange(name, r.from, r.to)}
              @click=${() =>
                this.editDay(
                  day,
                  ranges.filter((_, j) => j !== i),
                )}>${icon('trash', 16)}</button>
          </span>`,
        )}
        <button type="button" class="small" aria-label=${w.addRangeTo(name)} ?disabled=${last?.to === '24:00' || ranges.length >= 6}
          @click=${() => this.editDay(day, [...ranges, last ? { from: last.to, to: '24:00' } : { from: '09:00', to: '17:00' }])}>${icon('plus', 16)}${w.addRange}</button>
      </div>
    </fieldset>`;
  }

  /** "Thu, 3 Dec 2026" for "2026-12-03" (a calendar day, so read and written in UTC). */
  private dayName(day: string): string {
    const options = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' } as const;
    return new Intl.DateTimeFormat(this.uiLang === 'ru' ? 'ru-RU' : 'en-GB', options).format(Date.parse(`${day}T00:00:00Z`));
  }

  private text(id: string, label: string, value: string, onInput: (value: string) => void, hint?: string) {
    return html`<div class="field"><label for=${id}>${label}</label>
      <textarea id=${id} maxlength="1000" .value=${value} aria-describedby=${hint ?? nothing}
        @input=${(e: Event) => onInput((e.target as HTMLTextAreaElement).value)}></textarea></div>`;
  }

  private copyWeekdays = () => {
    if (!this.draft) return;
    const monday = this.draft.week[0];
    this.edit({ week: this.draft.week.map((ranges, day) => (day >= 1 && day <= 4 ? monday.map((r) => ({ ...r })) : ranges)) });
  };

  private holidayKey = (event: KeyboardEvent) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    this.addHoliday();
  };

  private addHoliday = () => {
    const input = this.renderRoot.querySelector<HTMLInputElement>('#holiday');
    const day = input?.value;
    if (!input || !this.draft) return;
    if (!day) {
      input.focus();
      return;
    }
    if (!this.draft.holidays.includes(day)) this.edit({ holidays: [...this.draft.holidays, day].sort() });
    input.value = '';
  };

  private save = (event: SubmitEvent) => {
    event.preventDefault();
    const draft = this.draft;
    if (!draft) return;
    // Said here, in the admin's language, and focused; the server checks the zone again.
    if (!knownZone(draft.timezone)) {
      this.notice = null;
      this.error = HOURS_WORDS[this.uiLang].timezoneUnknown;
      this.renderRoot.querySelector<HTMLInputElement>('#timezone')?.focus();
      return;
    }
    void this.run(async () => {
      this.take(await this.store.call(OperatorEvent.widgetSettingsSave, draft));
      this.notice = HOURS_WORDS[this.uiLang].saved;
    });
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-hours': CwAdminHours;
  }
}
