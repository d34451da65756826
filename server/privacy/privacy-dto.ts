import type { PrivacyRequestDto, VisitorRequestDto } from '../../shared/types';
import type { PrivacyRequestRow } from '../db/repositories/privacy-repository';

/** What the requester sees of a request (their chat, the status page, "My requests"). */
export function toVisitorRequestDto(row: PrivacyRequestRow): VisitorRequestDto {
  return {
    reference: row.reference,
    type: row.type,
    state: row.state,
    dueAt: row.dueAt,
    createdAt: row.receivedAt,
    completedAt: row.completedAt,
    rejectionReason: row.rejectionReason,
    extended: row.extended === 1,
  };
}

/** What operators see of a request, contact data included. */
export function toPrivacyRequestDto(row: PrivacyRequestRow): PrivacyRequestDto {
  return {
    ...toVisitorRequestDto(row),
    id: row.id,
    jurisdiction: row.jurisdiction,
    source: row.source,
    email: row.email,
    name: row.name,
    details: row.details,
    lang: row.lang,
    verifiedAt: row.verifiedAt,
    ackDueAt: row.ackDueAt,
    extensionReason: row.extensionReason,
    retainedNote: row.retainedNote,
    result: row.resultJson ? (JSON.parse(row.resultJson) as Record<string, number>) : null,
  };
}

/**
 * How a requester appears in the register, the destruction record and webhooks alike: the keyed hash of
 * their address, in full (a shortened one in one place and a full one in another would match nothing).
 */
export function requesterHash(row: Pick<PrivacyRequestRow, 'emailHash'>): string {
  return row.emailHash.toString('hex');
}
