import type { Database } from 'better-sqlite3';
import { chainHash, GENESIS } from '../audit-chain';

/**
 * Hash-chains the audit log: each entry carries the hash of the one before it and its own, so that an
 * auditor can check no entry was changed, removed or reordered (`npm run admin -- verify-audit`). Entries
 * already there are chained in id order; an entry without its hash is refused from now on.
 */
export default function auditChain(db: Database): void {
  db.exec(`
ALTER TABLE audit_log ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_log ADD COLUMN hash BLOB;
DROP TRIGGER audit_log_no_update;`);
  const rows = db.prepare('SELECT id, request_id AS requestId, at, actor, action, detail FROM audit_log ORDER BY id').all() as Array<{
    id: number;
    requestId: number | null;
    at: number;
    actor: string;
    action: string;
    detail: string | null;
  }>;
  const set = db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?');
  let prev: Buffer = GENESIS;
  for (const row of rows) {
    const hash = chainHash(prev, row);
    set.run(prev, hash, row.id);
    prev = hash;
  }
  db.exec(`
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log WHEN NEW.hash IS NULL OR NEW.prev_hash IS NULL
BEGIN SELECT RAISE(ABORT, 'audit_log entries carry their chain hashes'); END;`);
}
