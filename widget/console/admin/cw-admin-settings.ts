import { html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { OperatorEvent } from '../../../shared/protocol';
import { pageHead } from '../page';
import { AdminPage } from './admin-page';

/** Admin → Inbox settings: automatic assignment and the open-conversation limit per operator. */
@customElement('cw-admin-settings')
export class CwAdminSettings extends AdminPage {
  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
  }

  override render() {
    const { settings } = this.store;
    return html`<div class="page">
      ${pageHead('Inbox settings', 'How new conversations reach operators.')}
      ${this.messages()}
      <section class="card" aria-labelledby="assign-title">
        <h2 id="assign-title">Assignment</h2>
        <form @submit=${this.save}>
          <div class="form-grid">
            <div class="check">
              <input type="checkbox" id="auto-assign" name="autoAssign" ?checked=${settings.autoAssign} aria-describedby="auto-assign-hint" />
              <label for="auto-assign">Assign new conversations automatically</label>
              <p class="hint" id="auto-assign-hint">Round robin among the operators who are online, up to the limit below.</p>
            </div>
            <div class="field"><label for="max-open">Open conversations per operator</label>
              <input id="max-open" name="max" type="number" min="1" max="100" .value=${String(settings.maxOpenPerOperator)} /></div>
          </div>
          <div class="form-actions"><button class="primary" type="submit">Save settings</button></div>
        </form>
      </section>
    </div>`;
  }

  private save = (event: SubmitEvent) => {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    void this.run(async () => {
      await this.store.call(OperatorEvent.settingsSave, {
        autoAssign: f.get('autoAssign') === 'on',
        maxOpenPerOperator: Number(f.get('max')),
      });
      this.notice = 'Settings saved.';
    });
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-settings': CwAdminSettings;
  }
}
