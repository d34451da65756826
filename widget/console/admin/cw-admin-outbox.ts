import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../../shared/protocol';
import type { OutboxMailDto } from '../../../shared/types';
import { icon } from '../icons';
import { emptyState, pageHead } from '../page';
import { formatTime } from '../styles';
import { AdminPage } from './admin-page';

/** Admin → Dev outbox: mails kept instead of sent while no SMTP_URL is set. */
@customElement('cw-admin-outbox')
export class CwAdminOutbox extends AdminPage {
  static override styles = [
    ...AdminPage.styles,
    css`
      .mail { border-bottom: 1px solid var(--cw-border); }
      .mail:last-child { border-bottom: 0; }
      summary { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 2px 12px; padding: 10px 4px; cursor: pointer; list-style: none; }
      summary::-webkit-details-marker { display: none; }
      summary strong { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      summary .to { grid-column: 1; font-size: 13px; overflow-wrap: anywhere; }
      summary time { grid-row: 1; grid-column: 2; font-size: 13px; }
      pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 4px 12px; padding: 12px; background: var(--cw-surface); border-radius: var(--cw-radius); font: 13px/1.5 ui-monospace, monospace; }
    `,
  ];

  @state() private mails: OutboxMailDto[] | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private load = () => this.run(async () => (this.mails = (await this.store.call(OperatorEvent.outboxList, {})).mails));

  override render() {
    const mails = this.mails;
    return html`<div class="page">
      ${pageHead(
        'Dev outbox',
        html`With no <code>SMTP_URL</code> set, mails are kept here instead of being sent: verification codes, confirmations, replies to offline visitors.`,
        html`<button type="button" @click=${this.load}>${icon('refresh', 16)}Refresh</button>`,
      )}
      ${this.messages()}
      <section class="card" aria-label="Mails">
        ${
          mails === null
            ? html`<p class="muted u-m0">Loading…</p>`
            : mails.length === 0
              ? emptyState(
                  'mail',
                  'No mail yet',
                  'Mails appear here as the server sends them. To see one, ask for your data in the chat bubble on the demo site (Privacy & my data) or file a privacy request: its confirmation lands here.',
                  html`<a class="button" href="/" target="_blank" rel="noopener">${icon('external', 16)}Open the demo site</a>`,
                )
              : mails.map(
                  (m) =>
                    html`<details class="mail"><summary><strong>${m.subject}</strong><span class="to muted">To ${m.to}</span><time class="muted">${formatTime(m.createdAt)}</time></summary><pre>${m.text}</pre></details>`,
                )
        }
      </section>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-outbox': CwAdminOutbox;
  }
}
