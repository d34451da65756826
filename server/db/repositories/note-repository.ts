import type { Db } from '../open';
import type { NoteDto } from '../../../shared/types';

type Raw = Omit<NoteDto, 'conversationId'>;

const SELECT = `SELECT n.id, n.client_id AS clientId, n.after_seq AS afterSeq, o.name AS operatorName, n.body AS text,
                       n.created_at AS createdAt
                  FROM conversation_notes n LEFT JOIN operators o ON o.id = n.operator_id`;

/** Internal notes. Only operator code paths reach this repository; no visitor query joins it. */
export class NoteRepository {
  private readonly insertStmt;
  private readonly byClientIdStmt;
  private readonly listStmt;
  private readonly deleteStmt;
  private readonly countStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO conversation_notes (conversation_id, operator_id, client_id, after_seq, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.byClientIdStmt = db.prepare(`${SELECT} WHERE n.conversation_id = ? AND n.client_id = ?`);
    this.listStmt = db.prepare(`${SELECT} WHERE n.conversation_id = ? ORDER BY n.after_seq, n.id LIMIT 1000`);
    this.deleteStmt = db.prepare(`DELETE FROM conversation_notes WHERE conversation_id = ?`);
    this.countStmt = db.prepare(`SELECT count(*) FROM conversation_notes WHERE conversation_id = ?`).pluck();
  }

  insert(row: { conversationRowId: number; operatorId: number; clientId: string; afterSeq: number; text: string; at: number }): void {
    this.insertStmt.run(row.conversationRowId, row.operatorId, row.clientId, row.afterSeq, row.text, row.at);
  }

  byClientId(conversationRowId: number, publicId: string, clientId: string): NoteDto | null {
    const raw = this.byClientIdStmt.get(conversationRowId, clientId) as Raw | undefined;
    return raw ? { ...raw, conversationId: publicId } : null;
  }

  list(conversationRowId: number, publicId: string): NoteDto[] {
    return (this.listStmt.all(conversationRowId) as Raw[]).map((r) => ({ ...r, conversationId: publicId }));
  }

  countByConversation(conversationRowId: number): number {
    return this.countStmt.get(conversationRowId) as number;
  }

  deleteByConversation(conversationRowId: number): number {
    return this.deleteStmt.run(conversationRowId).changes;
  }
}
