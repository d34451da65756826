import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { VisitorPrechatDto } from '../../shared/prechat';
import { OperatorEvent } from '../../shared/protocol';
import type { ConsoleStore } from './console-store';
import { consoleStyles } from './styles';

/** "2 Dec, 14:05": when a visitor accepted or answered. */
function shortTime(ms: number): string {
  return new Date(ms).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/**
 * The conversation's visitor panel, pre-chat part: what the visitor answered in the form before their
 * first message, and the consent they accepted ("Consent v3 (EN) accepted 2 Dec, 14:05"). Shows nothing
 * for a visitor who was not asked.
 */
@customElement('cw-visitor-prechat')
export class CwVisitorPrechat extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: block; }
      h4 { margin: 14px 0 0; font-size: 14px; }
      dl { display: grid; gap: 2px; margin: 0; }
      dt { font-weight: 600; margin-top: 8px; }
      dd { margin: 0; overflow-wrap: anywhere; }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  @property() conversationId = '';
  @state() private prechat: VisitorPrechatDto | null = null;
  @state() private failed = false;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('conversationId')) void this.load(this.conversationId);
  }

  private async load(conversationId: string): Promise<void> {
    this.prechat = null;
    this.failed = false;
    try {
      const { prechat } = await this.store.call(OperatorEvent.prechatVisitor, { conversationId });
      if (conversationId === this.conversationId) this.prechat = prechat;
    } catch {
      if (conversationId === this.conversationId) this.failed = true;
    }
  }

  override render() {
    if (this.failed) return html`<p class="muted">The pre-chat answers could not be loaded.</p>`;
    const p = this.prechat;
    if (!p || (p.submittedAt === null && p.consent === null)) return nothing;
    return html`<section aria-labelledby="prechat-heading">
      <h4 id="prechat-heading">Pre-chat form</h4>
      <dl>
        ${p.name ? html`<dt>Name</dt><dd>${p.name}</dd>` : nothing}
        ${p.email ? html`<dt>E-mail</dt><dd>${p.email}</dd>` : nothing}
        ${p.answers.map((a) => html`<dt>${a.label}</dt><dd>${a.value}</dd>`)}
        <dt>Consent</dt>
        <dd data-consent>${
          p.consent
            ? `Consent v${p.consent.version} (${p.consent.lang.toUpperCase()}) accepted ${shortTime(p.consent.acceptedAt)}`
            : 'Not asked'
        }</dd>
      </dl>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-visitor-prechat': CwVisitorPrechat;
  }
}
