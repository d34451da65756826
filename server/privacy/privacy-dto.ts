import type { PrivacyRequestDto, VisitorRequestDto } from '../../shared/types';
import type { PrivacyRequestRow } from '../db/repositories/privacy-repository';
import type { RequestSystemRow } from '../db/repositories/data-system-repository';
import { toEntryDto, toVisitorSystemDto } from './data-system-ledger';

/** What the requester sees of a request (their chat, the status page, "My requests"), with each data system's progress. */
export function toVisitorRequestDto(row: PrivacyRequestRow, systems: readonly RequestSystemRow[]): VisitorRequestDto {
  return {
    reference: row.reference,
    type: row.type,
    state: row.state,
    dueAt: row.dueAt,
    createdAt: row.receivedAt,
    completedAt: row.completedAt,
    rejectionReason: row.rejectionReason,
    extended: row.extended === 1,
    systems: systems.map(toVisitorSystemDto),
  };
}

/** What operators see of a request, contact data included. */
export function toPrivacyRequestDto(row: PrivacyRequestRow, systems: readonly RequestSystemRow[]): PrivacyRequestDto {
  return {
    ...toVisitorRequestDto(row, systems),
    systems: systems.map(toEntryDto),
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
