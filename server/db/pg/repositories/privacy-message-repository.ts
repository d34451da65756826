import type { NewPrivacyMessage, PrivacyMessageRow } from '../../repositories/privacy-message-repository';
import type { PrivacyMessageStore } from '../../store';
import type { Queryable } from '../queryable';

const FROM = `SELECT m.id, m.request_id AS "requestId", m.direction, m.kind, m.operator_id AS "operatorId", o.name AS "operatorName",
    m.subject, m.body, m.message_id AS "messageId", m.created_at AS "createdAt"
  FROM %s m LEFT JOIN operators o ON o.id = m.operator_id`;
const SELECT = FROM.replace('%s', 'privacy_request_messages');

// The message is inserted and read back with its operator's name in one statement.
const INSERT = `WITH inserted AS (
    INSERT INTO privacy_request_messages (request_id, direction, kind, operator_id, subject, body, message_id, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    RETURNING *
  ) ${FROM.replace('%s', 'inserted')}`;
const FOR_REQUEST = `${SELECT} WHERE m.request_id = $1 ORDER BY m.id`;
const LAST_INBOUND = `${SELECT} WHERE m.request_id = $1 AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1`;
const DELETE_FOR = `DELETE FROM privacy_request_messages WHERE request_id = $1`;

/** The mail thread of each privacy request (requests by e-mail, operators' answers) in PostgreSQL; the twin of PrivacyMessageRepository. */
export class PgPrivacyMessageRepository implements PrivacyMessageStore {
  constructor(private readonly db: Queryable) {}

  async insert(message: NewPrivacyMessage): Promise<PrivacyMessageRow> {
    const values = [message.requestId, message.direction, message.kind, message.operatorId, message.subject, message.body];
    values.push(message.messageId, message.createdAt);
    return (await this.db.query<PrivacyMessageRow>({ name: 'privacy-message-insert', text: INSERT, values })).rows[0];
  }

  async forRequest(requestId: number): Promise<PrivacyMessageRow[]> {
    return (await this.db.query<PrivacyMessageRow>({ name: 'privacy-message-for-request', text: FOR_REQUEST, values: [requestId] })).rows;
  }

  /** The requester's latest mail, which an answer replies to. */
  async lastInbound(requestId: number): Promise<PrivacyMessageRow | null> {
    const { rows } = await this.db.query<PrivacyMessageRow>({
      name: 'privacy-message-last-inbound',
      text: LAST_INBOUND,
      values: [requestId],
    });
    return rows[0] ?? null;
  }

  /** A closed request keeps no mail text (like its other contact data). Returns how many went. */
  async deleteFor(requestId: number): Promise<number> {
    return (await this.db.query({ name: 'privacy-message-delete-for', text: DELETE_FOR, values: [requestId] })).rowCount ?? 0;
  }
}
