import type { Db } from '../open';
import type { CannedReplyDto } from '../../../shared/types';

/** Canned replies, managed by admins, ordered by shortcut. */
export class CannedReplyRepository {
  private readonly listStmt;
  private readonly byIdStmt;
  private readonly byShortcutStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly deleteStmt;

  constructor(db: Db) {
    const select = `SELECT id, shortcut, body AS text FROM canned_replies`;
    this.listStmt = db.prepare(`${select} ORDER BY shortcut`);
    this.byIdStmt = db.prepare(`${select} WHERE id = ?`);
    this.byShortcutStmt = db.prepare(`${select} WHERE shortcut = ?`);
    this.insertStmt = db.prepare(`INSERT INTO canned_replies (shortcut, body, created_at, updated_at) VALUES (?, ?, ?, ?)`);
    this.updateStmt = db.prepare(`UPDATE canned_replies SET shortcut = ?, body = ?, updated_at = ? WHERE id = ?`);
    this.deleteStmt = db.prepare(`DELETE FROM canned_replies WHERE id = ?`);
  }

  list(): CannedReplyDto[] {
    return this.listStmt.all() as CannedReplyDto[];
  }

  byId(id: number): CannedReplyDto | null {
    return (this.byIdStmt.get(id) as CannedReplyDto | undefined) ?? null;
  }

  byShortcut(shortcut: string): CannedReplyDto | null {
    return (this.byShortcutStmt.get(shortcut) as CannedReplyDto | undefined) ?? null;
  }

  insert(shortcut: string, text: string, now: number): number {
    return Number(this.insertStmt.run(shortcut, text, now, now).lastInsertRowid);
  }

  update(id: number, shortcut: string, text: string, now: number): boolean {
    return this.updateStmt.run(shortcut, text, now, id).changes === 1;
  }

  delete(id: number): boolean {
    return this.deleteStmt.run(id).changes === 1;
  }
}
