import { LitElement, css, html, nothing } from 'lit';
import type { PrechatFormDto } from '../../shared/prechat';
import type { Lang } from '../../shared/types';
import { RpcError } from '../common/rpc';
import { controls } from './styles';
import type { VisitorConnection } from './visitor-connection';

/** This chunk's own words: it is fetched only by visitors who are shown the form, so they cost the panel nothing. */
const WORDS = {
  en: {
    intro: 'Before we start, please tell us a little about yourself.',
    requiredNote: 'Fields marked * are required.',
    required: 'This field is required.',
    email: 'Enter an e-mail address such as name@example.com.',
    phone: 'Enter a phone number, digits with an optional leading +.',
    choose: 'Choose…',
    consentTitle: 'Consent',
    consentAgree: 'I have read and accept this',
    consentRequired: 'Please accept to start the chat.',
    consentChanged: 'The consent text has just changed. Reload the page to read the new one.',
    start: 'Start the chat',
    sending: 'Sending…',
    failed: 'That did not go through. Please check your answers and try again.',
  },
  ru: {
    intro: 'Прежде чем начать, расскажите немного о себе.',
    requiredNote: 'Поля со знаком * обязательны.',
    required: 'Заполните это поле.',
    email: 'Введите адрес эл. почты, например name@example.com.',
    phone: 'Введите номер телефона: цифры, можно с + в начале.',
    choose: 'Выберите…',
    consentTitle: 'Согласие',
    consentAgree: 'Я прочитал(а) и принимаю это',
    consentRequired: 'Чтобы начать чат, дайте согласие.',
    consentChanged: 'Текст согласия только что изменился. Обновите страницу, чтобы прочитать новый.',
    start: 'Начать чат',
    sending: 'Отправляем…',
    failed: 'Не получилось. Проверьте ответы и попробуйте ещё раз.',
  },
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The server's rule (prechat-service.ts), so the visitor hears it before sending. */
const PHONE = /^\+?[0-9][0-9 ()./-]{4,29}$/;
const AUTOCOMPLETE: Record<string, string> = { email: 'email', phone: 'tel' };

/**
 * The pre-chat form, before the first message: the admin's fields with visible labels and required marks,
 * checked inline as the visitor goes, and the consent checkbox under the consent text. On success the
 * connection forgets the form and the panel shows the chat.
 */
export class CwPrechatForm extends LitElement {
  // `static properties`, not decorators: see CwChatPanel.
  static override properties = {
    connection: { attribute: false },
    form: { attribute: false },
    locale: {},
    errors: { state: true },
    failure: { state: true },
    busy: { state: true },
  };

  static override styles = [
    controls,
    css`
    :host { display: block; flex: 1; min-height: 0; overflow-y: auto; padding: 12px 16px; color: var(--cw-fg); }
    p { margin: 6px 0; }
    .muted { color: var(--cw-muted); font-size: 13px; }
    .field { margin-top: 4px; }
    .mark { color: var(--cw-danger); }
    select { box-sizing: border-box; width: 100%; font: inherit; padding: 8px; border-radius: 6px; border: 1px solid var(--cw-muted); background: var(--cw-bg); color: var(--cw-fg); }
    [aria-invalid='true'] { border-color: var(--cw-danger); }
    .check { display: flex; gap: 8px; align-items: flex-start; margin-top: 12px; }
    .check input { width: auto; margin: 3px 0 0; }
    .check label { margin: 0; font-weight: 400; }
    .consent { border: 1px solid var(--cw-border); border-radius: 8px; padding: 8px 10px; margin-top: 12px; max-height: 140px; overflow-y: auto; font-size: 13px; white-space: pre-wrap; }
    .error { font-size: 13px; margin: 4px 0 0; }
    .btn { width: 100%; margin-top: 14px; }
    select:focus-visible { outline: 3px solid var(--cw-focus); outline-offset: 2px; }
  `,
  ];

  connection!: VisitorConnection;
  form!: PrechatFormDto;
  locale: Lang = 'en';
  private errors: Record<string, string> = {};
  private failure = '';
  private busy = false;
  private tried = false;

  private get w() {
    return WORDS[this.locale] ?? WORDS.en;
  }

  override render() {
    const w = this.w;
    const consent = this.form.consent;
    return html`<form novalidate @submit=${this.submit} @input=${this.recheck} @change=${this.recheck} aria-describedby="cw-pre-intro">
      <p id="cw-pre-intro">${w.intro}</p>
      <p class="muted">${w.requiredNote}</p>
      ${this.form.fields.map((f) => this.renderField(f))}
      ${
        consent
          ? html`<div class="consent" id="cw-pre-consent-text" role="region" aria-label=${w.consentTitle} tabindex="0">${consent.text}</div>
            ${this.renderCheck('consent', `${w.consentAgree}`, true, 'cw-pre-consent-text')}`
          : nothing
      }
      ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
      <button class="btn" type="submit" ?disabled=${this.busy}>${this.busy ? w.sending : w.start}</button>
    </form>`;
  }

  private renderField(f: PrechatFormDto['fields'][number]) {
    if (f.kind === 'checkbox') return this.renderCheck(f.key, f.label, f.required);
    const id = `cw-pre-${f.key}`;
    const error = this.errors[f.key];
    const common = {
      id,
      name: f.key,
      invalid: error ? 'true' : 'false',
      describedby: error ? `${id}-error` : '',
    };
    const control =
      f.kind === 'choice'
        ? html`<select id=${common.id} name=${common.name} ?required=${f.required} aria-invalid=${common.invalid} aria-describedby=${common.describedby}>
            <option value="">${this.w.choose}</option>
            ${f.options.map((o, i) => html`<option value=${String(i)}>${o}</option>`)}
          </select>`
        : html`<input id=${common.id} name=${common.name} type=${f.kind === 'email' ? 'email' : f.kind === 'phone' ? 'tel' : 'text'}
            autocomplete=${AUTOCOMPLETE[f.kind] ?? (f.key === 'name' ? 'name' : 'off')} maxlength="500" ?required=${f.required}
            aria-invalid=${common.invalid} aria-describedby=${common.describedby} />`;
    return html`<div class="field">
      <label for=${id}>${f.label}${f.required ? html` <span class="mark" aria-hidden="true">*</span>` : nothing}</label>
      ${control}
      ${error ? html`<p class="error" id="${id}-error">${error}</p>` : nothing}
    </div>`;
  }

  private renderCheck(key: string, label: string, required: boolean, describedBy = '') {
    const id = `cw-pre-${key}`;
    const error = this.errors[key];
    return html`<div class="check">
        <input type="checkbox" id=${id} name=${key} ?required=${required} aria-invalid=${error ? 'true' : 'false'}
          aria-describedby=${[describedBy, error ? `${id}-error` : ''].filter(Boolean).join(' ')} />
        <label for=${id}>${label}${required ? html` <span class="mark" aria-hidden="true">*</span>` : nothing}</label>
      </div>
      ${error ? html`<p class="error" id="${id}-error">${error}</p>` : nothing}`;
  }

  /** Reads the answers and checks them; fills `errors` (one line per field) and returns the answers. */
  private check(): { answers: Record<string, string | number | boolean>; ok: boolean } {
    const w = this.w;
    const el = <T extends HTMLElement>(key: string) => this.renderRoot.querySelector<T>(`#cw-pre-${key}`);
    const errors: Record<string, string> = {};
    const answers: Record<string, string | number | boolean> = {};
    for (const f of this.form.fields) {
      if (f.kind === 'checkbox') {
        const ticked = el<HTMLInputElement>(f.key)?.checked ?? false;
        if (f.required && !ticked) errors[f.key] = w.required;
        answers[f.key] = ticked;
        continue;
      }
      const value = (el<HTMLInputElement | HTMLSelectElement>(f.key)?.value ?? '').trim();
      if (!value) {
        if (f.required) errors[f.key] = w.required;
        continue;
      }
      if (f.kind === 'email' && !EMAIL.test(value)) errors[f.key] = w.email;
      else if (f.kind === 'phone' && !PHONE.test(value)) errors[f.key] = w.phone;
      answers[f.key] = f.kind === 'choice' ? Number(value) : value;
    }
    if (this.form.consent && !el<HTMLInputElement>('consent')?.checked) errors.consent = w.consentRequired;
    this.errors = errors;
    return { answers, ok: Object.keys(errors).length === 0 };
  }

  /** After a first try, each change re-checks, so an error goes as soon as it is fixed. */
  private recheck = () => {
    if (this.tried) this.check();
  };

  private submit = async (event: SubmitEvent) => {
    event.preventDefault();
    this.tried = true;
    this.failure = '';
    const { answers, ok } = this.check();
    if (!ok) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    this.busy = true;
    try {
      const consentVersion = this.form.consent?.version;
      await this.connection.submitPrechat(consentVersion ? { answers, consentVersion } : { answers });
    } catch (e) {
      const error = e instanceof RpcError ? e.error : null;
      // The server's reason is in English; a Russian-speaking visitor gets our own words.
      this.failure = error?.code === 'conflict' ? this.w.consentChanged : error && this.locale === 'en' ? error.message : this.w.failed;
    } finally {
      this.busy = false;
    }
  };
}

customElements.define('cw-prechat-form', CwPrechatForm);

declare global {
  interface HTMLElementTagNameMap {
    'cw-prechat-form': CwPrechatForm;
  }
}
