import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  LEGAL_BASIS_KEYS,
  SYSTEM_OUTCOMES,
  type LegalBasis,
  type RequestSystemDto,
  type SystemOutcome,
} from '../../../shared/data-systems';
import { isOpen } from '../../../shared/privacy';
import { OperatorEvent } from '../../../shared/protocol';
import type { PrivacyRequestDto } from '../../../shared/types';
import type { ConsoleStore } from '../console-store';
import { icon } from '../icons';
import { failure } from '../page';
import { consoleStyles, formatTime } from '../styles';
import { countsInWords } from './privacy-words';
import { legalBasisLabel, systemStateLabel } from './system-words';

/** Pending rows this close to the request's deadline are shown loud. */
const NEAR_DEADLINE_MS = 7 * 24 * 60 * 60 * 1000;

/** Whether a system still stands between the request and its completion. */
export function systemOpen(s: RequestSystemDto): boolean {
  return s.state === 'pending' || s.state === 'failed';
}

/**
 * The "Data systems" section of a request's page: one row per system the request reached, with its state in
 * the words of the request's kind, its legal basis, evidence and who answered; a delivery error or a
 * deadline within a week is loud. Pending and failed rows take an outcome entered by an operator.
 *
 * @fires cw-recorded - an outcome was recorded, or a system sent the request again (detail: the request as it is now)
 */
@customElement('cw-privacy-systems')
export class CwPrivacySystems extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: block; }
      ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
      li { border: 1px solid var(--cw-border); border-radius: 8px; padding: 10px 12px; display: grid; gap: 6px; min-width: 0; }
      li.loud { border-color: var(--cw-warn); background: var(--cw-warn-soft); }
      .row-head { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
      .row-head strong { overflow-wrap: anywhere; }
      .how, .who { font-size: 13px; color: var(--cw-muted); overflow-wrap: anywhere; }
      .note { white-space: pre-wrap; overflow-wrap: anywhere; }
      .warning { display: flex; gap: 6px; align-items: flex-start; color: var(--cw-warn); font-weight: 600; overflow-wrap: anywhere; }
      .warning svg { margin-top: 2px; flex-shrink: 0; }
      form { display: grid; gap: 8px; border-top: 1px solid var(--cw-border); padding-top: 10px; margin-top: 4px; }
      form button[type='submit'] { justify-self: end; }
      .toggle { justify-self: start; }
      .progress { margin: 0 0 12px; }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  @property({ attribute: false }) request!: PrivacyRequestDto;
  /** The row whose outcome form is open. */
  @state() private entering: number | null = null;
  /** The outcome chosen in the open form ("kept" asks for a legal basis). */
  @state() private outcome: SystemOutcome = 'done';
  @state() private error: string | null = null;
  @state() private busy = false;
  /** The row whose request is being sent again. */
  @state() private resending: number | null = null;

  override render() {
    const r = this.request;
    const done = r.systems.filter((s) => !systemOpen(s)).length;
    return html`<section class="card" aria-labelledby="systems-title">
      <h2 id="systems-title">Data systems</h2>
      <p class="progress" data-testid="systems-progress">${done} of ${r.systems.length} ${r.systems.length === 1 ? 'system' : 'systems'} answered${done < r.systems.length ? ' — completing waits for the rest' : ''}.</p>
      ${this.error ? html`<p class="callout error" role="alert">${this.error}</p>` : nothing}
      <ol aria-label="Data systems">${r.systems.map((s) => this.renderRow(r, s))}</ol>
    </section>`;
  }

  private renderRow(r: PrivacyRequestDto, s: RequestSystemDto) {
    const near = s.state === 'pending' && r.dueAt !== null && r.dueAt - Date.now() < NEAR_DEADLINE_MS && isOpen(r.state);
    const loud = !!s.deliveryError || s.state === 'failed' || near;
    const pill = s.state === 'pending' ? 'open' : s.state === 'failed' ? 'loud' : 'done';
    const assignee =
      s.assigneeId === null ? null : (this.store.team.find((m) => m.id === s.assigneeId)?.name ?? `operator #${s.assigneeId}`);
    return html`<li class=${loud ? 'loud' : ''} data-system=${s.name} data-state=${s.state} aria-label=${`${s.name}: ${systemStateLabel(s.state, r.type)}`}>
      <div class="row-head"><strong>${s.name}</strong><span class="pill ${pill}">${systemStateLabel(s.state, r.type)}</span></div>
      <div class="how">${s.kind === 'webhook' ? 'By webhook, with a signed receipt' : s.kind === 'processor_email' ? 'By mail to the processor, with a one-time link' : `Manual task${assignee ? ` for ${assignee}` : ''}`}</div>
      ${s.legalBasis ? html`<div><span class="muted">Legal basis:</span> ${legalBasisLabel(s.legalBasis)}</div>` : nothing}
      ${s.note ? html`<div class="note"><span class="muted">${s.state === 'failed' ? 'Reason:' : 'Evidence:'}</span> ${s.note}</div>` : nothing}
      ${s.counts && Object.keys(s.counts).length ? html`<div class="muted">${countsInWords(s.counts)}</div>` : nothing}
      ${s.answeredAt ? html`<div class="who">Answered by ${s.answeredBy ?? 'unknown'} · ${formatTime(s.answeredAt)}</div>` : nothing}
      ${s.deliveryError && systemOpen(s) ? this.renderDelivery(r, s, s.deliveryError) : nothing}
      ${near && r.dueAt ? html`<div class="warning">${icon('alert', 16)}No answer yet; the request is due ${formatTime(r.dueAt)}.</div>` : nothing}
      ${systemOpen(s) && isOpen(r.state) ? this.renderEntry(r, s) : nothing}
    </li>`;
  }

  /** A webhook that did not get through: when it is tried next, or, once the retries gave up, a way to send it again. */
  private renderDelivery(r: PrivacyRequestDto, s: RequestSystemDto, error: string) {
    if (s.nextAttemptAt !== null)
      return html`<div class="warning" role="alert">${icon('alert', 16)}Delivery failed (${error}); trying again at ${formatTime(s.nextAttemptAt)}.</div>`;
    const tried = `${s.attempts} ${s.attempts === 1 ? 'attempt' : 'attempts'}`;
    return html`<div class="warning" role="alert">${icon('alert', 16)}Not reached after ${tried} (${error}). Send it again once the system is back, or enter its outcome.</div>
      ${
        isOpen(r.state)
          ? html`<button type="button" class="small toggle" aria-label=${`Send the request to ${s.name} again`} ?disabled=${this.resending === s.id} @click=${() => this.resend(r, s)}>
              ${this.resending === s.id ? 'Sending…' : 'Send again'}
            </button>`
          : nothing
      }`;
  }

  private async resend(r: PrivacyRequestDto, s: RequestSystemDto) {
    this.resending = s.id;
    this.error = null;
    try {
      const { request } = await this.store.call(OperatorEvent.privacySystemResend, { id: r.id, entryId: s.id });
      this.store.requests.set(request.id, request);
      this.dispatchEvent(new CustomEvent('cw-recorded', { detail: request }));
    } catch (e) {
      this.error = failure(e);
    } finally {
      this.resending = null;
    }
  }

  private renderEntry(r: PrivacyRequestDto, s: RequestSystemDto) {
    const open = this.entering === s.id;
    if (!open)
      return html`<button type="button" class="small toggle" aria-label=${`Enter outcome for ${s.name}`} @click=${() => this.open(s)}>Enter outcome</button>`;
    const id = (name: string) => `${name}-${s.id}`;
    return html`<form novalidate @submit=${(e: SubmitEvent) => this.record(e, r, s)} aria-label=${`Outcome for ${s.name}`}>
      <label for=${id('outcome')}>Outcome</label>
      <select id=${id('outcome')} name="outcome" @change=${(e: Event) => (this.outcome = (e.target as HTMLSelectElement).value as SystemOutcome)}>
        ${SYSTEM_OUTCOMES.map((o) => html`<option value=${o} ?selected=${this.outcome === o}>${systemStateLabel(o, r.type)}</option>`)}
      </select>
      ${
        this.outcome === 'kept'
          ? html`<label for=${id('basis')}>Legal basis for keeping it</label>
        <select id=${id('basis')} name="legalBasis" required>
          <option value="">Choose the legal basis</option>
          ${LEGAL_BASIS_KEYS.map((k) => html`<option value=${k}>${legalBasisLabel(k)}</option>`)}
        </select>`
          : nothing
      }
      <label for=${id('note')}>Evidence (what was done, where it can be checked)</label>
      <textarea id=${id('note')} name="note" required maxlength="2000"></textarea>
      <div class="form-actions">
        <button type="button" @click=${() => (this.entering = null)}>Cancel</button>
        <button class="primary" type="submit" ?disabled=${this.busy}>Record the outcome</button>
      </div>
    </form>`;
  }

  private open(s: RequestSystemDto) {
    this.entering = s.id;
    this.outcome = 'done';
    this.error = null;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLSelectElement>(`#outcome-${s.id}`)?.focus());
  }

  private async record(event: SubmitEvent, r: PrivacyRequestDto, s: RequestSystemDto) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const note = String(form.get('note') ?? '').trim();
    const legalBasis = String(form.get('legalBasis') ?? '') as LegalBasis | '';
    this.error = null;
    if (this.outcome === 'kept' && !legalBasis) {
      this.error = `Choose the legal basis on which ${s.name} keeps the data.`;
      return;
    }
    if (!note) {
      this.error = `Write the evidence for ${s.name}'s outcome.`;
      return;
    }
    this.busy = true;
    try {
      const { request } = await this.store.call(OperatorEvent.privacySystemRecord, {
        id: r.id,
        entryId: s.id,
        outcome: this.outcome,
        note,
        ...(this.outcome === 'kept' && legalBasis ? { legalBasis } : {}),
      });
      this.store.requests.set(request.id, request);
      this.entering = null;
      this.dispatchEvent(new CustomEvent('cw-recorded', { detail: request }));
    } catch (e) {
      this.error = failure(e);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-privacy-systems': CwPrivacySystems;
  }
}
