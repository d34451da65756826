import { html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../../shared/protocol';
import type { TeamMemberDto } from '../../../shared/types';
import { pageHead } from '../page';
import { AdminPage } from './admin-page';

/** Admin → Operators: the team, adding an operator, disabling / re-enabling, resetting a password. */
@customElement('cw-admin-operators')
export class CwAdminOperators extends AdminPage {
  /** A generated password, shown once. */
  @state() private secret: { who: string; email: string | null; password: string } | null = null;
  @state() private resetting: TeamMemberDto | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
  }

  override render() {
    const { team } = this.store;
    return html`<div class="page">
      ${pageHead('Operators', 'Everyone who answers chats and works privacy requests. Admins also manage this page and the other admin pages.')}
      ${this.messages()}
      ${
        this.secret
          ? html`<p class="callout ok" role="status">${this.secret.email ? `${this.secret.who} can sign in with ${this.secret.email} and this password` : `New password for ${this.secret.who}`} (shown once): <code>${this.secret.password}</code></p>`
          : nothing
      }
      <section class="card" aria-labelledby="team-title">
        <h2 id="team-title">Team</h2>
        <div class="table-wrap"><table>
          <thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Presence</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${team.map(
            (m) => html`<tr>
            <td>${m.name}</td><td>${m.email}</td><td>${m.role === 'admin' ? 'Admin' : 'Operator'}</td>
            <td><span class="pill ${m.disabled ? 'loud' : m.presence === 'online' ? 'done' : ''}">${m.disabled ? 'Disabled' : m.presence[0].toUpperCase() + m.presence.slice(1)}</span></td>
            <td class="actions">${
              m.id === this.store.operator.id
                ? html`<span class="muted">You</span>`
                : html`
              <button type="button" class="small" @click=${() => this.askReset(m)} aria-label=${`Reset the password of ${m.name}`}>Reset password</button>
              <button type="button" class=${m.disabled ? 'small' : 'small danger'} @click=${() => this.setDisabled(m.id, !m.disabled)} aria-label=${`${m.disabled ? 'Enable' : 'Disable'} ${m.name}`}>${m.disabled ? 'Enable' : 'Disable'}</button>`
            }</td>
          </tr>`,
          )}</tbody>
        </table></div>
      </section>
      <section class="card" aria-labelledby="add-title">
        <h2 id="add-title">Add an operator</h2>
        <form @submit=${this.add}>
          <div class="form-grid">
            <div class="field"><label for="op-name">Name</label><input id="op-name" name="name" required maxlength="100" autocomplete="off" /></div>
            <div class="field"><label for="op-email">E-mail</label><input id="op-email" name="email" type="email" required autocomplete="off" /></div>
            <div class="field"><label for="op-role">Role</label><select id="op-role" name="role"><option value="operator">Operator</option><option value="admin">Admin</option></select></div>
          </div>
          <p class="hint">A password is generated and shown here once. From the server: <code>npm run admin -- add-operator --email … --name … --role …</code></p>
          <div class="form-actions"><button class="primary" type="submit">Add operator</button></div>
        </form>
      </section>
      <dialog aria-labelledby="reset-title" @close=${() => (this.resetting = null)}>
        <h2 id="reset-title">Reset the password of ${this.resetting?.name ?? ''}?</h2>
        <p>A new password is generated and shown once. Their sessions end at once.</p>
        <form method="dialog" class="form-actions">
          <button type="submit" value="cancel">Cancel</button>
          <button type="button" class="danger" @click=${this.reset}>Reset password</button>
        </form>
      </dialog>
    </div>`;
  }

  private add = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const f = new FormData(form);
    this.secret = null;
    await this.run(async () => {
      const { operator, password } = await this.store.call(OperatorEvent.operatorCreate, {
        name: String(f.get('name')),
        email: String(f.get('email')),
        role: f.get('role') === 'admin' ? 'admin' : 'operator',
      });
      if (password) this.secret = { who: operator.name, email: operator.email, password };
      else this.notice = `${operator.name} was added.`;
      form.reset();
    });
  };

  private setDisabled(id: number, disabled: boolean) {
    void this.run(() => this.store.call(OperatorEvent.operatorDisable, { id, disabled }));
  }

  private askReset(member: TeamMemberDto) {
    this.resetting = member;
    this.renderRoot.querySelector('dialog')!.showModal();
  }

  private reset = async () => {
    const member = this.resetting;
    this.renderRoot.querySelector('dialog')!.close();
    if (!member) return;
    this.secret = null;
    await this.run(async () => {
      const { password } = await this.store.call(OperatorEvent.operatorResetPassword, { id: member.id });
      if (password) this.secret = { who: member.name, email: null, password };
    });
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-operators': CwAdminOperators;
  }
}
