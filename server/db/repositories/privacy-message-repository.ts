import type { Db } from '../open';

export interface PrivacyMessageRow {
  id: number;
  requestId: number;
  direction: 'in' | 'out';
  kind: 'request' | 'reply' | 'answer' | 'clarification';
  operatorId: number | null;
  operatorName: string | null;
  subject: string;
  body: string;
  messageId: string | null;
  createdAt: number;
}

export type NewPrivacyMessage = Omit<PrivacyMessageRow, 'id' | 'operatorName'>;

const COLUMNS = `m.id, m.request_id AS requestId, m.direction, m.kind, m.operator_id AS operatorId, o.name AS operatorName,
  m.subject, m.body, m.message_id AS messageId, m.created_at AS createdAt`;

/** The mail thread of each privacy request (requests by e-mail, operators' answers). */
export class PrivacyMessageRepository {
  private readonly insertStmt;
  private readonly byIdStmt;
  private readonly forRequestStmt;
  private readonly lastInboundStmt;
  private readonly deleteForStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO privacy_request_messages (request_id, direction, kind, operator_id, subject, body, message_id, created_at)
       VALUES (@requestId, @direction, @kind, @operatorId, @subject, @body, @messageId, @createdAt)`,
    );
    this.byIdStmt = db.prepare(
      `SELECT ${COLUMNS} FROM privacy_request_messages m LEFT JOIN operators o ON o.id = m.operator_id WHERE m.id = ?`,
    );
    this.forRequestStmt = db.prepare(
      `SELECT ${COLUMNS} FROM privacy_request_messages m LEFT JOIN operators o ON o.id = m.operator_id WHERE m.request_id = ? ORDER BY m.id`,
    );
    this.lastInboundStmt = db.prepare(
      `SELECT ${COLUMNS} FROM privacy_request_messages m LEFT JOIN operators o ON o.id = m.operator_id
        WHERE m.request_id = ? AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1`,
    );
    this.deleteForStmt = db.prepare(`DELETE FROM privacy_request_messages WHERE request_id = ?`);
  }

  insert(message: NewPrivacyMessage): PrivacyMessageRow {
    const id = Number(this.insertStmt.run(message).lastInsertRowid);
    return this.byIdStmt.get(id) as PrivacyMessageRow;
  }

  forRequest(requestId: number): PrivacyMessageRow[] {
    return this.forRequestStmt.all(requestId) as PrivacyMessageRow[];
  }

  /** The requester's latest mail, which an answer replies to. */
  lastInbound(requestId: number): PrivacyMessageRow | null {
    return (this.lastInboundStmt.get(requestId) as PrivacyMessageRow | undefined) ?? null;
  }

  /** A closed request keeps no mail text (like its other contact data). Returns how many went. */
  deleteFor(requestId: number): number {
    return this.deleteForStmt.run(requestId).changes;
  }
}
