import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { OperatorEvent, type WebhookDto } from '../../../shared/protocol';
import { emptyState, pageHead } from '../page';
import { formatTime } from '../styles';
import { AdminPage } from './admin-page';

/** Admin → Webhooks: endpoints told of every privacy request event (HMAC-signed, retried), with their deliveries. */
@customElement('cw-admin-webhooks')
export class CwAdminWebhooks extends AdminPage {
  static override styles = [
    ...AdminPage.styles,
    css`
      .hook-head { display: flex; gap: 12px; align-items: center; justify-content: space-between; flex-wrap: wrap; }
      .hook-head h2 { margin: 0; overflow-wrap: anywhere; min-width: 0; font-family: ui-monospace, monospace; font-size: 14px; }
      .error-text { color: var(--cw-danger); }
    `,
  ];

  @state() private hooks: WebhookDto[] | null = null;
  @state() private secret: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private load = () => this.run(async () => (this.hooks = (await this.store.call(OperatorEvent.webhookList, {})).webhooks));

  override render() {
    const hooks = this.hooks;
    return html`<div class="page">
      ${pageHead('Webhooks', html`Every privacy request event is POSTed as JSON to these endpoints, signed in <code>x-cw-signature</code> with the endpoint's secret and retried with backoff, so your other systems can do their part.`)}
      ${this.messages()}
      ${this.secret ? html`<p class="callout ok" role="status">Copy this signing secret now; it is not shown again: <code>${this.secret}</code></p>` : nothing}
      <section class="card" aria-labelledby="new-hook-title">
        <h2 id="new-hook-title">Add an endpoint</h2>
        <form class="inline-form" @submit=${this.create}>
          <div class="field"><label for="hook-url">Endpoint URL</label><input id="hook-url" name="url" type="url" required placeholder="https://example.com/hooks/privacy" /></div>
          <button class="primary" type="submit">Add webhook</button>
        </form>
      </section>
      ${
        hooks === null
          ? html`<p class="muted">Loading…</p>`
          : hooks.length === 0
            ? html`<section class="card">${emptyState('webhook', 'No webhooks yet', 'Add the URL of a system that must act on requests too — a CRM, a mailing tool, a data warehouse — and it receives each request event as it happens.')}</section>`
            : hooks.map(
                (h) => html`<section class="card" aria-label=${`Webhook ${h.url}`}>
            <div class="hook-head"><h2>${h.url}</h2>
              <button type="button" class="small danger" aria-label=${`Delete webhook ${h.url}`} @click=${() => this.deleteHook(h.id)}>Delete</button></div>
            ${
              h.deliveries.length === 0
                ? html`<p class="muted">No deliveries yet: the next request event is sent here.</p>`
                : html`<div class="table-wrap"><table>
                  <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Tries</th><th scope="col">Last error</th><th scope="col">Updated</th></tr></thead>
                  <tbody>${h.deliveries.map(
                    (d) => html`<tr><td><code>${d.event}</code></td>
                    <td><span class="pill ${d.status === 'delivered' ? 'done' : d.status === 'failed' ? 'loud' : 'open'}">${d.status}</span></td>
                    <td>${d.attempts}</td><td class="error-text">${d.lastError ?? ''}</td><td>${formatTime(d.updatedAt)}</td></tr>`,
                  )}</tbody>
                </table></div>`
            }
          </section>`,
              )
      }
    </div>`;
  }

  private create = (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const url = String(new FormData(form).get('url') ?? '');
    this.secret = null;
    void this.run(async () => {
      const { secret } = await this.store.call(OperatorEvent.webhookCreate, { url });
      form.reset();
      await this.load();
      this.secret = secret;
    });
  };

  private deleteHook = (id: number) =>
    void this.run(async () => {
      await this.store.call(OperatorEvent.webhookDelete, { id });
      await this.load();
    });
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-webhooks': CwAdminWebhooks;
  }
}
