import { LitElement, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { OperatorDto } from '../../shared/types';
import { consoleStyles } from './styles';

/**
 * Sign-in form.
 * @fires cw-signed-in - detail: OperatorDto
 */
@customElement('cw-login')
export class CwLogin extends LitElement {
  static override styles = [consoleStyles];
  @state() private error: string | null = null;
  @state() private busy = false;

  override render() {
    return html`<main class="u-login">
      <form class="card" @submit=${this.submit}>
        <h1 class="u-title">Operator console</h1>
        <p><label for="email">E-mail</label><br /><input class="u-full" id="email" name="email" type="email" autocomplete="username" required /></p>
        <p><label for="password">Password</label><br /><input class="u-full" id="password" name="password" type="password" autocomplete="current-password" required /></p>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        <button class="primary" type="submit" ?disabled=${this.busy}>Sign in</button>
      </form>
    </main>`;
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    this.busy = true;
    this.error = null;
    try {
      const res = await fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: form.get('email'), password: form.get('password') }),
      });
      const body = (await res.json()) as { ok: boolean; data?: { operator: OperatorDto }; error?: { message: string } };
      if (!body.ok || !body.data) this.error = body.error?.message ?? 'Sign-in failed.';
      else this.dispatchEvent(new CustomEvent('cw-signed-in', { detail: body.data.operator }));
    } catch {
      this.error = 'The server cannot be reached.';
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-login': CwLogin;
  }
}
