import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { REQUEST_STATES, REQUEST_TYPES, isOpen, type OperatorAction, type RequestState, type RequestType } from '../../shared/privacy';
import { OperatorEvent } from '../../shared/protocol';
import type { AuditEntryDto, PrivacyRequestDto } from '../../shared/types';
import { RpcError } from '../common/rpc';
import type { ConsoleStore } from './console-store';
import { consoleStyles, countdown, formatTime } from './styles';

const TYPE_LABEL: Record<RequestType, string> = { erasure: 'Erasure', access: 'Access (copy)', rectification: 'Rectification', objection: 'Objection (marketing)' };

/** The privacy desk: requests by due date with filters and countdowns, one request's page, filing by hand. */
@customElement('cw-privacy-tab')
export class CwPrivacyTab extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: grid; grid-template-columns: minmax(420px, 1fr) minmax(360px, 1fr); gap: 12px; min-height: 0; height: 100%; }
      .scroll { overflow-y: auto; min-height: 0; }
      .filters { display: flex; gap: 10px; align-items: end; flex-wrap: wrap; margin-bottom: 10px; }
      tr.row { cursor: pointer; }
      tr.row[aria-selected='true'] { background: color-mix(in srgb, var(--cw-accent) 15%, transparent); }
      .actions { display: grid; gap: 8px; margin-top: 10px; }
      textarea { width: 100%; min-height: 60px; }
      dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; }
      dt { font-weight: 600; }
      ol { padding-left: 18px; }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  @state() private typeFilter: RequestType | '' = '';
  @state() private stateFilter: RequestState | '' = '';
  @state() private selected: number | null = null;
  @state() private audit: AuditEntryDto[] = [];
  @state() private error: string | null = null;
  @state() private notice: string | null = null;
  @state() private filing = false;

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
  }

  private rows(): PrivacyRequestDto[] {
    return [...this.store.requests.values()]
      .filter((r) => r.rejectionReason?.startsWith('Duplicate of') !== true)
      .filter((r) => (!this.typeFilter || r.type === this.typeFilter) && (!this.stateFilter || r.state === this.stateFilter))
      .sort((a, b) => Number(isOpen(b.state)) - Number(isOpen(a.state)) || (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity) || b.id - a.id);
  }

  override render() {
    const rows = this.rows();
    const current = this.selected ? this.store.requests.get(this.selected) : undefined;
    return html`<section class="scroll" aria-label="Privacy requests">
        <div class="filters">
          <div><label for="type">Type</label><br />
            <select id="type" @change=${(e: Event) => (this.typeFilter = (e.target as HTMLSelectElement).value as RequestType | '')}>
              <option value="">All types</option>${REQUEST_TYPES.map((t) => html`<option value=${t}>${TYPE_LABEL[t]}</option>`)}
            </select></div>
          <div><label for="state">State</label><br />
            <select id="state" @change=${(e: Event) => (this.stateFilter = (e.target as HTMLSelectElement).value as RequestState | '')}>
              <option value="">All states</option>${REQUEST_STATES.map((s) => html`<option value=${s}>${s.replace('_', ' ')}</option>`)}
            </select></div>
          <button type="button" @click=${() => ((this.filing = !this.filing), (this.selected = null))}>File a request from an e-mail</button>
        </div>
        <table>
          <thead><tr><th scope="col">Reference</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Due</th></tr></thead>
          <tbody>
            ${rows.map((r) => {
              const due = r.dueAt && isOpen(r.state) && r.state !== 'awaiting_verification' ? countdown(r.dueAt) : null;
              return html`<tr class="row" aria-selected=${String(r.id === this.selected)} @click=${() => this.open(r.id)}>
                <td><button class="u-linklike" type="button" @click=${() => this.open(r.id)}>${r.reference}</button></td>
                <td>${TYPE_LABEL[r.type]}</td>
                <td data-state=${r.state}>${r.state.replace('_', ' ')}</td>
                <td class=${due?.overdue ? 'overdue' : ''}>${due ? html`${formatTime(r.dueAt!)}<br />${due.text}` : '—'}</td>
              </tr>`;
            })}
          </tbody>
        </table>
        ${rows.length === 0 ? html`<p class="muted">No requests.</p>` : nothing}
      </section>
      <section class="scroll card" aria-label="Request">
        ${this.notice ? html`<p class="ok" role="status">${this.notice}</p>` : nothing}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        ${this.filing ? this.renderFileForm() : current ? this.renderDetail(current) : html`<p class="muted">Pick a request.</p>`}
      </section>`;
  }

  private renderDetail(r: PrivacyRequestDto) {
    const due = r.dueAt && isOpen(r.state) && r.state !== 'awaiting_verification' ? countdown(r.dueAt) : null;
    const can = (action: OperatorAction) =>
      action === 'start' ? r.state === 'verified'
      : action === 'complete' ? r.state === 'in_progress'
      : action === 'extend' ? (r.state === 'verified' || r.state === 'in_progress') && !r.extended
      : isOpen(r.state);
    return html`<h2>${r.reference} · ${TYPE_LABEL[r.type]}</h2>
      <dl>
        <dt>State</dt><dd data-testid="request-state">${r.state.replace('_', ' ')}</dd>
        <dt>Requester</dt><dd>${r.email ?? html`<span class="muted">removed after closing (keyed hash kept)</span>`}${r.name ? ` · ${r.name}` : ''}</dd>
        <dt>Received</dt><dd>${formatTime(r.createdAt)} via ${r.source}</dd>
        <dt>Jurisdiction</dt><dd>${r.jurisdiction.toUpperCase()}</dd>
        ${due ? html`<dt>Due</dt><dd class=${due.overdue ? 'overdue' : ''}>${formatTime(r.dueAt!)} — ${due.text}${r.extended ? ' (extended)' : ''}</dd>` : nothing}
        ${r.ackDueAt ? html`<dt>Acknowledge by</dt><dd>${formatTime(r.ackDueAt)}</dd>` : nothing}
        ${r.details ? html`<dt>Details</dt><dd>${r.details}</dd>` : nothing}
        ${r.extensionReason ? html`<dt>Extended because</dt><dd>${r.extensionReason}</dd>` : nothing}
        ${r.rejectionReason ? html`<dt>Rejected because</dt><dd>${r.rejectionReason}</dd>` : nothing}
        ${r.result ? html`<dt>Result</dt><dd data-testid="request-result">${Object.entries(r.result).map(([k, v]) => `${k}: ${v}`).join(', ')}</dd>` : nothing}
        ${r.retainedNote ? html`<dt>Kept</dt><dd>${r.retainedNote}</dd>` : nothing}
      </dl>
      ${isOpen(r.state)
        ? html`<div class="actions">
            ${can('start') ? html`<button class="primary" type="button" @click=${() => this.act(r, 'start')}>Start work</button>` : nothing}
            ${can('complete') ? html`<label for="note">${r.type === 'erasure' ? 'What is kept, and why (shown to the requester)' : r.type === 'rectification' ? 'What was corrected' : 'Note to the requester (optional)'}</label>
              <textarea id="note"></textarea>
              <button class="primary" type="button" @click=${() => this.act(r, 'complete')}>${r.type === 'erasure' ? 'Complete: erase the data' : r.type === 'access' ? 'Complete: send the export' : 'Complete'}</button>` : nothing}
            ${can('extend') ? html`<label for="extend-reason">Reason for an extension (sent to the requester)</label><textarea id="extend-reason"></textarea>
              <button type="button" @click=${() => this.act(r, 'extend')}>Extend the deadline</button>` : nothing}
            <label for="reject-reason">Reason for rejecting (sent to the requester)</label><textarea id="reject-reason"></textarea>
            <button class="danger" type="button" @click=${() => this.act(r, 'reject')}>Reject</button>
          </div>`
        : nothing}
      ${!isOpen(r.state) ? html`<p><a href=${`/api/admin/privacy-requests/${r.id}/record.json`} download>Download the record of this request (JSON, with its event log)</a></p>` : nothing}
      <h3>History</h3>
      <ol aria-label="History">
        ${this.audit.map((a) => html`<li><strong>${a.action}</strong> — ${formatTime(a.at)} — ${a.actor}${a.detail ? html` <span class="muted">${JSON.stringify(a.detail)}</span>` : nothing}</li>`)}
      </ol>`;
  }

  private renderFileForm() {
    return html`<form @submit=${this.file}>
      <h2>File a request that came by e-mail</h2>
      <p class="muted">We mail the requester a link to confirm the address is theirs; the request counts as verified when they follow it.</p>
      <p><label for="f-type">Type</label><br /><select id="f-type" name="type">${REQUEST_TYPES.map((t) => html`<option value=${t}>${TYPE_LABEL[t]}</option>`)}</select></p>
      <p><label for="f-email">Requester e-mail</label><br /><input class="u-full" id="f-email" name="email" type="email" required /></p>
      <p><label for="f-name">Name</label><br /><input class="u-full" id="f-name" name="name" /></p>
      <p><label for="f-details">Details</label><br /><textarea id="f-details" name="details"></textarea></p>
      <p><label for="f-lang">Language of our mails</label><br /><select id="f-lang" name="lang"><option value="en">English</option><option value="ru">Русский</option></select></p>
      <button class="primary" type="submit">File and send the confirmation link</button>
    </form>`;
  }

  private async open(id: number) {
    this.selected = id;
    this.filing = false;
    this.error = this.notice = null;
    await this.refresh();
  }

  private async refresh() {
    if (!this.selected) return;
    const { request, audit } = await this.store.call(OperatorEvent.privacyGet, { id: this.selected });
    this.store.requests.set(request.id, request);
    this.audit = audit;
  }

  private async act(r: PrivacyRequestDto, action: OperatorAction) {
    const text = (id: string) => (this.renderRoot.querySelector<HTMLTextAreaElement>(`#${id}`)?.value.trim() || undefined);
    const reason = action === 'extend' ? text('extend-reason') : action === 'reject' ? text('reject-reason') : undefined;
    const note = action === 'complete' ? text('note') : undefined;
    this.error = this.notice = null;
    try {
      const { request } = await this.store.call(OperatorEvent.privacyAct, { id: r.id, action, ...(reason ? { reason } : {}), ...(note ? { note } : {}) });
      this.store.requests.set(request.id, request);
      this.notice = `${request.reference} is now ${request.state.replace('_', ' ')}.`;
      await this.refresh();
    } catch (e) {
      this.error = e instanceof RpcError ? e.message : 'No answer from the server.';
    }
  }

  private async file(event: SubmitEvent) {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    const opt = (k: string) => String(f.get(k) ?? '').trim() || undefined;
    this.error = this.notice = null;
    try {
      const { request } = await this.store.call(OperatorEvent.privacyFile, {
        type: f.get('type') as RequestType,
        email: String(f.get('email') ?? ''),
        lang: f.get('lang') === 'ru' ? 'ru' : 'en',
        ...(opt('name') ? { name: opt('name') } : {}),
        ...(opt('details') ? { details: opt('details') } : {}),
      });
      this.store.requests.set(request.id, request);
      await this.open(request.id);
      this.notice = `${request.reference} filed; the confirmation link is on its way.`;
    } catch (e) {
      this.error = e instanceof RpcError ? e.message : 'No answer from the server.';
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-privacy-tab': CwPrivacyTab;
  }
}
