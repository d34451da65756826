import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ATTACHMENT_TYPES, MAX_ATTACHMENT_MB, type AttachmentSettingsDto, type AttachmentType } from '../../../shared/attachments';
import { OperatorEvent } from '../../../shared/protocol';
import type { Lang } from '../../../shared/types';
import { consoleLang } from '../console-lang';
import { pageHead } from '../page';
import { AdminPage } from './admin-page';
import { HOURS_WORDS } from './hours-words';

/** Admin → Attachments: the largest file accepted and the types allowed, for visitors and operators alike. */
@customElement('cw-admin-attachments')
export class CwAdminAttachments extends AdminPage {
  static override styles = [
    ...AdminPage.styles,
    css`
      fieldset { border: 0; margin: 0; padding: 0; min-width: 0; display: grid; gap: 10px; }
      legend { font-weight: 600; font-size: 13px; padding: 0; margin-bottom: 8px; }
      .types { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px 16px; }
      .types label { display: inline-flex; gap: 8px; align-items: center; font-weight: 400; font-size: 14px; }
      #max-mb { max-width: 160px; }
      form { display: grid; gap: 18px; }
    `,
  ];

  @state() private settings: AttachmentSettingsDto | null = null;
  private readonly uiLang: Lang = consoleLang();

  override connectedCallback(): void {
    super.connectedCallback();
    void this.run(async () => (this.settings = (await this.store.call(OperatorEvent.attachmentSettingsGet, {})).settings));
  }

  override render() {
    const w = HOURS_WORDS[this.uiLang];
    const s = this.settings;
    return html`<div class="page">
      ${pageHead(w.attachmentsTitle, w.attachmentsIntro)}
      ${
        s
          ? html`<section class="card" aria-label=${w.attachmentsTitle}>
            <form @submit=${this.save} novalidate>
              <div class="field"><label for="max-mb">${w.maxMb}</label>
                <input id="max-mb" name="maxMb" type="number" inputmode="numeric" min="1" max=${MAX_ATTACHMENT_MB} step="1" required .value=${String(s.maxMb)} aria-describedby="max-mb-hint" />
                <p class="hint" id="max-mb-hint">${w.maxMbHint(MAX_ATTACHMENT_MB)}</p></div>
              <fieldset aria-describedby="types-hint">
                <legend>${w.types}</legend>
                <div class="types">${ATTACHMENT_TYPES.map(
                  (type) =>
                    html`<label><input type="checkbox" name="types" value=${type} .checked=${s.types.includes(type)} />${w.typeNames[type]}</label>`,
                )}</div>
                <p class="hint" id="types-hint">${w.typesHint}</p>
              </fieldset>
              ${this.messages()}
              <div class="form-actions"><button class="primary" type="submit">${w.save}</button></div>
            </form>
          </section>`
          : html`${this.messages()}${this.error ? '' : html`<p class="muted">${w.loading}</p>`}`
      }
    </div>`;
  }

  private save = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const chosen = form.getAll('types').map(String);
    const input = {
      maxMb: Number(form.get('maxMb') || Number.NaN),
      types: ATTACHMENT_TYPES.filter((t): t is AttachmentType => chosen.includes(t)),
    };
    // Said here in the admin's language; the server checks the same again.
    if (!Number.isInteger(input.maxMb) || input.maxMb < 1 || input.maxMb > MAX_ATTACHMENT_MB) {
      this.notice = null;
      this.error = HOURS_WORDS[this.uiLang].maxMbInvalid(MAX_ATTACHMENT_MB);
      return;
    }
    void this.run(async () => {
      this.settings = (await this.store.call(OperatorEvent.attachmentSettingsSave, input)).settings;
      this.notice = HOURS_WORDS[this.uiLang].saved;
    });
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-attachments': CwAdminAttachments;
  }
}
