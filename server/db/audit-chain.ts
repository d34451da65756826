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

/** An entry as the log stores it: its fields, its link to the entry before, and its own hash. */
export interface StoredChainEntry extends ChainedFields {
  id: number;
  prevHash: Buffer | null;
  hash: Buffer | null;
}

/** Where a chain check stopped: the first entry whose link or hash does not match, or none. */
export interface ChainReport {
  entries: number;
  intact: boolean;
  /** The first entry that does not follow from the one before it. */
  brokenAt: number | null;
  /** The last entry's hash (hex): what an auditor notes down to compare later. */
  head: string;
}

/**
 * Checks a log entry by entry, in order, however the store reads it (all at once or a page at a time):
 * `next` answers the report once an entry does not follow from the one before it; `report` is the
 * answer when every entry did.
 */
export class ChainWalk {
  private prev: Buffer = GENESIS;
  private entries = 0;

  next(entry: StoredChainEntry): ChainReport | null {
    this.entries++;
    if (!entry.prevHash?.equals(this.prev) || !entry.hash?.equals(chainHash(this.prev, entry))) {
      return { entries: this.entries, intact: false, brokenAt: entry.id, head: this.prev.toString('hex') };
    }
    this.prev = entry.hash;
    return null;
  }

  report(): ChainReport {
    return { entries: this.entries, intact: true, brokenAt: null, head: this.prev.toString('hex') };
  }
}
