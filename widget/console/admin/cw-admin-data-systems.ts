import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { DataSystemDto, SystemKind } from '../../../shared/data-systems';
import { REQUEST_TYPES, type RequestType } from '../../../shared/privacy';
import { OperatorEvent } from '../../../shared/protocol';
import { emptyState, pageHead } from '../page';
import { TYPE_LABEL } from '../privacy/privacy-words';
import { KIND_LABEL, reachedBy } from '../privacy/system-words';
import { AdminPage } from './admin-page';

/** The form's draft: a system being added (`id` absent) or edited. */
interface Draft {
  id?: number;
  kind: SystemKind;
}

/**
 * Admin → Data systems: the register of places besides the chat that hold visitors' data, each with who
 * answers for it and how a request reaches it (a signed webhook, a mail to its processor, or an operator's
 * task). A new webhook system's signing secret is shown once.
 */
@customElement('cw-admin-data-systems')
export class CwAdminDataSystems extends AdminPage {
  static override styles = [
    ...AdminPage.styles,
    css`
      fieldset { border: 0; padding: 0; margin: 0; display: grid; gap: 8px; min-width: 0; }
      legend { font-weight: 600; font-size: 13px; padding: 0; margin-bottom: 6px; }
      .choices { display: flex; gap: 8px 20px; flex-wrap: wrap; }
      .choice { display: flex; gap: 8px; align-items: center; font-weight: 400; font-size: 14px; }
      .choice input[type='radio'] { width: 18px; min-height: 18px; height: 18px; margin: 0; accent-color: var(--cw-accent); }
      .secret { display: grid; gap: 8px; }
      .secret p { margin: 0; }
      .secret pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px ui-monospace, monospace; background: var(--cw-bg); padding: 8px 10px; border-radius: 6px; }
      .types { display: flex; gap: 4px; flex-wrap: wrap; }
      .name { font-weight: 600; }
      .purpose { color: var(--cw-muted); font-size: 13px; }
    `,
  ];

  @state() private systems: DataSystemDto[] | null = null;
  /** The system the form edits; null: the form is closed. */
  @state() private draft: Draft | null = null;
  @state() private secret: { name: string; value: string } | null = null;
  @state() private removing: DataSystemDto | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
    void this.load();
  }

  private load = () => this.run(async () => (this.systems = (await this.store.call(OperatorEvent.dataSystemList, {})).systems));

  override render() {
    const systems = this.systems;
    return html`<div class="page">
      ${pageHead(
        'Data systems',
        'The places besides the chat that hold visitors’ data — a shop, a CRM, a mailing tool. Every request of the kinds a system is registered for reaches it, and the request cannot be completed until each has answered.',
        this.draft
          ? nothing
          : html`<button class="primary" type="button" @click=${() => this.edit({ kind: 'webhook' })}>Add a system</button>`,
      )}
      ${this.messages()} ${this.secret ? this.renderSecret(this.secret) : nothing} ${this.draft ? this.renderForm(this.draft) : nothing}
      ${
        systems === null
          ? html`<p class="muted">Loading…</p>`
          : systems.length === 0
            ? html`<section class="card">${emptyState('database', 'No data systems yet', 'Add each system that holds personal data, so erasure and access requests reach it and its answer is on record.')}</section>`
            : html`<section class="card" aria-labelledby="systems-title"><h2 id="systems-title">Registered systems</h2>
              <div class="table-wrap"><table>
                <thead><tr><th scope="col">System</th><th scope="col">Requests</th><th scope="col">Owner</th><th scope="col">How reached</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
                <tbody>${systems.map(
                  (s) => html`<tr data-system=${s.name}>
                  <td><div class="name">${s.name}</div>${s.purpose ? html`<div class="purpose">${s.purpose}</div>` : nothing}</td>
                  <td><span class="types">${s.requestTypes.map((t) => html`<span class="pill">${TYPE_LABEL[t]}</span>`)}</span></td>
                  <td>${s.ownerEmail}</td>
                  <td>${reachedBy(s, this.store.team)}</td>
                  <td class="actions">
                    <button type="button" class="small" aria-label=${`Edit ${s.name}`} @click=${() => this.edit({ id: s.id, kind: s.kind })}>Edit</button>
                    <button type="button" class="small danger" aria-label=${`Remove ${s.name}`} @click=${() => this.askRemove(s)}>Remove</button>
                  </td></tr>`,
                )}</tbody>
              </table></div></section>`
      }
      ${this.renderRemoveDialog()}
    </div>`;
  }

  private renderSecret(secret: { name: string; value: string }) {
    return html`<section class="callout ok secret" role="status" aria-label="Signing secret">
      <p><strong>Copy the signing secret of ${secret.name} now; it is not shown again:</strong> <code>${secret.value}</code></p>
      <p>Each request is POSTed as JSON with <code>x-cw-signature: t=&lt;ms&gt;,v1=&lt;hex&gt;</code>, where v1 is HMAC-SHA256 with this secret over <code>t.body</code> — the same scheme as our webhooks. The system answers with a receipt signed the same way: either at once, in its response (200 with <code>{"outcome": "done" | "not_found" | "kept" | "failed", "legalBasis"?, "reason"?, "counts"?}</code>), or later, answering 202 now and POSTing the signed receipt to the <code>receipt.callbackUrl</code> the request carries. Signatures older than 5 minutes are refused.</p>
    </section>`;
  }

  private renderForm(draft: Draft) {
    const editing = draft.id === undefined ? undefined : this.systems?.find((s) => s.id === draft.id);
    const has = (t: RequestType) => (editing ? editing.requestTypes.includes(t) : t === 'erasure' || t === 'access');
    const team = this.store.team.filter((m) => !m.disabled);
    return html`<section class="card" aria-labelledby="system-form-title">
      <h2 id="system-form-title">${editing ? `Edit ${editing.name}` : 'Add a data system'}</h2>
      <form @submit=${this.save} novalidate>
        <div class="form-grid two">
          <div class="field"><label for="sys-name">Name</label><input id="sys-name" name="name" required maxlength="120" .value=${editing?.name ?? ''} /></div>
          <div class="field"><label for="sys-owner">Owner’s e-mail (gets reminders)</label><input id="sys-owner" name="ownerEmail" type="email" required maxlength="254" .value=${editing?.ownerEmail ?? ''} /></div>
          <div class="field wide"><label for="sys-purpose">Purpose (what it holds, and why)</label><input id="sys-purpose" name="purpose" maxlength="500" .value=${editing?.purpose ?? ''} /></div>
          <fieldset class="field wide"><legend>Requests that concern it</legend><div class="choices">
            ${REQUEST_TYPES.map((t) => html`<label class="choice"><input type="checkbox" name="requestTypes" value=${t} ?checked=${has(t)} />${TYPE_LABEL[t]}</label>`)}
          </div></fieldset>
          <fieldset class="field wide"><legend>How a request reaches it</legend><div class="choices">
            ${(['webhook', 'processor_email', 'manual'] as const).map(
              (k) =>
                html`<label class="choice"><input type="radio" name="kind" value=${k} .checked=${draft.kind === k} @change=${() => (this.draft = { ...draft, kind: k })} />${KIND_LABEL[k]}</label>`,
            )}
          </div></fieldset>
          ${
            draft.kind === 'webhook'
              ? html`<div class="field wide"><label for="sys-url">Webhook URL</label><input id="sys-url" name="webhookUrl" type="url" required maxlength="2000" placeholder="https://shop.example.com/privacy-requests" .value=${editing?.webhookUrl ?? ''} />
                <p class="hint">Requests are POSTed here, signed; the system answers with a signed receipt.</p></div>`
              : draft.kind === 'processor_email'
                ? html`<div class="field wide"><label for="sys-contact">Processor’s contact address</label><input id="sys-contact" name="contactEmail" type="email" required maxlength="254" .value=${editing?.contactEmail ?? ''} />
                <p class="hint">Each request is mailed here with a one-time link to a page where the processor enters the outcome.</p></div>`
                : html`<div class="field wide"><label for="sys-assignee">Operator who carries out the task</label>
                <select id="sys-assignee" name="assigneeId" required>
                  <option value="">Choose an operator</option>
                  ${team.map((m) => html`<option value=${m.id} ?selected=${editing?.assigneeId === m.id}>${m.name} (${m.email})</option>`)}
                </select>
                <p class="hint">They enter the outcome, with evidence, on the request page.</p></div>`
          }
        </div>
        <div class="form-actions">
          <button type="button" @click=${() => (this.draft = null)}>Cancel</button>
          <button class="primary" type="submit">${editing ? 'Save changes' : 'Add the system'}</button>
        </div>
      </form>
    </section>`;
  }

  private renderRemoveDialog() {
    const s = this.removing;
    return html`<dialog id="remove" aria-labelledby="remove-title" @close=${() => (this.removing = null)}>
      <h2 id="remove-title">Remove ${s?.name ?? 'the system'}?</h2>
      <p>New requests will no longer reach it. Requests already sent to it keep its row and still wait for its answer; its past answers stay on record.</p>
      <div class="form-actions">
        <button type="button" @click=${() => this.dialog()?.close()}>Cancel</button>
        <button class="danger" type="button" @click=${this.removeSystem}>Remove the system</button>
      </div>
    </dialog>`;
  }

  private dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('#remove');
  }

  private edit(draft: Draft) {
    this.secret = null;
    this.draft = draft;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#sys-name')?.focus());
  }

  private askRemove(s: DataSystemDto) {
    this.removing = s;
    this.dialog()?.showModal();
  }

  private removeSystem = () => {
    const s = this.removing;
    this.dialog()?.close();
    if (!s) return;
    void this.run(async () => {
      await this.store.call(OperatorEvent.dataSystemDelete, { id: s.id });
      await this.load();
      this.notice = `${s.name} is removed from the register.`;
    });
  };

  private save = (event: SubmitEvent) => {
    event.preventDefault();
    const draft = this.draft;
    if (!draft) return;
    const form = new FormData(event.target as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const purpose = text('purpose');
    const assignee = text('assigneeId');
    const input = {
      ...(draft.id === undefined ? {} : { id: draft.id }),
      name: text('name'),
      ...(purpose ? { purpose } : {}),
      requestTypes: form.getAll('requestTypes').map(String) as RequestType[],
      ownerEmail: text('ownerEmail'),
      kind: draft.kind,
      webhookUrl: draft.kind === 'webhook' ? text('webhookUrl') : null,
      contactEmail: draft.kind === 'processor_email' ? text('contactEmail') : null,
      assigneeId: draft.kind === 'manual' && assignee ? Number(assignee) : null,
    };
    void this.run(async () => {
      const { system, secret } = await this.store.call(OperatorEvent.dataSystemSave, input);
      this.draft = null;
      await this.load();
      if (secret && system.kind === 'webhook') this.secret = { name: system.name, value: secret };
      else this.notice = `${system.name} is ${draft.id === undefined ? 'added' : 'saved'}.`;
    });
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-data-systems': CwAdminDataSystems;
  }
}
