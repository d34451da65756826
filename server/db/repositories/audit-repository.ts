import type { Db } from '../open';
import type { AuditEntryDto } from '../../../shared/types';

/** The append-only audit log; triggers in the schema refuse UPDATE and DELETE. */
export class AuditRepository {
  private readonly appendStmt;
  private readonly listStmt;

  constructor(db: Db) {
    this.appendStmt = db.prepare(`INSERT INTO audit_log (request_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)`);
    this.listStmt = db.prepare(`SELECT id, at, actor, action, detail FROM audit_log WHERE request_id = ? ORDER BY id`);
  }

  append(requestId: number | null, at: number, actor: string, action: string, detail: Record<string, unknown> | null): void {
    this.appendStmt.run(requestId, at, actor, action, detail ? JSON.stringify(detail) : null);
  }

  list(requestId: number): AuditEntryDto[] {
    return (this.listStmt.all(requestId) as Array<Omit<AuditEntryDto, 'detail'> & { detail: string | null }>).map((r) => ({
      ...r,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    }));
  }
}
