import { LEGAL_BASES, type LegalBasis } from '../../shared/data-systems';
import { escapeHtml, page } from '../http/page';

const OUTCOME_WORDS: Record<string, string> = {
  pending: 'no answer',
  done: 'done',
  not_found: 'held nothing',
  kept: 'kept',
  failed: 'failed',
};

type Row = Record<string, unknown>;
const text = (value: unknown) => escapeHtml(value === null || value === undefined ? '—' : String(value));

/** The destruction record (privacy-register.ts's closureRecord) as a page to print: every system, the event log, the chain. */
export function recordHtml(record: Row): string {
  const systems = (record.systems as Row[]).map((s) => {
    const basis = s.legalBasis ? ` — ${escapeHtml(LEGAL_BASES[s.legalBasis as LegalBasis]?.en ?? String(s.legalBasis))}` : '';
    const counts = s.counts ? escapeHtml(JSON.stringify(s.counts)) : '—';
    return `<tr><td>${text(s.system)}</td><td>${text(s.reachedBy)}</td><td>${escapeHtml(OUTCOME_WORDS[String(s.outcome)] ?? String(s.outcome))}${basis}</td><td>${text(s.evidence)}</td><td>${counts}</td><td>${text(s.answeredBy)}</td><td>${text(s.answeredAt)}</td></tr>`;
  });
  const events = (record.events as Row[]).map(
    (e) =>
      `<tr><td>${text(e.at)}</td><td>${text(e.actor)}</td><td>${text(e.action)}</td><td>${e.detail ? escapeHtml(JSON.stringify(e.detail)) : '—'}</td></tr>`,
  );
  const chain = record.auditChain as { intact: boolean; entries: number; head: string };
  const facts: Array<[string, unknown]> = [
    ['Reference', record.reference],
    ['Request', record.type],
    ['Outcome', record.state],
    ['Jurisdiction', record.jurisdiction],
    ['Requester (keyed hash of the e-mail)', record.requesterHash],
    ['Received', record.receivedAt],
    ['Verified', record.verifiedAt],
    ['Due', record.dueAt],
    ['Closed', record.closedAt],
    ['Method in the chat', record.method],
    ['Deleted or exported in the chat', record.result ? JSON.stringify(record.result) : null],
    ['Kept, and why', record.retained],
    ['Rejection reason', record.rejectionReason],
    ['Record generated', record.generatedAt],
  ];
  return page(
    `Destruction record ${String(record.reference)}`,
    `<table class="record"><tbody>${facts.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${text(v)}</td></tr>`).join('')}</tbody></table>
<h2>Data systems</h2>
${systems.length ? `<table class="record"><thead><tr><th scope="col">System</th><th scope="col">Reached by</th><th scope="col">Outcome</th><th scope="col">Evidence</th><th scope="col">Counts</th><th scope="col">Answered by</th><th scope="col">When</th></tr></thead><tbody>${systems.join('')}</tbody></table>` : '<p>No other data system was registered for this kind of request.</p>'}
<h2>Audit log extract</h2>
<table class="record"><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead><tbody>${events.join('')}</tbody></table>
<p>The audit log's hash chain was ${chain.intact ? 'intact' : '<strong>broken</strong>'} when this record was made: ${chain.entries} entries, head <code>${escapeHtml(chain.head)}</code>.</p>`,
    'record-page',
  );
}
