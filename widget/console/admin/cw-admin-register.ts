import { html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { icon } from '../icons';
import { pageHead } from '../page';
import { AdminPage } from './admin-page';

/** Admin → Register of requests: the CSV of every privacy request, for record-keeping. */
@customElement('cw-admin-register')
export class CwAdminRegister extends AdminPage {
  override render() {
    return html`<div class="page">
      ${pageHead('Register of requests', 'Every privacy request with its dates and outcome, for record-keeping. Requesters appear as keyed hashes, never as addresses.')}
      <section class="card" aria-labelledby="register-title">
        <h2 id="register-title">Download</h2>
        <p class="u-mt0">One row per request: reference, type, jurisdiction, received, verified, due and closed dates, outcome and what was erased. Keep it as long as the law asks (Roskomnadzor order 179: 3 years; CCPA: 24 months).</p>
        <p class="hint">Each download is written to the audit log. The record of a single closed request, with its event log, is on that request's page.</p>
        <div class="form-actions"><a class="button primary" href="/api/admin/privacy-register.csv" download>${icon('download')}Download the register (CSV)</a></div>
      </section>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-admin-register': CwAdminRegister;
  }
}
