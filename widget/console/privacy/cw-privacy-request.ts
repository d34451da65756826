import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { REQUEST_TYPES, canTransitionRequest, isOpen, needsTriage, type OperatorAction, type RequestType } from '../../../shared/privacy';
import { OperatorEvent } from '../../../shared/protocol';
import type { AuditEntryDto, ErasurePreviewDto, PrivacyMessageDto, PrivacyRequestDto } from '../../../shared/types';
import type { ConsoleStore } from '../console-store';
import { icon } from '../icons';
import { failure } from '../page';
import { consoleStyles, countdown, formatTime } from '../styles';
import { clockRunning, statePill } from './cw-privacy-desk';
import './cw-privacy-systems';
import { systemOpen } from './cw-privacy-systems';
import { SOURCE_LABEL, TYPE_LABEL, countsInWords, describeAudit, erasureLines, typeLabel } from './privacy-words';

/**
 * One privacy request's page: its details and deadline, the operator's next moves (classify one that
 * needs triage, start, complete, extend, reject), its mails with the requester and a box to mail them, and
 * its history in words. Completing an erasure asks first, naming what will be deleted.
 */
@customElement('cw-privacy-request')
export class CwPrivacyRequest extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      .back { justify-self: start; margin-left: -10px; }
      .title { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
      .title h1 { font-size: 20px; margin: 0; }
      .columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; align-items: start; }
      dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 10px 16px; margin: 0; }
      dt { font-weight: 600; color: var(--cw-muted); font-size: 13px; }
      dd { margin: 0; overflow-wrap: anywhere; }
      .actions { display: grid; gap: 16px; }
      .action { display: grid; gap: 8px; }
      .action + .action, .fold { border-top: 1px solid var(--cw-border); padding-top: 10px; }
      .action button:not(.fold-toggle) { justify-self: end; }
      .fold { display: grid; gap: 10px; }
      .fold-toggle { justify-self: start; margin-left: -10px; color: var(--cw-fg); font-weight: 600; }
      .chev { display: inline-grid; transform: rotate(-90deg); transition: transform .1s; }
      .chev.open { transform: none; }
      [hidden] { display: none !important; }
      ol.history { list-style: none; margin: 0; padding: 0; display: grid; gap: 0; }
      ol.history li { display: grid; grid-template-columns: 12px minmax(0, 1fr); gap: 2px 12px; padding: 10px 0; border-bottom: 1px solid var(--cw-border); }
      ol.history li:last-child { border-bottom: 0; }
      ol.history li::before { content: ''; width: 8px; height: 8px; margin-top: 7px; border-radius: 50%; background: var(--cw-accent); }
      .what { font-weight: 600; overflow-wrap: anywhere; }
      .when, .detail { grid-column: 2; overflow-wrap: anywhere; word-break: break-word; }
      .when { font-size: 13px; color: var(--cw-muted); }
      ol.mails { list-style: none; margin: 0 0 12px; padding: 0; display: grid; gap: 10px; }
      ol.mails li { border: 1px solid var(--cw-border); border-radius: 8px; padding: 10px 12px; display: grid; gap: 4px; }
      ol.mails li.out { background: var(--cw-accent-soft, transparent); }
      .mail-head { font-size: 13px; color: var(--cw-muted); overflow-wrap: anywhere; }
      .mail-subject { font-weight: 600; overflow-wrap: anywhere; }
      .mail-text { white-space: pre-wrap; overflow-wrap: anywhere; }
      .check { display: flex; gap: 8px; align-items: center; font-weight: normal; }
      .reply { display: grid; gap: 8px; }
      .reply button { justify-self: end; }
      dialog ul { padding-left: 20px; margin: 8px 0 12px; display: grid; gap: 4px; }
      @media (max-width: 900px) { .columns { grid-template-columns: minmax(0, 1fr); } }
      @media (max-width: 640px) { dl { grid-template-columns: minmax(0, 1fr); gap: 2px; } dd { margin-bottom: 10px; } }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  @property({ type: Number }) requestId!: number;
  /** A line from the page that led here (e.g. the request was just filed). */
  @property() flash: string | null = null;
  @state() private audit: AuditEntryDto[] = [];
  @state() private messages: PrivacyMessageDto[] = [];
  @state() private error: string | null = null;
  @state() private notice: string | null = null;
  @state() private missing = false;
  @state() private preview: ErasurePreviewDto | null = null;
  @state() private busy = false;
  /** Which folded move (extend, reject) is open. */
  @state() private unfolded: 'extend' | 'reject' | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('requestId')) {
      this.error = this.notice = null;
      this.missing = false;
      this.audit = [];
      this.messages = [];
      this.unfolded = null;
      void this.refresh();
    }
  }

  private async refresh() {
    try {
      const { request, audit, messages } = await this.store.call(OperatorEvent.privacyGet, { id: this.requestId });
      this.store.requests.set(request.id, request);
      this.audit = audit;
      this.messages = messages;
    } catch (e) {
      this.missing = !this.store.requests.has(this.requestId);
      this.error = failure(e);
    }
  }

  override render() {
    const r = this.store.requests.get(this.requestId);
    const back = html`<a class="button quiet small back" href="/console/privacy">${icon('chevronLeft', 16)}Privacy requests</a>`;
    if (!r)
      return html`<div class="page">${back}${this.missing ? html`<p class="callout error" role="alert">${this.error}</p>` : html`<p class="muted">Loading…</p>`}</div>`;
    const due = clockRunning(r) ? countdown(r.dueAt!) : null;
    return html`<div class="page">
      ${back}
      <div class="title"><h1>${r.reference} · ${typeLabel(r.type)}</h1>${statePill(r.state)}${needsTriage(r) ? html`<span class="pill loud">Needs triage</span>` : nothing}${due?.overdue ? html`<span class="pill loud">Overdue</span>` : nothing}</div>
      ${(this.notice ?? this.flash) ? html`<p class="callout ok" role="status">${this.notice ?? this.flash}</p>` : nothing}
      ${this.error ? html`<p class="callout error" role="alert">${this.error}</p>` : nothing}
      <div class="columns">
        <section class="card" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl>
            <dt>State</dt><dd data-testid="request-state">${r.state.replace('_', ' ')}</dd>
            <dt>Requester</dt><dd>${r.email ?? html`<span class="muted">Removed after closing (keyed hash kept)</span>`}${r.name ? ` · ${r.name}` : ''}</dd>
            <dt>Received</dt><dd>${formatTime(r.createdAt)} through ${SOURCE_LABEL[r.source]}</dd>
            <dt>Jurisdiction</dt><dd>${r.jurisdiction.toUpperCase()}</dd>
            ${due ? html`<dt>Due</dt><dd class=${due.overdue ? 'overdue' : ''}>${formatTime(r.dueAt!)} — ${due.text}${r.extended ? ' (extended)' : ''}</dd>` : nothing}
            ${r.ackDueAt ? html`<dt>Acknowledge by</dt><dd>${formatTime(r.ackDueAt)}</dd>` : nothing}
            ${r.details ? html`<dt>Details</dt><dd class="u-pre">${r.details}</dd>` : nothing}
            ${r.extensionReason ? html`<dt>Extended because</dt><dd>${r.extensionReason}</dd>` : nothing}
            ${r.rejectionReason ? html`<dt>Rejected because</dt><dd>${r.rejectionReason}</dd>` : nothing}
            ${r.result ? html`<dt>Result</dt><dd data-testid="request-result">${countsInWords(r.result)}</dd>` : nothing}
            ${r.retainedNote ? html`<dt>Kept</dt><dd>${r.retainedNote}</dd>` : nothing}
          </dl>
          ${
            !isOpen(r.state)
              ? html`<div class="form-actions">
            <a class="button" href=${`/api/admin/privacy-requests/${r.id}/record.json`} download>${icon('download', 16)}Download the record (JSON, with its event log)</a>
            <a class="button" href=${`/api/admin/privacy-requests/${r.id}/record.html`} target="_blank" rel="noopener">${icon('external', 16)}Printable record (HTML)</a></div>`
              : nothing
          }
        </section>
        ${isOpen(r.state) ? this.renderActions(r) : nothing}
      </div>
      ${r.systems.length ? html`<cw-privacy-systems .store=${this.store} .request=${r} @cw-recorded=${() => void this.refresh()}></cw-privacy-systems>` : nothing}
      ${this.messages.length > 0 || (isOpen(r.state) && r.email) ? this.renderMails(r) : nothing}
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <ol class="history" aria-label="History">
          ${this.audit.map((a) => {
            const { title, detail } = describeAudit(a);
            return html`<li><span class="what">${title}</span><span class="when">${formatTime(a.at)}</span>${detail ? html`<span class="detail">${detail}</span>` : nothing}</li>`;
          })}
        </ol>
      </section>
      ${r.type === 'erasure' ? this.renderEraseDialog(r) : nothing}
    </div>`;
  }

  private renderActions(r: PrivacyRequestDto) {
    const canStart = r.state === 'verified' && canTransitionRequest(r, 'in_progress');
    const canComplete = r.state === 'in_progress' && canTransitionRequest(r, 'completed');
    const waiting = r.systems.filter(systemOpen);
    const blocked = waiting.length > 0;
    const canExtend = (r.state === 'verified' || r.state === 'in_progress') && !r.extended;
    return html`<section class="card" aria-labelledby="actions-title">
      <h2 id="actions-title">Next step</h2>
      <div class="actions">
        ${r.state === 'awaiting_verification' ? html`<p class="muted u-m0">Waiting for the requester to confirm their address. The deadline starts when they do.</p>` : nothing}
        ${
          needsTriage(r)
            ? html`<div class="action">
          <p class="hint">This came by mail and its words did not say which right it asks for. Read the mail below, ask the requester if unsure, then say which it is; work starts after that.</p>
          <label for="classify-type">What the requester asks for</label>
          <select id="classify-type">${REQUEST_TYPES.map((t) => html`<option value=${t}>${TYPE_LABEL[t]}</option>`)}</select>
          <button class="primary" type="button" ?disabled=${this.busy} @click=${() => this.classify(r)}>Set the type</button></div>`
            : nothing
        }
        ${
          canStart
            ? html`<div class="action"><p class="hint">The requester sees the request as in progress.</p>
          <button class="primary" type="button" ?disabled=${this.busy} @click=${() => this.act(r, 'start')}>Start work</button></div>`
            : nothing
        }
        ${
          canComplete
            ? html`<div class="action">
          <label for="note">${r.type === 'erasure' ? 'What is kept, and why (shown to the requester)' : r.type === 'rectification' ? 'What was corrected' : 'Note to the requester (optional)'}</label>
          <textarea id="note"></textarea>
          ${blocked ? html`<p class="hint warn" id="complete-blocked">Completing waits for ${waiting.map((s) => `${s.name} (${s.state === 'failed' ? 'failed' : 'no answer yet'})`).join(', ')}: enter their outcome under Data systems.</p>` : nothing}
          ${
            r.type === 'erasure'
              ? html`<button class="danger" type="button" ?disabled=${this.busy || blocked} aria-describedby=${blocked ? 'complete-blocked' : nothing} @click=${this.askErase}>${icon('trash', 16)}Complete: erase the data</button>`
              : html`<button class="primary" type="button" ?disabled=${this.busy || blocked} aria-describedby=${blocked ? 'complete-blocked' : nothing} @click=${() => this.act(r, 'complete')}>${r.type === 'access' ? 'Complete: send the export' : 'Complete'}</button>`
          }
        </div>`
            : nothing
        }
        ${
          canExtend
            ? this.disclosure(
                'extend',
                'Extend the deadline…',
                html`
          <label for="extend-reason">Reason for an extension (sent to the requester)</label><textarea id="extend-reason"></textarea>
          <button type="button" ?disabled=${this.busy} @click=${() => this.act(r, 'extend')}>Extend the deadline</button>`,
              )
            : nothing
        }
        ${this.disclosure(
          'reject',
          'Reject the request…',
          html`
          <label for="reject-reason">Reason for rejecting (sent to the requester)</label><textarea id="reject-reason"></textarea>
          <button type="button" ?disabled=${this.busy} @click=${() => this.act(r, 'reject')}>Reject</button>`,
        )}
      </div>
    </section>`;
  }

  private renderMails(r: PrivacyRequestDto) {
    const canMail = isOpen(r.state) && r.email;
    return html`<section class="card" aria-labelledby="mails-title">
      <h2 id="mails-title">Mails with the requester</h2>
      ${
        this.messages.length
          ? html`<ol class="mails" aria-label="Mails with the requester">
          ${this.messages.map(
            (m) => html`<li class=${m.direction} data-kind=${m.kind}>
              <span class="mail-head">${
                m.direction === 'in'
                  ? m.kind === 'request'
                    ? 'The request, from the requester'
                    : 'From the requester'
                  : `${m.kind === 'clarification' ? 'Question' : 'Answer'} from ${m.operatorName ?? 'an operator'}`
              } · ${formatTime(m.createdAt)}</span>
              <span class="mail-subject">${m.subject || '(no subject)'}</span>
              <span class="mail-text">${m.text || '(no text)'}</span>
            </li>`,
          )}
        </ol>`
          : html`<p class="muted">No mails yet.</p>`
      }
      ${
        canMail
          ? html`<div class="reply">
        <label for="reply-text">Mail to the requester (${r.email})</label>
        <textarea id="reply-text" maxlength="4000"></textarea>
        <label class="check" for="reply-clarification"><input id="reply-clarification" type="checkbox" />This asks the requester a question (a clarification)</label>
        <button class="primary" type="button" ?disabled=${this.busy} @click=${() => this.mail(r)}>${icon('mail', 16)}Send the mail</button>
      </div>`
          : nothing
      }
    </section>`;
  }

  private async mail(r: PrivacyRequestDto) {
    const box = this.renderRoot.querySelector<HTMLTextAreaElement>('#reply-text');
    const clarification = this.renderRoot.querySelector<HTMLInputElement>('#reply-clarification')?.checked ?? false;
    const text = box?.value.trim() ?? '';
    this.error = this.notice = null;
    if (!text) {
      this.error = 'Write the mail first.';
      return;
    }
    this.busy = true;
    try {
      const { request, message } = await this.store.call(OperatorEvent.privacyReply, { id: r.id, text, clarification });
      this.store.requests.set(request.id, request);
      this.messages = [...this.messages, message];
      if (box) box.value = '';
      this.notice = `The mail to the requester of ${request.reference} is sent.`;
      await this.refresh();
    } catch (e) {
      this.error = failure(e);
    } finally {
      this.busy = false;
    }
  }

  private async classify(r: PrivacyRequestDto) {
    const type = this.renderRoot.querySelector<HTMLSelectElement>('#classify-type')?.value as RequestType;
    this.error = this.notice = null;
    this.busy = true;
    try {
      const { request } = await this.store.call(OperatorEvent.privacyClassify, { id: r.id, type });
      this.store.requests.set(request.id, request);
      this.notice = `${request.reference} is classified: ${TYPE_LABEL[type]}.`;
      await this.refresh();
    } catch (e) {
      this.error = failure(e);
    } finally {
      this.busy = false;
    }
  }

  /** A less common move, folded away until asked for (a disclosure button, not <details>: same for every reader). */
  private disclosure(id: 'extend' | 'reject', label: string, body: unknown) {
    const open = this.unfolded === id;
    return html`<div class="fold">
      <button type="button" class="quiet fold-toggle" aria-expanded=${String(open)} aria-controls=${`fold-${id}`} @click=${() => (this.unfolded = open ? null : id)}>
        <span class=${open ? 'chev open' : 'chev'}>${icon('chevronDown', 16)}</span>${label}</button>
      <div class="action" id=${`fold-${id}`} ?hidden=${!open}>${body}</div>
    </div>`;
  }

  private renderEraseDialog(r: PrivacyRequestDto) {
    const p = this.preview;
    return html`<dialog id="erase" aria-labelledby="erase-title" aria-describedby="erase-what">
      <h2 id="erase-title">Erase the data of ${r.reference}?</h2>
      <div id="erase-what">
        <p>This deletes at once, for good, everything we hold for <strong>${r.email ?? 'the requester'}</strong>:</p>
        ${p ? html`<ul>${erasureLines(p).map((line) => html`<li>${line}</li>`)}</ul>` : html`<p class="muted">Counting…</p>`}
        <p class="hint">The request keeps only a keyed hash of the address and these counts. Order and payment records stay where the law keeps them.</p>
      </div>
      <div class="form-actions">
        <button type="button" @click=${() => this.dialog()?.close()}>Cancel</button>
        <button class="danger" type="button" ?disabled=${!p || this.busy} @click=${() => this.erase(r)}>Erase the data</button>
      </div>
    </dialog>`;
  }

  private dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('#erase');
  }

  private askErase = async () => {
    this.preview = null;
    this.error = null;
    this.dialog()?.showModal();
    try {
      this.preview = (await this.store.call(OperatorEvent.privacyPreview, { id: this.requestId })).preview;
    } catch (e) {
      this.dialog()?.close();
      this.error = failure(e);
    }
  };

  private async erase(r: PrivacyRequestDto) {
    this.dialog()?.close();
    await this.act(r, 'complete');
  }

  private async act(r: PrivacyRequestDto, action: OperatorAction) {
    const text = (id: string) => this.renderRoot.querySelector<HTMLTextAreaElement>(`#${id}`)?.value.trim() || undefined;
    const reason = action === 'extend' ? text('extend-reason') : action === 'reject' ? text('reject-reason') : undefined;
    const note = action === 'complete' ? text('note') : undefined;
    this.error = this.notice = null;
    this.busy = true;
    try {
      const { request } = await this.store.call(OperatorEvent.privacyAct, {
        id: r.id,
        action,
        ...(reason ? { reason } : {}),
        ...(note ? { note } : {}),
      });
      this.store.requests.set(request.id, request);
      this.notice =
        action === 'extend'
          ? `${request.reference}: the deadline is extended.`
          : `${request.reference} is now ${request.state.replace('_', ' ')}.`;
      await this.refresh();
    } catch (e) {
      this.error = failure(e);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-privacy-request': CwPrivacyRequest;
  }
}
