import type { RequestKind, RequestSource, RequestState, RequestType } from '../../../shared/privacy';
import type { AuditEntryDto, ErasurePreviewDto } from '../../../shared/types';

export const TYPE_LABEL: Record<RequestType, string> = {
  erasure: 'Erasure',
  access: 'Access (copy)',
  rectification: 'Rectification',
  objection: 'Objection (marketing)',
};

/** What a request asks for, in words; "Needs triage" while nobody has said (a mail whose words did not). */
export function typeLabel(type: RequestKind): string {
  return type === null ? 'Needs triage' : TYPE_LABEL[type];
}

export const STATE_LABEL: Record<RequestState, string> = {
  awaiting_verification: 'Awaiting verification',
  verified: 'Verified',
  in_progress: 'In progress',
  completed: 'Completed',
  rejected: 'Rejected',
  expired: 'Expired',
};

export const SOURCE_LABEL: Record<RequestSource, string> = {
  chat: 'the chat widget',
  operator: 'an operator (by e-mail)',
  api: 'the REST API',
  email: 'a mail to the privacy address',
};

const COUNT_WORDS: Record<string, [string, string]> = {
  visitors: ['visitor record', 'visitor records'],
  conversations: ['conversation', 'conversations'],
  messages: ['message', 'messages'],
  attachments: ['attached file', 'attached files'],
  notes: ['internal note', 'internal notes'],
  ratings: ['rating', 'ratings'],
  prechatAnswers: ['pre-chat form answer set', 'pre-chat form answer sets'],
  consents: ['consent record', 'consent records'],
  mails: ['mail copy', 'mail copies'],
  webhookCopies: ['webhook payload scrubbed', 'webhook payloads scrubbed'],
  requests: ['request', 'requests'],
  corrected: ['correction', 'corrections'],
  suppressed: ['marketing suppression', 'marketing suppressions'],
  visitorsUpdated: ['visitor consent withdrawn', 'visitor consents withdrawn'],
};

/** "3 messages, 1 internal note": counts in words, in the order given. */
export function countsInWords(counts: Record<string, unknown>): string {
  return Object.entries(counts)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([key, n]) => {
      const [one, many] = COUNT_WORDS[key] ?? [key, key];
      return `${n} ${n === 1 ? one : many}`;
    })
    .join(', ');
}

/** The lines of the erasure confirmation: what completing will delete, with counts. */
export function erasureLines(p: ErasurePreviewDto): string[] {
  const w = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [
    w(
      p.visitors,
      'visitor record (chat identity, contact details, consent)',
      'visitor records (chat identities, contact details, consent)',
    ),
    `${w(p.conversations, 'conversation', 'conversations')} with ${w(p.messages, 'message', 'messages')}`,
    w(p.notes, 'internal note by operators', 'internal notes by operators'),
    w(p.mails, 'copy of a mail in the dev outbox', 'copies of mails in the dev outbox'),
    `the address removed from ${w(p.webhookCopies, 'stored webhook payload', 'stored webhook payloads')}`,
    w(p.ratings, 'rating the visitor gave (with its comment)', 'ratings the visitor gave (with their comments)'),
    w(p.prechatAnswers, 'set of pre-chat form answers', 'sets of pre-chat form answers'),
    w(p.consents, 'record of accepted consent', 'records of accepted consent'),
    w(p.attachments, 'attached file (removed from the file store)', 'attached files (removed from the file store)'),
  ];
}

/** "operator #3 (Ann)" → "Ann"; "requester (e-mail code)" → "the requester (e-mail code)". */
export function actorInWords(actor: string): string {
  const operator = /^operator #\d+ \((.*)\)$/.exec(actor);
  if (operator) return operator[1];
  if (actor.startsWith('requester')) return `the ${actor}`;
  if (actor === 'system') return 'the system';
  return actor;
}

function date(ms: unknown): string {
  return typeof ms === 'number' ? new Date(ms).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '';
}

/** One history entry in words: what happened, by whom, and its details — never raw JSON. */
export function describeAudit(entry: AuditEntryDto): { title: string; detail: string | null } {
  const d = entry.detail ?? {};
  const by = actorInWords(entry.actor);
  switch (entry.action) {
    case 'received': {
      const source = SOURCE_LABEL[d.source as keyof typeof SOURCE_LABEL];
      return { title: `Received${source ? ` through ${source}` : ''}`, detail: `Filed by ${by}.` };
    }
    case 'verified':
      return {
        title: `Verified by ${by}`,
        detail: d.dueAt ? `Due ${date(d.dueAt)}${typeof d.basis === 'string' ? ` (${d.basis})` : ''}.` : null,
      };
    case 'duplicate':
      return { title: `Duplicate of ${String(d.of ?? 'an open request')}`, detail: 'Folded into the open request for the same address.' };
    case 'started':
      return { title: by === 'the system' ? 'Started automatically' : `Work started by ${by}`, detail: null };
    case 'extended':
      return {
        title: `Deadline extended by ${by}`,
        detail: `Reason: ${String(d.reason ?? '')}${d.dueAt ? ` · New due date ${date(d.dueAt)}` : ''}`,
      };
    case 'rejected':
      return { title: `Rejected by ${by}`, detail: `Reason: ${String(d.reason ?? '')}` };
    case 'completed': {
      const result = d.result && typeof d.result === 'object' ? countsInWords(d.result as Record<string, unknown>) : '';
      const note = typeof d.note === 'string' && d.note ? `Note: ${d.note}` : '';
      return {
        title: by === 'the system' ? 'Completed automatically' : `Completed by ${by}`,
        detail: [result, note].filter(Boolean).join(' · ') || null,
      };
    }
    case 'expired unverified':
      return { title: 'Expired: never verified', detail: 'Nobody confirmed the address within 7 days; its contact data was removed.' };
    case 'classified':
      return {
        title: `Classified as ${typeof d.type === 'string' && d.type in TYPE_LABEL ? TYPE_LABEL[d.type as RequestType] : String(d.type)} by ${by}`,
        detail: d.dueAt ? `Due ${date(d.dueAt)}.` : null,
      };
    case 'mail received':
      return { title: 'Mail received from the requester', detail: null };
    case 'answered by mail':
      return { title: `Requester answered by mail by ${by}`, detail: null };
    case 'clarification requested':
      return { title: `Clarification asked of the requester by ${by}`, detail: 'A question was mailed to the requester.' };
    case 'viewed':
      return { title: `Viewed by ${by}`, detail: null };
    case 'record exported':
      return { title: `Record downloaded by ${by}`, detail: null };
    case 'export downloaded':
      return { title: 'Export downloaded by the requester', detail: null };
    default:
      return { title: `${entry.action[0]?.toUpperCase() ?? ''}${entry.action.slice(1)} — ${by}`, detail: null };
  }
}
