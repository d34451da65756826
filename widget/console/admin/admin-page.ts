import { LitElement, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ConsoleStore } from '../console-store';
import { failure } from '../page';
import { consoleStyles } from '../styles';

/** What every admin page shares: the store, one error and one notice line, and a runner that fills them. */
export class AdminPage extends LitElement {
  static override styles = [consoleStyles];

  @property({ attribute: false }) store!: ConsoleStore;
  @state() protected error: string | null = null;
  @state() protected notice: string | null = null;

  /** Runs a call; a failure becomes the page's error line. Resolves true on success. */
  protected async run(fn: () => Promise<unknown>): Promise<boolean> {
    this.error = null;
    this.notice = null;
    try {
      await fn();
      return true;
    } catch (e) {
      this.error = failure(e);
      return false;
    }
  }

  protected messages() {
    return html`${this.error ? html`<p class="callout error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="callout ok" role="status">${this.notice}</p>` : nothing}`;
  }
}
