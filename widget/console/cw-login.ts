import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { OperatorDto } from '../../shared/types';
import { icon } from './icons';
import { consoleStyles } from './styles';

/**
 * Sign-in form.
 * @fires cw-signed-in - detail: OperatorDto
 */
@customElement('cw-login')
export class CwLogin extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: grid; place-items: center; min-height: 100%; padding: 16px; background: var(--cw-surface); }
      main { width: min(380px, 100%); }
      .card { padding: 28px; }
      .brand { display: flex; align-items: center; gap: 10px; color: var(--cw-accent); margin-bottom: 20px; }
      h1 { font-size: 20px; margin: 0; color: var(--cw-fg); }
      .fields { display: grid; gap: 14px; }
    `,
  ];
  @state() private error: string | null = null;
  @state() private busy = false;

  override render() {
    return html`<main>
      <form class="card" @submit=${this.submit}>
        <div class="brand">${icon('chat', 22)}<h1>Operator console</h1></div>
        <div class="fields">
          <div class="field"><label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required /></div>
          <div class="field"><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required /></div>
          ${this.error ? html`<p class="callout error" role="alert">${this.error}</p>` : ''}
          <button class="primary" type="submit" ?disabled=${this.busy}>Sign in</button>
        </div>
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
