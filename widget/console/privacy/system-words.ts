import { LEGAL_BASES, type DataSystemDto, type LegalBasis, type SystemKind, type SystemState } from '../../../shared/data-systems';
import type { RequestKind } from '../../../shared/privacy';
import type { TeamMemberDto } from '../../../shared/types';

export const KIND_LABEL: Record<SystemKind, string> = {
  webhook: 'Webhook (signed receipt)',
  processor_email: 'Processor, by e-mail',
  manual: 'Manual task for an operator',
};

/** "Webhook: https://…", "Mail to dpo@…", "Task for Olga": how a registered system is reached. */
export function reachedBy(
  s: Pick<DataSystemDto, 'kind' | 'webhookUrl' | 'contactEmail' | 'assigneeId'>,
  team: readonly TeamMemberDto[],
): string {
  if (s.kind === 'webhook') return `Webhook: ${s.webhookUrl ?? ''}`;
  if (s.kind === 'processor_email') return `Mail to ${s.contactEmail ?? ''}`;
  const who = team.find((m) => m.id === s.assigneeId);
  return `Task for ${who ? who.name : `operator #${s.assigneeId}`}`;
}

/** What `done` means for each kind of request. */
const DONE: Record<NonNullable<RequestKind>, string> = {
  erasure: 'Erased',
  access: 'Data provided',
  rectification: 'Applied',
  objection: 'Applied',
};

/** A system's state on a request, in the words of that request's kind. */
export function systemStateLabel(state: SystemState, type: RequestKind): string {
  switch (state) {
    case 'pending':
      return 'Pending';
    case 'done':
      return type ? DONE[type] : 'Done';
    case 'not_found':
      return 'Not found';
    case 'kept':
      return 'Kept';
    case 'failed':
      return 'Failed';
  }
}

export function legalBasisLabel(basis: LegalBasis): string {
  return LEGAL_BASES[basis].en;
}
