import pg from 'pg';
import type { AuditEntryDto } from '../../../../shared/types';
import { type ChainReport, ChainWalk, chainHash, GENESIS, type StoredChainEntry } from '../../audit-chain';
import type { AuditStore } from '../../store';
import type { Queryable } from '../queryable';

/**
 * The key of the advisory lock an append holds to its transaction's end ("cw-aud" in ASCII): appends
 * from every node and connection take their turn, so each reads the head the one before it committed
 * and the chain keeps one order. (A row lock on the head would not do: the waiter, once let in, still
 * holds the old head row, not the entry just committed after it.)
 */
export const AUDIT_CHAIN_LOCK = 0x63772d617564;

const LOCK = `SELECT pg_advisory_xact_lock($1)`;
const HEAD = `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`;
const APPEND = `INSERT INTO audit_log (request_id, at, actor, action, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`;
const LIST = `SELECT id, at, actor, action, detail FROM audit_log WHERE request_id = $1 ORDER BY id`;
const REAPPLIED = `SELECT 1 FROM audit_log
  WHERE request_id IS NULL AND action = 'erasure re-applied' AND (detail::json ->> 'reference') = $1 LIMIT 1`;
// The whole log is walked a page at a time, so a long log is never held in memory at once.
const PAGE = `SELECT id, request_id AS "requestId", at, actor, action, detail, prev_hash AS "prevHash", hash
  FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`;
const PAGE_SIZE = 1000;

/**
 * The append-only audit log in PostgreSQL (triggers refuse UPDATE, DELETE and TRUNCATE), hash-chained as
 * in SQLite (db/audit-chain.ts) so one verifier checks both. On a pool, an append is a transaction of its
 * own; on a client, it joins the caller's transaction (which must be open: BEGIN) and holds the chain's
 * lock until that commits, so a write procedure's entries and its other writes commit or vanish together.
 */
export class PgAuditRepository implements AuditStore {
  constructor(private readonly db: Queryable) {}

  async append(requestId: number | null, at: number, actor: string, action: string, detail: Record<string, unknown> | null): Promise<void> {
    if (!(this.db instanceof pg.Pool)) return this.appendIn(this.db, requestId, at, actor, action, detail);
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      await this.appendIn(client, requestId, at, actor, action, detail);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  private async appendIn(
    db: Queryable,
    requestId: number | null,
    at: number,
    actor: string,
    action: string,
    detail: Record<string, unknown> | null,
  ): Promise<void> {
    const entry = { requestId, at, actor, action, detail: detail ? JSON.stringify(detail) : null };
    await db.query({ name: 'audit-lock', text: LOCK, values: [AUDIT_CHAIN_LOCK] });
    // A statement after the lock: READ COMMITTED reads the head as the append before this one committed it.
    const prev = (await db.query<{ hash: Buffer }>({ name: 'audit-head', text: HEAD })).rows[0]?.hash ?? GENESIS;
    const values = [entry.requestId, entry.at, entry.actor, entry.action, entry.detail, prev, chainHash(prev, entry)];
    await db.query({ name: 'audit-append', text: APPEND, values });
  }

  /** Whether the erasure of `reference`, unknown to this database, was already carried out again after a restore. */
  async reapplied(reference: string): Promise<boolean> {
    return (await this.db.query({ name: 'audit-reapplied', text: REAPPLIED, values: [reference] })).rows.length > 0;
  }

  async list(requestId: number): Promise<AuditEntryDto[]> {
    const { rows } = await this.db.query<Omit<AuditEntryDto, 'detail'> & { detail: string | null }>({
      name: 'audit-list',
      text: LIST,
      values: [requestId],
    });
    return rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null }));
  }

  /** Walks the whole log in order and checks every link and hash. */
  async verifyChain(): Promise<ChainReport> {
    const walk = new ChainWalk();
    let after = 0;
    for (;;) {
      const { rows } = await this.db.query<StoredChainEntry>({ name: 'audit-page', text: PAGE, values: [after, PAGE_SIZE] });
      for (const row of rows) {
        const broken = walk.next(row);
        if (broken) return broken;
      }
      if (rows.length < PAGE_SIZE) return walk.report();
      after = rows[rows.length - 1].id;
    }
  }
}
