import { html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../../shared/protocol';
import type { CannedReplyDto } from '../../../shared/types';
import { emptyState, pageHead } from '../page';
import { AdminPage } from './admin-page';

/** Admin → Canned replies: the answers operators insert with "/shortcut" in the composer. */
@customElement('cw-admin-canned')
export class CwAdminCanned extends AdminPage {
  @state() private editing: CannedReplyDto | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
  }

  override render() {
    const { canned } = this.store;
    return html`<div class="page">
      ${pageHead('Canned replies', html`Answers operators insert by typing <code>/</code> and the shortcut in the composer.`)}
      ${this.messages()}
      <section class="card" aria-labelledby="canned-title">
        <h2 id="canned-title" class="sr-only">Replies</h2>
        ${
          canned.length === 0
            ? emptyState(
                'reply',
                'No canned replies yet',
                'Save the answers your team gives most often — opening hours, refund times — and insert them with a few keys. Add the first one below.',
              )
            : html`<div class="table-wrap"><table>
              <thead><tr><th scope="col">Shortcut</th><th scope="col">Text</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${canned.map(
                (r) => html`<tr><td><code>/${r.shortcut}</code></td><td class="u-pre">${r.text}</td>
                <td class="actions"><button type="button" class="small" @click=${() => this.edit(r)} aria-label=${`Edit /${r.shortcut}`}>Edit</button>
                <button type="button" class="small danger" @click=${() => this.run(() => this.store.call(OperatorEvent.cannedDelete, { id: r.id }))} aria-label=${`Delete /${r.shortcut}`}>Delete</button></td></tr>`,
              )}</tbody>
            </table></div>`
        }
      </section>
      <section class="card" aria-labelledby="canned-form-title">
        <h2 id="canned-form-title">${this.editing ? `Edit /${this.editing.shortcut}` : 'Add a canned reply'}</h2>
        <form @submit=${this.save}>
          <div class="form-grid two">
            <div class="field"><label for="canned-shortcut">Shortcut</label>
              <input id="canned-shortcut" name="shortcut" required maxlength="32" pattern="[A-Za-z0-9][A-Za-z0-9_\\-]*" aria-describedby="shortcut-hint" .value=${this.editing?.shortcut ?? ''} />
              <p class="hint" id="shortcut-hint">Letters, digits, - and _; typed after "/".</p></div>
            <div class="field wide"><label for="canned-text">Text</label><textarea id="canned-text" name="text" required maxlength="4000" .value=${this.editing?.text ?? ''}></textarea></div>
          </div>
          <div class="form-actions">
            ${this.editing ? html`<button type="button" @click=${() => (this.editing = null)}>Cancel</button>` : nothing}
            <button class="primary" type="submit">${this.editing ? 'Save canned reply' : 'Add canned reply'}</button>
          </div>
        </form>
      </section>
    </div>`;
  }

  private edit(reply: CannedReplyDto) {
    this.editing = reply;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#canned-shortcut')?.focus());
  }

  private save = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const f = new FormData(form);
    const ok = await this.run(() =>
      this.store.call(OperatorEvent.cannedSave, {
        ...(this.editing ? { id: this.editing.id } : {}),
        shortcut: String(f.get('shortcut')),
        text: String(f.get('text')),
      }),
    );
    if (ok) {
      this.editing = null;
      form.reset();
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-canned': CwAdminCanned;
  }
}
