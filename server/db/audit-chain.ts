import { createHash } from 'node:crypto';

/** The hash before the first entry. */
export const GENESIS: Buffer = Buffer.alloc(32);

/** What an audit entry's hash covers, in the form it is stored in (detail as its JSON text). */
export interface ChainedFields {
  requestId: number | null;
  at: number;
  actor: string;
  action: string;
  detail: string | null;
}

/**
 * SHA-256 of the previous entry's hash and this entry's fields: changing, removing or reordering any stored
 * entry breaks the link to every entry after it (the repository appends; verifyAuditChain walks it).
 */
export function chainHash(prev: Buffer, entry: ChainedFields): Buffer {
  return createHash('sha256')
    .update(prev)
    .update(JSON.stringify([entry.requestId, entry.at, entry.actor, entry.action, entry.detail]))
    .digest();
}
