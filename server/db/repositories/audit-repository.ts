import type { Db } from '../open';
import type { AuditEntryDto } from '../../../shared/types';
import { type ChainReport, ChainWalk, chainHash, GENESIS, type StoredChainEntry } from '../audit-chain';

export type { ChainReport };

/**
 * The append-only audit log: triggers in the schema refuse UPDATE and DELETE, and each entry carries the
 * hash of the one before it (db/audit-chain.ts). Appends happen in the writer thread only, one at a time,
 * so the chain has one order.
 */
export class AuditRepository {
  private readonly appendStmt;
  private readonly listStmt;
  private readonly headStmt;
  private readonly reappliedStmt;
  private readonly allStmt;

  constructor(db: Db) {
    this.appendStmt = db.prepare(
      `INSERT INTO audit_log (request_id, at, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.listStmt = db.prepare(`SELECT id, at, actor, action, detail FROM audit_log WHERE request_id = ? ORDER BY id`);
    this.reappliedStmt = db
      .prepare(
        `SELECT 1 FROM audit_log WHERE request_id IS NULL AND action = 'erasure re-applied' AND json_extract(detail, '$.reference') = ?`,
      )
      .pluck();
    this.headStmt = db.prepare(`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).pluck();
    this.allStmt = db.prepare(
      `SELECT id, request_id AS requestId, at, actor, action, detail, prev_hash AS prevHash, hash FROM audit_log ORDER BY id`,
    );
  }

  append(requestId: number | null, at: number, actor: string, action: string, detail: Record<string, unknown> | null): void {
    const entry = { requestId, at, actor, action, detail: detail ? JSON.stringify(detail) : null };
    const prev = (this.headStmt.get() as Buffer | undefined) ?? GENESIS;
    this.appendStmt.run(entry.requestId, entry.at, entry.actor, entry.action, entry.detail, prev, chainHash(prev, entry));
  }

  /** Whether the erasure of `reference`, unknown to this database, was already carried out again after a restore. */
  reapplied(reference: string): boolean {
    return this.reappliedStmt.get(reference) !== undefined;
  }

  list(requestId: number): AuditEntryDto[] {
    return (this.listStmt.all(requestId) as Array<Omit<AuditEntryDto, 'detail'> & { detail: string | null }>).map((r) => ({
      ...r,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    }));
  }

  /** Walks the whole log in order and checks every link and hash. */
  verifyChain(): ChainReport {
    const walk = new ChainWalk();
    for (const entry of this.allStmt.iterate() as Iterable<StoredChainEntry>) {
      const broken = walk.next(entry);
      if (broken) return broken;
    }
    return walk.report();
  }
}
