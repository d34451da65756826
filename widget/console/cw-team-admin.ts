import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../shared/protocol';
import type { CannedReplyDto } from '../../shared/types';
import { RpcError } from '../common/rpc';
import type { ConsoleStore } from './console-store';
import { consoleStyles } from './styles';

/** Admin: operators (add, disable / re-enable, reset password), inbox settings, canned replies. */
@customElement('cw-team-admin')
export class CwTeamAdmin extends LitElement {
  static override styles = [consoleStyles, css`:host { display: grid; gap: 12px; }`];

  @property({ attribute: false }) store!: ConsoleStore;
  @state() private error: string | null = null;
  @state() private notice: string | null = null;
  @state() private editing: CannedReplyDto | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
  }

  override render() {
    const { team, settings, canned } = this.store;
    return html`
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="card" role="status">${this.notice}</p>` : nothing}
      <section class="card" aria-label="Operators">
        <h2>Operators</h2>
        <table><thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Presence</th><th scope="col">Actions</th></tr></thead>
          <tbody>${team.map((m) => html`<tr>
            <td>${m.name}</td><td>${m.email}</td><td>${m.role}</td><td>${m.disabled ? 'disabled' : m.presence}</td>
            <td>${m.id === this.store.operator.id ? html`<span class="muted">you</span>` : html`
              <button type="button" class=${m.disabled ? '' : 'danger'} @click=${() => this.setDisabled(m.id, !m.disabled)} aria-label=${`${m.disabled ? 'Enable' : 'Disable'} ${m.name}`}>${m.disabled ? 'Enable' : 'Disable'}</button>
              <button type="button" @click=${() => this.reset(m.id, m.name)} aria-label=${`Reset the password of ${m.name}`}>Reset password</button>`}</td>
          </tr>`)}</tbody></table>
        <form class="u-row u-wrap u-mt10" @submit=${this.add}>
          <div><label for="op-name">Name</label><br /><input id="op-name" name="name" required maxlength="100" /></div>
          <div><label for="op-email">E-mail</label><br /><input id="op-email" name="email" type="email" required /></div>
          <div><label for="op-role">Role</label><br /><select id="op-role" name="role"><option value="operator">Operator</option><option value="admin">Admin</option></select></div>
          <button type="submit">Add operator</button>
        </form>
        <p class="muted">A password is generated and shown here once. The same is possible from the server: <code>npm run admin -- add-operator --email … --name … --role …</code></p>
      </section>
      <section class="card" aria-label="Inbox settings">
        <h2>Inbox settings</h2>
        <form class="u-row u-wrap" @submit=${this.saveSettings}>
          <label class="u-plain"><input type="checkbox" name="autoAssign" ?checked=${settings.autoAssign} /> Assign new conversations automatically (round robin among online operators)</label>
          <div><label for="max-open">Open conversations per operator</label><br /><input class="u-w90" id="max-open" name="max" type="number" min="1" max="100" .value=${String(settings.maxOpenPerOperator)} /></div>
          <button type="submit">Save settings</button>
        </form>
      </section>
      <section class="card" aria-label="Canned replies">
        <h2>Canned replies</h2>
        <p class="muted">Operators insert these by typing "/" and the shortcut in the composer.</p>
        <table><tbody>${canned.map((r) => html`<tr><td><code>/${r.shortcut}</code></td><td class="u-pre">${r.text}</td>
          <td><button type="button" @click=${() => (this.editing = r)} aria-label=${`Edit /${r.shortcut}`}>Edit</button>
          <button type="button" class="danger" @click=${() => this.run(() => this.store.call(OperatorEvent.cannedDelete, { id: r.id }))} aria-label=${`Delete /${r.shortcut}`}>Delete</button></td></tr>`)}</tbody></table>
        <form class="u-stack" @submit=${this.saveCanned}>
          <div><label for="canned-shortcut">Shortcut</label><br /><input id="canned-shortcut" name="shortcut" required maxlength="32" pattern="[A-Za-z0-9][A-Za-z0-9_\\-]*" .value=${this.editing?.shortcut ?? ''} /></div>
          <div><label for="canned-text">Text</label><br /><textarea class="u-full u-tall" id="canned-text" name="text" required maxlength="4000" .value=${this.editing?.text ?? ''}></textarea></div>
          <div><button type="submit">${this.editing ? 'Save canned reply' : 'Add canned reply'}</button>
            ${this.editing ? html`<button type="button" @click=${() => (this.editing = null)}>Cancel</button>` : nothing}</div>
        </form>
      </section>`;
  }

  private async run(fn: () => Promise<unknown>): Promise<boolean> {
    this.error = null;
    try {
      await fn();
      return true;
    } catch (e) {
      this.error = e instanceof RpcError ? e.message : 'No answer from the server.';
      return false;
    }
  }

  private add = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const f = new FormData(form);
    await this.run(async () => {
      const { operator, password } = await this.store.call(OperatorEvent.operatorCreate, {
        name: String(f.get('name')), email: String(f.get('email')), role: f.get('role') === 'admin' ? 'admin' : 'operator',
      });
      this.notice = `${operator.name} can sign in with ${operator.email} and this password (shown once): ${password}`;
      form.reset();
    });
  };

  private setDisabled(id: number, disabled: boolean) {
    void this.run(() => this.store.call(OperatorEvent.operatorDisable, { id, disabled }));
  }

  private reset(id: number, name: string) {
    if (!confirm(`Reset the password of ${name}? Their sessions end at once.`)) return;
    void this.run(async () => {
      const { password } = await this.store.call(OperatorEvent.operatorResetPassword, { id });
      this.notice = `New password for ${name} (shown once): ${password}`;
    });
  }

  private saveSettings = (event: SubmitEvent) => {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    void this.run(async () => {
      await this.store.call(OperatorEvent.settingsSave, { autoAssign: f.get('autoAssign') === 'on', maxOpenPerOperator: Number(f.get('max')) });
      this.notice = 'Settings saved.';
    });
  };

  private saveCanned = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const f = new FormData(form);
    const ok = await this.run(() =>
      this.store.call(OperatorEvent.cannedSave, { ...(this.editing ? { id: this.editing.id } : {}), shortcut: String(f.get('shortcut')), text: String(f.get('text')) }),
    );
    if (ok) {
      this.editing = null;
      form.reset();
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-team-admin': CwTeamAdmin;
  }
}
