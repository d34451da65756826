import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { OperatorEvent, type ApiKeyDto, type WebhookDto } from '../../shared/protocol';
import type { OutboxMailDto } from '../../shared/types';
import { RpcError } from '../common/rpc';
import type { ConsoleStore } from './console-store';
import './cw-team-admin';
import { consoleStyles, formatTime } from './styles';

/** Admin tools: the dev outbox, the register export, API keys and webhooks. */
@customElement('cw-admin-tab')
export class CwAdminTab extends LitElement {
  static override styles = [consoleStyles, css`:host { display: grid; gap: 12px; overflow-y: auto; } pre { white-space: pre-wrap; margin: 4px 0 0; } details { border-bottom: 1px solid var(--cw-border); padding: 6px 0; }`];

  @property({ attribute: false }) store!: ConsoleStore;
  @state() private mails: OutboxMailDto[] = [];
  @state() private keys: ApiKeyDto[] = [];
  @state() private hooks: WebhookDto[] = [];
  @state() private secret: string | null = null;
  @state() private error: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    try {
      const [outbox, keys, hooks] = await Promise.all([
        this.store.call(OperatorEvent.outboxList, {}),
        this.store.call(OperatorEvent.apiKeyList, {}),
        this.store.call(OperatorEvent.webhookList, {}),
      ]);
      this.mails = outbox.mails;
      this.keys = keys.keys;
      this.hooks = hooks.webhooks;
    } catch (e) {
      this.error = e instanceof RpcError ? e.message : 'No answer from the server.';
    }
  }

  override render() {
    return html`<cw-team-admin .store=${this.store}></cw-team-admin>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.secret ? html`<p class="card" role="status">Copy this secret now; it is not shown again: <code>${this.secret}</code></p>` : nothing}
      <section class="card" aria-label="Register">
        <h2>Register of requests</h2>
        <p>Every privacy request with its dates and outcome, for record-keeping (requesters appear as keyed hashes).</p>
        <a href="/api/admin/privacy-register.csv" download>Download the register (CSV)</a>
      </section>
      <section class="card" aria-label="Dev outbox" id="outbox">
        <h2>Dev outbox <button type="button" @click=${this.load}>Refresh</button></h2>
        <p class="muted">With no SMTP_URL set, mails are kept here instead of being sent.</p>
        ${this.mails.length === 0 ? html`<p class="muted">No mail.</p>` : nothing}
        ${this.mails.map((m) => html`<details><summary>${formatTime(m.createdAt)} — to ${m.to} — ${m.subject}</summary><pre>${m.text}</pre></details>`)}
      </section>
      <section class="card" aria-label="API keys">
        <h2>API keys</h2>
        <form class="u-row" @submit=${this.createKey}>
          <div><label for="key-label">Label</label><br /><input id="key-label" name="label" required maxlength="100" /></div>
          <button type="submit">Create key</button>
        </form>
        <table><tbody>${this.keys.map((k) => html`<tr><td>${k.label}</td><td><code>${k.prefix}…</code></td><td>${formatTime(k.createdAt)}</td>
          <td>${k.revokedAt ? 'revoked' : html`<button type="button" class="danger" aria-label=${`Revoke key ${k.label}`} @click=${() => this.revoke(k.id)}>Revoke</button>`}</td></tr>`)}</tbody></table>
      </section>
      <section class="card" aria-label="Webhooks">
        <h2>Webhooks</h2>
        <form class="u-row" @submit=${this.createHook}>
          <div class="u-grow"><label for="hook-url">Endpoint URL</label><br /><input class="u-full" id="hook-url" name="url" type="url" required /></div>
          <button type="submit">Add webhook</button>
        </form>
        ${this.hooks.map((h) => html`<h3>${h.url} <button type="button" class="danger" aria-label=${`Delete webhook ${h.url}`} @click=${() => this.deleteHook(h.id)}>Delete</button></h3>
          <table><tbody>${h.deliveries.map((d) => html`<tr><td>${d.event}</td><td>${d.status}</td><td>${d.attempts} tries</td><td>${d.lastError ?? ''}</td><td>${formatTime(d.updatedAt)}</td></tr>`)}</tbody></table>`)}
      </section>`;
  }

  private async run(fn: () => Promise<void>) {
    this.error = null;
    try {
      await fn();
      await this.load();
    } catch (e) {
      this.error = e instanceof RpcError ? e.message : 'No answer from the server.';
    }
  }

  private createKey = (event: SubmitEvent) => {
    event.preventDefault();
    const label = String(new FormData(event.target as HTMLFormElement).get('label') ?? '');
    void this.run(async () => {
      this.secret = (await this.store.call(OperatorEvent.apiKeyCreate, { label })).secret;
    });
  };

  private revoke = (id: number) => void this.run(async () => void (await this.store.call(OperatorEvent.apiKeyRevoke, { id })));

  private createHook = (event: SubmitEvent) => {
    event.preventDefault();
    const url = String(new FormData(event.target as HTMLFormElement).get('url') ?? '');
    void this.run(async () => {
      this.secret = (await this.store.call(OperatorEvent.webhookCreate, { url })).secret;
    });
  };

  private deleteHook = (id: number) => void this.run(async () => void (await this.store.call(OperatorEvent.webhookDelete, { id })));
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-tab': CwAdminTab;
  }
}
