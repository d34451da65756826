import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { consoleStyles } from './styles';

/** The console's keyboard shortcuts; the console dispatches them, this list documents them. */
export const SHORTCUTS: ReadonlyArray<[keys: string, what: string]> = [
  ['?', 'Show this list'],
  ['j / k', 'Next / previous conversation'],
  ['1 2 3 4', 'Views: Unassigned, Mine, All open, Resolved'],
  ['/', 'Search conversations'],
  ['r', 'Write a reply'],
  ['n', 'Write an internal note'],
  ['c', 'Claim the conversation'],
  ['t', 'Transfer to another operator'],
  ['e', 'Resolve, or reopen a resolved conversation'],
  ['a', 'Switch between online and away'],
  ['Esc', 'Leave the text field / close this list'],
  ['Enter / Shift+Enter', 'In the composer: send / new line'],
  ['/ then ↑ ↓ Enter', 'In the composer: insert a canned reply'],
];

/** The "?" overlay: a modal dialog listing the keyboard shortcuts. */
@customElement('cw-shortcuts')
export class CwShortcuts extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      dialog { width: min(520px, calc(100vw - 32px)); }
      kbd { font: 13px ui-monospace, monospace; border: 1px solid var(--cw-border); border-radius: 4px; padding: 1px 6px; white-space: nowrap; }
      td:first-child { width: 40%; }
    `,
  ];

  show(): void {
    const dialog = this.renderRoot.querySelector('dialog')!;
    if (!dialog.open) dialog.showModal();
  }

  get open(): boolean {
    return this.renderRoot.querySelector('dialog')?.open ?? false;
  }

  override render() {
    return html`<dialog aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table><tbody>${SHORTCUTS.map(([keys, what]) => html`<tr><td><kbd>${keys}</kbd></td><td>${what}</td></tr>`)}</tbody></table>
      <form class="form-actions" method="dialog"><button class="primary" autofocus>Close</button></form>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-shortcuts': CwShortcuts;
  }
}
