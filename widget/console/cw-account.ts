import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../shared/protocol';
import { RpcError } from '../common/rpc';
import type { ConsoleStore } from './console-store';
import { consoleStyles } from './styles';

/** The operator's own account: change password (other sessions end; this one stays). */
@customElement('cw-account')
export class CwAccount extends LitElement {
  static override styles = [consoleStyles, css`.fields { display: grid; gap: 14px; }`];

  @property({ attribute: false }) store!: ConsoleStore;
  @state() private error: string | null = null;
  @state() private done = false;

  show(): void {
    this.error = null;
    this.done = false;
    const dialog = this.renderRoot.querySelector('dialog')!;
    this.renderRoot.querySelector('form')?.reset();
    if (!dialog.open) dialog.showModal();
  }

  override render() {
    return html`<dialog aria-labelledby="account-title">
      <form @submit=${this.submit}>
        <h2 id="account-title">Change your password</h2>
        <div class="fields">
          <div class="field"><label for="current">Current password</label><input id="current" name="current" type="password" autocomplete="current-password" required /></div>
          <div class="field"><label for="next">New password</label><input id="next" name="next" type="password" autocomplete="new-password" minlength="10" required aria-describedby="next-hint" />
            <p class="hint" id="next-hint">At least 10 characters.</p></div>
          <div class="field"><label for="repeat">New password again</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="10" required /></div>
          ${this.error ? html`<p class="callout error" role="alert">${this.error}</p>` : nothing}
          ${this.done ? html`<p class="callout ok" role="status">Password changed. Your other sessions have been signed out.</p>` : nothing}
        </div>
        <div class="form-actions">
          <button type="button" @click=${() => this.renderRoot.querySelector('dialog')!.close()}>Close</button>
          <button class="primary" type="submit">Change password</button>
        </div>
      </form>
    </dialog>`;
  }

  private submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const next = String(form.get('next'));
    this.error = null;
    this.done = false;
    if (next !== form.get('repeat')) {
      this.error = 'The new passwords differ.';
      return;
    }
    try {
      await this.store.call(OperatorEvent.passwordChange, { currentPassword: String(form.get('current')), newPassword: next });
      (event.target as HTMLFormElement).reset();
      this.done = true;
    } catch (e) {
      this.error = e instanceof RpcError ? e.message : 'No answer from the server.';
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-account': CwAccount;
  }
}
