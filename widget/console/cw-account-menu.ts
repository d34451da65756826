import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { OperatorDto } from '../../shared/types';
import { icon } from './icons';
import { consoleStyles } from './styles';

export type AccountAction = 'online' | 'away' | 'sound' | 'notifications' | 'shortcuts' | 'password' | 'sign-out';

/**
 * The operator's one menu in the header: status, desktop notifications, sound, keyboard shortcuts,
 * change password, sign out. A menu button (ARIA menu pattern: arrows, Home/End, Escape).
 * @fires cw-account - detail: AccountAction
 */
@customElement('cw-account-menu')
export class CwAccountMenu extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { position: relative; display: block; }
      .trigger { gap: 8px; padding: 0 8px 0 4px; min-height: 36px; background: transparent; border-color: transparent; color: #fff; }
      .trigger:hover, .trigger[aria-expanded='true'] { background: #ffffff1f; }
      .avatar { position: relative; display: grid; place-items: center; width: 28px; height: 28px; border-radius: 50%; background: #c9d4ff; color: #10182b; font-size: 12px; font-weight: 700; }
      .dot { position: absolute; right: -1px; bottom: -1px; width: 10px; height: 10px; border-radius: 50%; border: 2px solid #10182b; background: #3ccf6e; }
      .dot.away { background: #f0b429; }
      .name { max-width: 160px; overflow: hidden; text-overflow: ellipsis; }
      @media (max-width: 640px) { .name { display: none; } }
      [role='menu'] { position: absolute; right: 0; top: calc(100% + 6px); z-index: 20; width: 270px; max-width: calc(100vw - 16px); padding: 6px; margin: 0;
        background: var(--cw-bg); color: var(--cw-fg); border: 1px solid var(--cw-border); border-radius: 10px; box-shadow: 0 10px 30px #0003; display: grid; }
      .who { padding: 8px 10px 10px; border-bottom: 1px solid var(--cw-border); margin-bottom: 4px; overflow-wrap: anywhere; }
      .who strong { display: block; }
      .group-label { padding: 6px 10px 2px; font-size: 12px; font-weight: 600; color: var(--cw-muted); text-transform: uppercase; letter-spacing: .03em; }
      [role^='menuitem'] { all: unset; box-sizing: border-box; display: grid; grid-template-columns: 20px 1fr auto; align-items: center; gap: 10px; padding: 8px 10px; border-radius: 6px; cursor: pointer; min-height: 36px; }
      [role^='menuitem']:hover, [role^='menuitem']:focus-visible { background: var(--cw-surface); outline: none; }
      [role^='menuitem']:focus-visible { box-shadow: 0 0 0 2px var(--cw-accent) inset; }
      [role^='menuitem'][aria-disabled='true'] { cursor: default; color: var(--cw-muted); }
      .state { font-size: 12px; color: var(--cw-muted); }
      .radio { width: 10px; height: 10px; border-radius: 50%; justify-self: center; background: #3ccf6e; }
      .radio.away { background: #f0b429; }
      .tick { color: var(--cw-accent); display: grid; }
      hr { border: 0; border-top: 1px solid var(--cw-border); margin: 4px 0; }
    `,
  ];

  @property({ attribute: false }) operator!: OperatorDto;
  @property() presence: 'online' | 'away' = 'online';
  @property({ type: Boolean }) muted = false;
  @property() permission: NotificationPermission | 'unsupported' = 'default';
  @state() private open = false;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('pointerdown', this.onOutside);
  }

  override render() {
    const initials = this.operator.name
      .split(/\s+/)
      .map((w) => w[0] ?? '')
      .join('')
      .slice(0, 2)
      .toUpperCase();
    const notifications =
      this.permission === 'granted'
        ? 'On'
        : this.permission === 'denied'
          ? 'Blocked in the browser'
          : this.permission === 'unsupported'
            ? 'Not supported'
            : 'Off';
    const tick = (on: boolean) => (on ? html`<span class="tick">${icon('check', 16)}</span>` : html`<span></span>`);
    return html`<button class="trigger" type="button" aria-label="Account menu" aria-haspopup="menu" aria-expanded=${String(this.open)} aria-controls="account-menu" @click=${this.toggle} @keydown=${this.onTriggerKey}>
        <span class="avatar" aria-hidden="true">${initials}<span class="dot ${this.presence}"></span></span>
        <span class="name" aria-hidden="true">${this.operator.name}</span>
        ${icon('chevronDown', 16)}
      </button>
      ${
        this.open
          ? html`<div role="menu" id="account-menu" aria-label="Account" @keydown=${this.onMenuKey} @click=${this.onMenuClick}>
            <div class="who" role="none"><strong>${this.operator.name}</strong><span class="muted">${this.operator.email}</span></div>
            <div class="group-label" role="none" id="status-label">My status</div>
            <div role="group" aria-labelledby="status-label">
              <button role="menuitemradio" aria-checked=${String(this.presence === 'online')} data-action="online"><span class="radio"></span>Online${tick(this.presence === 'online')}</button>
              <button role="menuitemradio" aria-checked=${String(this.presence === 'away')} data-action="away"><span class="radio away"></span>Away${tick(this.presence === 'away')}</button>
            </div>
            <hr role="separator" />
            <button role="menuitemcheckbox" aria-checked=${String(!this.muted)} data-action="sound">${icon(this.muted ? 'volumeOff' : 'volume')}Sound for new messages${tick(!this.muted)}</button>
            <button role="menuitem" data-action="notifications" aria-disabled=${String(this.permission !== 'default')}>${icon('bell')}Desktop notifications<span class="state">${this.permission === 'default' ? 'Turn on' : notifications}</span></button>
            <button role="menuitem" data-action="shortcuts">${icon('keyboard')}Keyboard shortcuts<span class="state"><kbd>?</kbd></span></button>
            <button role="menuitem" data-action="password">${icon('lock')}Change password<span></span></button>
            <hr role="separator" />
            <button role="menuitem" data-action="sign-out">${icon('signOut')}Sign out<span></span></button>
          </div>`
          : nothing
      }`;
  }

  private items(): HTMLElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLElement>('[role^="menuitem"]')];
  }

  private async show(focus: 'first' | 'last') {
    this.open = true;
    document.addEventListener('pointerdown', this.onOutside);
    await this.updateComplete;
    const items = this.items();
    (focus === 'first' ? items[0] : items.at(-1))?.focus();
  }

  /** Closes the menu; focus goes back to its button unless the operator clicked elsewhere. */
  close(refocus = true): void {
    if (!this.open) return;
    this.open = false;
    document.removeEventListener('pointerdown', this.onOutside);
    if (refocus) this.renderRoot.querySelector<HTMLElement>('.trigger')?.focus();
  }

  private toggle = () => (this.open ? this.close() : void this.show('first'));

  private onTriggerKey = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      void this.show(event.key === 'ArrowDown' ? 'first' : 'last');
    }
  };

  private onOutside = (event: Event) => {
    if (!event.composedPath().includes(this)) this.close(false);
  };

  private onMenuKey = (event: KeyboardEvent) => {
    // The menu owns the keyboard while open: no console shortcut fires from inside it.
    event.stopPropagation();
    const items = this.items();
    const at = items.indexOf((this.renderRoot as ShadowRoot).activeElement as HTMLElement);
    const move = (to: number) => {
      event.preventDefault();
      items[(to + items.length) % items.length]?.focus();
    };
    if (event.key === 'ArrowDown') move(at + 1);
    else if (event.key === 'ArrowUp') move(at - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(items.length - 1);
    else if (event.key === 'Escape') {
      event.preventDefault();
      this.close();
    } else if (event.key === 'Tab') this.close(false);
  };

  private onMenuClick = (event: Event) => {
    const item = (event.target as HTMLElement).closest<HTMLElement>('[data-action]');
    if (!item || item.getAttribute('aria-disabled') === 'true') return;
    const action = item.dataset.action as AccountAction;
    // Status and sound stay in the open menu (their tick moves); the others leave it.
    if (action !== 'online' && action !== 'away' && action !== 'sound') this.close(action !== 'shortcuts' && action !== 'password');
    this.dispatchEvent(new CustomEvent<AccountAction>('cw-account', { detail: action }));
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-account-menu': CwAccountMenu;
  }
}
