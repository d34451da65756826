import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { REQUEST_STATES, REQUEST_TYPES, isOpen, type RequestState, type RequestType } from '../../../shared/privacy';
import type { PrivacyRequestDto } from '../../../shared/types';
import type { ConsoleStore } from '../console-store';
import { icon } from '../icons';
import { emptyState, pageHead } from '../page';
import { consoleStyles, countdown, formatTime } from '../styles';
import { STATE_LABEL, TYPE_LABEL, typeLabel } from './privacy-words';

/** Whether a request's clock is running (verified and not yet closed). */
export function clockRunning(r: PrivacyRequestDto): boolean {
  return !!r.dueAt && isOpen(r.state) && r.state !== 'awaiting_verification';
}

export function statePill(state: RequestState) {
  const kind = state === 'completed' ? 'done' : isOpen(state) ? 'open' : '';
  return html`<span class="pill ${kind}" data-state=${state}>${STATE_LABEL[state]}</span>`;
}

/** The privacy desk: every request, open ones first by due date, with filters and countdowns. */
@customElement('cw-privacy-desk')
export class CwPrivacyDesk extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      .filters { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; margin-bottom: 12px; }
      .filters .field { width: 190px; }
      .ref { font-weight: 600; white-space: nowrap; }
      td.due { white-space: nowrap; }
      .due-left { display: block; font-size: 13px; }
      @media (max-width: 640px) { .col-received { display: none; } .filters .field { width: calc(50% - 6px); } }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  /** `triage`: the requests whose type nobody has said yet. */
  @state() private typeFilter: RequestType | 'triage' | '' = '';
  @state() private stateFilter: RequestState | '' = '';

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
  }

  private all(): PrivacyRequestDto[] {
    return [...this.store.requests.values()].filter((r) => r.rejectionReason?.startsWith('Duplicate of') !== true);
  }

  private rows(): PrivacyRequestDto[] {
    return this.all()
      .filter(
        (r) =>
          (!this.typeFilter || r.type === (this.typeFilter === 'triage' ? null : this.typeFilter)) &&
          (!this.stateFilter || r.state === this.stateFilter),
      )
      .sort((a, b) => Number(isOpen(b.state)) - Number(isOpen(a.state)) || (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity) || b.id - a.id);
  }

  override render() {
    const total = this.all().length;
    const rows = this.rows();
    const file = html`<a class="button primary" href="/console/privacy/new">${icon('plus', 16)}File a request from an e-mail</a>`;
    return html`<div class="page">
      ${pageHead('Privacy requests', 'Requests to erase, copy, correct or stop using someone’s data. Open ones come first, by deadline.', total ? file : nothing)}
      ${
        total === 0
          ? html`<section class="card">${emptyState(
              'shield',
              'No privacy requests yet',
              html`<p>Requests arrive four ways, and all of them land here with a deadline:</p>
            <ul>
              <li>${icon('chat', 18)}<span><strong>From the chat widget</strong> — a visitor opens “Privacy & my data” in the chat bubble and confirms their e-mail with a code.</span></li>
              <li>${icon('mail', 18)}<span><strong>By e-mail</strong> — a mail to the privacy address becomes a request by itself (its type read from its words, or left for you to classify); the sender confirms through a link we mail back.</span></li>
              <li>${icon('mail', 18)}<span><strong>Filed by an operator</strong> — for a request that came by e-mail or post; the requester confirms through a link we mail them.</span></li>
              <li>${icon('code', 18)}<span><strong>Through the REST API</strong> — <code>POST /api/v1/privacy-requests</code> with an API key, from your other systems.</span></li>
            </ul>`,
              file,
            )}</section>`
          : html`<section class="card" aria-label="Privacy requests">
            <div class="filters">
              <div class="field"><label for="type">Type</label>
                <select id="type" .value=${this.typeFilter} @change=${(e: Event) => (this.typeFilter = (e.target as HTMLSelectElement).value as RequestType | 'triage' | '')}>
                  <option value="">All types</option>${REQUEST_TYPES.map((t) => html`<option value=${t}>${TYPE_LABEL[t]}</option>`)}<option value="triage">Needs triage</option>
                </select></div>
              <div class="field"><label for="state">State</label>
                <select id="state" .value=${this.stateFilter} @change=${(e: Event) => (this.stateFilter = (e.target as HTMLSelectElement).value as RequestState | '')}>
                  <option value="">All states</option>${REQUEST_STATES.map((s) => html`<option value=${s}>${STATE_LABEL[s]}</option>`)}
                </select></div>
            </div>
            ${
              rows.length === 0
                ? emptyState(
                    'shield',
                    'No requests match these filters',
                    'Try another type or state.',
                    html`<button type="button" @click=${this.clearFilters}>Clear filters</button>`,
                  )
                : html`<div class="table-wrap"><table>
                  <thead><tr><th scope="col">Reference</th><th scope="col" class="col-type">Type</th><th scope="col">State</th><th scope="col" class="col-received">Received</th><th scope="col">Due</th></tr></thead>
                  <tbody>${rows.map((r) => {
                    const due = clockRunning(r) ? countdown(r.dueAt!) : null;
                    return html`<tr>
                      <td><a class="ref" href=${`/console/privacy/${r.id}`}>${r.reference}</a></td>
                      <td class="col-type">${r.type === null ? html`<span class="pill loud">Needs triage</span>` : typeLabel(r.type)}</td>
                      <td>${statePill(r.state)}</td>
                      <td class="col-received">${formatTime(r.createdAt)}</td>
                      <td class="due ${due?.overdue ? 'overdue' : ''}">${due ? html`${formatTime(r.dueAt!)}<span class="due-left ${due.overdue ? '' : 'muted'}">${due.text}</span>` : html`<span class="muted">—</span>`}</td>
                    </tr>`;
                  })}</tbody>
                </table></div>`
            }
          </section>`
      }
    </div>`;
  }

  private clearFilters = () => {
    this.typeFilter = '';
    this.stateFilter = '';
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-privacy-desk': CwPrivacyDesk;
  }
}
