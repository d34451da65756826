import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import {
  MAX_PRECHAT_FIELDS,
  NAME_KEY,
  type ConsentVersionDto,
  type PrechatConfigDto,
  type PrechatFieldConfig,
  type PrechatKind,
} from '../../../shared/prechat';
import { OperatorEvent } from '../../../shared/protocol';
import type { Lang } from '../../../shared/types';
import { icon } from '../icons';
import { pageHead, plural } from '../page';
import { consoleStyles, formatTime } from '../styles';
import { AdminPage } from './admin-page';

/** What "Add field" offers: the contact fields (once each) and custom ones. */
const ADDABLE = {
  name: { kind: 'text', label: { en: 'Your name', ru: 'Ваше имя' }, title: 'Name' },
  email: { kind: 'email', label: { en: 'E-mail', ru: 'Эл. почта' }, title: 'E-mail' },
  phone: { kind: 'phone', label: { en: 'Phone', ru: 'Телефон' }, title: 'Phone' },
  text: { kind: 'text', label: { en: '', ru: '' }, title: 'Text (custom)' },
  choice: { kind: 'choice', label: { en: '', ru: '' }, title: 'Choice (custom)' },
  checkbox: { kind: 'checkbox', label: { en: '', ru: '' }, title: 'Checkbox (custom)' },
} as const;
type Addable = keyof typeof ADDABLE;

const KIND_LABEL: Record<PrechatKind, string> = {
  text: 'Text',
  email: 'E-mail',
  phone: 'Phone',
  choice: 'Choice',
  checkbox: 'Checkbox',
};

/**
 * Admin → Pre-chat form: the fields visitors answer before their first message (EN and RU labels,
 * required or not, in order), when the form is shown, and the consent text with its versions; a changed
 * text becomes a new version when saved. The register of consent texts downloads as CSV.
 */
@customElement('cw-admin-prechat')
export class CwAdminPrechat extends AdminPage {
  static override styles = [
    consoleStyles,
    css`
      form.prechat { display: grid; gap: 16px; }
      fieldset { border: 0; padding: 0; margin: 14px 0 0; display: grid; gap: 6px; }
      legend { font-weight: 600; margin-bottom: 6px; padding: 0; }
      .add { margin-top: 12px; }
      .option { display: grid; grid-template-columns: 1fr 1fr auto; gap: 8px 12px; align-items: end; }
      @media (max-width: 560px) { .option { grid-template-columns: 1fr; } .option button { justify-self: start; } }
      .fields { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
      .fields > li { border: 1px solid var(--cw-border, #d0d4da); border-radius: 8px; padding: 10px 12px; }
      .field-head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
      .field-head strong { flex: 1; min-width: 10em; }
      .field-head .check { margin: 0; }
      textarea.consent { min-height: 7em; }
      [data-move='up'] svg { transform: rotate(180deg); }
      .versions td { vertical-align: top; }
      .versions .text { white-space: pre-wrap; max-width: 40em; }
    `,
  ];

  @state() private config: PrechatConfigDto | null = null;
  @state() private current: Record<Lang, ConsentVersionDto | null> = { en: null, ru: null };
  @state() private versions: ConsentVersionDto[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    await this.run(async () => {
      const [settings, { versions }] = await Promise.all([
        this.store.call(OperatorEvent.prechatGet, {}),
        this.store.call(OperatorEvent.consentVersions, {}),
      ]);
      this.config = settings.config;
      this.current = settings.current;
      this.versions = versions;
    });
  }

  override render() {
    const config = this.config;
    return html`<div class="page">
      ${pageHead('Pre-chat form', 'What visitors tell you before their first message, and the consent they accept.')}
      ${this.messages()}
      ${config ? this.renderForm(config) : this.error ? nothing : html`<p class="muted" role="status">Loading…</p>`}
    </div>`;
  }

  private renderForm(config: PrechatConfigDto) {
    return html`<form class="prechat" @submit=${this.save}>
        <section class="card" aria-labelledby="prechat-when">
          <h2 id="prechat-when">When to ask</h2>
          <div class="check">
            <input type="checkbox" id="prechat-enabled" .checked=${config.enabled} @change=${(e: Event) => this.set({ enabled: (e.target as HTMLInputElement).checked })} aria-describedby="prechat-enabled-hint" />
            <label for="prechat-enabled">Ask visitors to fill in the form before they chat</label>
            <p class="hint" id="prechat-enabled-hint">Visitors the site identifies (<code>identify()</code>) and visitors already chatting are never asked.</p>
          </div>
          <fieldset>
            <legend>Show the form</legend>
            <div class="check"><input type="radio" id="mode-always" name="mode" .checked=${config.mode === 'always'} @change=${() => this.set({ mode: 'always' })} />
              <label for="mode-always">Before the first message, always</label></div>
            <div class="check"><input type="radio" id="mode-offline" name="mode" .checked=${config.mode === 'offline'} @change=${() => this.set({ mode: 'offline' })} />
              <label for="mode-offline">Only when no operator is online</label></div>
          </fieldset>
        </section>

        <section class="card" aria-labelledby="prechat-fields">
          <h2 id="prechat-fields">Fields</h2>
          ${
            config.fields.length
              ? html`<ol class="fields">${config.fields.map((f, i) => this.renderField(f, i, config.fields.length))}</ol>`
              : html`<p class="muted">No fields yet: the form then asks for the consent only.</p>`
          }
          <div class="inline-form add">
            <div class="field"><label for="prechat-add">Add a field</label>
              <select id="prechat-add">
                ${(Object.keys(ADDABLE) as Addable[]).map(
                  (a) =>
                    html`<option value=${a} ?disabled=${(a === 'name' || a === 'email' || a === 'phone') && config.fields.some((f) => f.key === a)}>${ADDABLE[a].title}</option>`,
                )}
              </select></div>
            <button type="button" @click=${this.addField} ?disabled=${config.fields.length >= MAX_PRECHAT_FIELDS}>${icon('plus')}Add field</button>
          </div>
        </section>

        <section class="card" aria-labelledby="prechat-consent">
          <h2 id="prechat-consent">Consent</h2>
          <div class="check">
            <input type="checkbox" id="consent-required" .checked=${config.consentRequired} @change=${(e: Event) => this.set({ consentRequired: (e.target as HTMLInputElement).checked })} />
            <label for="consent-required">Visitors must accept the consent text to start</label>
          </div>
          <div class="form-grid two">
            ${(['en', 'ru'] as const).map(
              (lang) => html`<div class="field"><label for="consent-${lang}">Consent text (${lang.toUpperCase()})</label>
                <textarea class="consent" id="consent-${lang}" maxlength="5000" .value=${config.consentText[lang]} aria-describedby="consent-${lang}-version"
                  @input=${(e: Event) => this.set({ consentText: { ...config.consentText, [lang]: (e.target as HTMLTextAreaElement).value } })}></textarea>
                <p class="hint" id="consent-${lang}-version">${this.versionLine(lang)}</p></div>`,
            )}
          </div>
          <p class="hint">Changing a text and saving makes a new version; visitors who accepted an earlier one keep their record of it. An empty RU text shows Russian-speaking visitors the EN one.</p>
        </section>

        <div class="form-actions"><button class="primary" type="submit">Save the form</button></div>
      </form>

      <section class="card" aria-labelledby="consent-register">
        <h2 id="consent-register">Register of consent texts</h2>
        <p class="u-mt0">Every version of the consent text with the time it came into force and how many visitors hold an acceptance of it.</p>
        ${
          this.versions.length
            ? html`<div class="table-wrap"><table class="versions">
                <thead><tr><th scope="col">Version</th><th scope="col">Since</th><th scope="col">Accepted by</th><th scope="col">Text</th></tr></thead>
                <tbody>${this.versions.map(
                  (v) => html`<tr><td>v${v.version} (${v.lang.toUpperCase()})</td><td>${formatTime(v.createdAt)}</td>
                    <td>${plural(v.acceptances, 'visitor')}</td><td class="text">${v.text}</td></tr>`,
                )}</tbody></table></div>`
            : html`<p class="muted">No consent text saved yet.</p>`
        }
        <div class="form-actions"><a class="button" href="/api/admin/consent-register.csv" download>${icon('download')}Download the register (CSV)</a></div>
      </section>`;
  }

  private renderField(f: PrechatFieldConfig, i: number, count: number) {
    const name = f.label.en || f.label.ru || KIND_LABEL[f.kind];
    const id = `field-${i}`;
    const update = (patch: Partial<PrechatFieldConfig>) => this.updateField(i, patch);
    return html`<li data-key=${f.key}>
      <div class="field-head">
        <strong>${i + 1}. ${KIND_LABEL[f.kind]}${f.key === NAME_KEY ? ' (name)' : ''}</strong>
        <div class="check"><input type="checkbox" id="${id}-required" .checked=${f.required} @change=${(e: Event) => update({ required: (e.target as HTMLInputElement).checked })} />
          <label for="${id}-required">Required</label></div>
        <button type="button" class="small" data-move="up" aria-label="Move ${name} up" ?disabled=${i === 0} @click=${() => this.move(i, -1)}>${icon('chevronDown')}</button>
        <button type="button" class="small" data-move="down" aria-label="Move ${name} down" ?disabled=${i === count - 1} @click=${() => this.move(i, 1)}>${icon('chevronDown')}</button>
        <button type="button" class="small danger" aria-label="Remove ${name}" @click=${() => this.removeField(i)}>${icon('trash')}</button>
      </div>
      <div class="form-grid two">
        ${(['en', 'ru'] as const).map(
          (lang) => html`<div class="field"><label for="${id}-label-${lang}">Label (${lang.toUpperCase()})</label>
            <input id="${id}-label-${lang}" maxlength="200" .value=${f.label[lang]} ?required=${lang === 'en' && !f.label.ru}
              @input=${(e: Event) => update({ label: { ...f.label, [lang]: (e.target as HTMLInputElement).value } })} /></div>`,
        )}
      </div>
      ${f.kind === 'choice' ? this.renderChoiceOptions(f, i, update) : nothing}
    </li>`;
  }

  /** A choice's options, each with its EN and RU wording, in order. */
  private renderChoiceOptions(f: PrechatFieldConfig, i: number, update: (patch: Partial<PrechatFieldConfig>) => void) {
    const setOption = (j: number, lang: Lang, value: string) =>
      update({ options: f.options.map((o, k) => (k === j ? { ...o, [lang]: value } : o)) });
    return html`<fieldset class="options"><legend>Options</legend>
      ${f.options.map(
        (o, j) => html`<div class="option">
          ${(['en', 'ru'] as const).map(
            (lang) => html`<div class="field"><label for="field-${i}-option-${j}-${lang}">Option ${j + 1} (${lang.toUpperCase()})</label>
              <input id="field-${i}-option-${j}-${lang}" maxlength="100" .value=${o[lang]} @input=${(e: Event) => setOption(j, lang, (e.target as HTMLInputElement).value)} /></div>`,
          )}
          <button type="button" class="small" aria-label="Remove option ${j + 1}" ?disabled=${f.options.length === 1}
            @click=${() => update({ options: f.options.filter((_, k) => k !== j) })}>${icon('trash')}</button>
        </div>`,
      )}
      <div><button type="button" class="small" ?disabled=${f.options.length >= 20} @click=${() => update({ options: [...f.options, { en: '', ru: '' }] })}>${icon('plus')}Add option</button></div>
    </fieldset>`;
  }

  private versionLine(lang: Lang): string {
    const v = this.current[lang];
    return v
      ? `In force: v${v.version} (${lang.toUpperCase()}) since ${formatTime(v.createdAt)}, accepted by ${plural(v.acceptances, 'visitor')}.`
      : 'No version yet.';
  }

  private set(patch: Partial<PrechatConfigDto>): void {
    if (this.config) this.config = { ...this.config, ...patch };
  }

  private updateField(i: number, patch: Partial<PrechatFieldConfig>): void {
    if (!this.config) return;
    this.set({ fields: this.config.fields.map((f, j) => (j === i ? { ...f, ...patch } : f)) });
  }

  private move(i: number, by: -1 | 1): void {
    if (!this.config) return;
    const fields = [...this.config.fields];
    [fields[i], fields[i + by]] = [fields[i + by], fields[i]];
    this.set({ fields });
    // Focus follows the field it moved, on the same button while it can go further that way.
    void this.updateComplete.then(() => {
      const row = this.renderRoot.querySelector(`.fields > li:nth-child(${i + by + 1})`);
      const same = row?.querySelector<HTMLButtonElement>(`[data-move="${by < 0 ? 'up' : 'down'}"]`);
      (same && !same.disabled ? same : row?.querySelector<HTMLButtonElement>(`[data-move="${by < 0 ? 'down' : 'up'}"]`))?.focus();
    });
  }

  private removeField(i: number): void {
    if (!this.config) return;
    this.set({ fields: this.config.fields.filter((_, j) => j !== i) });
  }

  private addField = () => {
    if (!this.config) return;
    const which = (this.renderRoot.querySelector<HTMLSelectElement>('#prechat-add')?.value ?? 'text') as Addable;
    const preset = ADDABLE[which];
    const taken = new Set(this.config.fields.map((f) => f.key));
    // The contact fields keep their own key (one each); custom ones are numbered.
    let key: string = which;
    if (preset.label.en === '') for (let n = 1; n === 1 || taken.has(key); n++) key = `${which}_${n}`;
    const field: PrechatFieldConfig = {
      key,
      kind: preset.kind,
      label: { ...preset.label },
      required: which === 'name' || which === 'email',
      options: preset.kind === 'choice' ? [{ en: '', ru: '' }] : [],
    };
    this.set({ fields: [...this.config.fields, field] });
    const index = this.config.fields.length - 1;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>(`#field-${index}-label-en`)?.focus());
  };

  private save = (event: SubmitEvent) => {
    event.preventDefault();
    const config = this.config;
    if (!config) return;
    void this.run(async () => {
      const saved = await this.store.call(OperatorEvent.prechatSave, {
        ...config,
        fields: config.fields.map((f) => ({ ...f, options: f.options.filter((o) => o.en || o.ru) })),
      });
      this.config = saved.config;
      this.current = saved.current;
      this.versions = (await this.store.call(OperatorEvent.consentVersions, {})).versions;
      this.notice = 'Form saved.';
    });
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-prechat': CwAdminPrechat;
  }
}
