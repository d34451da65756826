import { html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { OperatorEvent, type ApiKeyDto } from '../../../shared/protocol';
import { emptyState, pageHead } from '../page';
import { formatTime } from '../styles';
import { AdminPage } from './admin-page';

/** Admin → API keys: keys other systems use to file and follow privacy requests over REST. */
@customElement('cw-admin-api-keys')
export class CwAdminApiKeys extends AdminPage {
  @state() private keys: ApiKeyDto[] | null = null;
  @state() private secret: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private load = () => this.run(async () => (this.keys = (await this.store.call(OperatorEvent.apiKeyList, {})).keys));

  override render() {
    const keys = this.keys;
    return html`<div class="page">
      ${pageHead('API keys', html`Other systems file and follow privacy requests with a key: <code>POST /api/v1/privacy-requests</code> and <code>GET /api/v1/privacy-requests/:reference</code>, sent with <code>Authorization: Bearer cwk_…</code>.`)}
      ${this.messages()}
      ${this.secret ? html`<p class="callout ok" role="status">Copy this key now; it is not shown again: <code>${this.secret}</code></p>` : nothing}
      <section class="card" aria-labelledby="new-key-title">
        <h2 id="new-key-title">Create a key</h2>
        <form class="inline-form" @submit=${this.create}>
          <div class="field"><label for="key-label">Label</label><input id="key-label" name="label" required maxlength="100" placeholder="e.g. CRM" autocomplete="off" /></div>
          <button class="primary" type="submit">Create key</button>
        </form>
      </section>
      <section class="card" aria-labelledby="keys-title">
        <h2 id="keys-title">Keys</h2>
        ${
          keys === null
            ? html`<p class="muted u-m0">Loading…</p>`
            : keys.length === 0
              ? emptyState(
                  'key',
                  'No API keys yet',
                  'Create one above for each system that should reach the privacy desk, so each can be revoked on its own.',
                )
              : html`<div class="table-wrap"><table>
              <thead><tr><th scope="col">Label</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${keys.map(
                (k) => html`<tr><td>${k.label}</td><td><code>${k.prefix}…</code></td><td>${formatTime(k.createdAt)}</td>
                <td>${k.revokedAt ? html`<span class="pill">Revoked</span>` : html`<span class="pill done">Active</span>`}</td>
                <td class="actions">${k.revokedAt ? nothing : html`<button type="button" class="small danger" aria-label=${`Revoke key ${k.label}`} @click=${() => this.revoke(k.id)}>Revoke</button>`}</td></tr>`,
              )}</tbody>
            </table></div>`
        }
      </section>
    </div>`;
  }

  private create = (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const label = String(new FormData(form).get('label') ?? '');
    this.secret = null;
    void this.run(async () => {
      const { secret } = await this.store.call(OperatorEvent.apiKeyCreate, { label });
      form.reset();
      await this.load();
      this.secret = secret;
    });
  };

  private revoke = (id: number) =>
    void this.run(async () => {
      await this.store.call(OperatorEvent.apiKeyRevoke, { id });
      await this.load();
    });
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-api-keys': CwAdminApiKeys;
  }
}
