import type { Db } from '../open';
import type { Jurisdiction, RequestKind, RequestSource, RequestState, RequestType } from '../../../shared/privacy';
import type { Lang } from '../../../shared/types';

export interface PrivacyRequestRow {
  id: number;
  reference: string;
  /** Null while the request needs triage. */
  type: RequestKind;
  state: RequestState;
  jurisdiction: Jurisdiction;
  source: RequestSource;
  email: string | null;
  emailHash: Buffer;
  name: string | null;
  details: string | null;
  lang: Lang;
  visitorId: number | null;
  duplicateOf: number | null;
  receivedAt: number;
  verifiedAt: number | null;
  ackDueAt: number | null;
  dueAt: number | null;
  extended: number;
  extensionReason: string | null;
  rejectionReason: string | null;
  retainedNote: string | null;
  resultJson: string | null;
  completedAt: number | null;
  updatedAt: number;
}

const COLUMNS = `id, reference, type, state, jurisdiction, source, email, email_hash AS emailHash, name, details, lang,
  visitor_id AS visitorId, duplicate_of AS duplicateOf, received_at AS receivedAt, verified_at AS verifiedAt,
  ack_due_at AS ackDueAt, due_at AS dueAt, extended, extension_reason AS extensionReason,
  rejection_reason AS rejectionReason, retained_note AS retainedNote, result_json AS resultJson,
  completed_at AS completedAt, updated_at AS updatedAt`;

export type NewRequest = Pick<
  PrivacyRequestRow,
  'type' | 'jurisdiction' | 'source' | 'email' | 'emailHash' | 'name' | 'details' | 'lang' | 'visitorId' | 'receivedAt'
>;

/** Privacy requests and the status tokens that follow them. */
export class PrivacyRepository {
  private readonly insertStmt;
  private readonly referenceStmt;
  private readonly byIdStmt;
  private readonly saveStmt;
  private readonly listStmt;
  private readonly allStmt;
  private readonly duplicateStmt;
  private readonly addWatcherStmt;
  private readonly byWatcherStmt;
  private readonly suppressStmt;
  private readonly expireStmt;
  private readonly byEmailHashStmt;
  private readonly byReferenceStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO privacy_requests (type, state, jurisdiction, source, email, email_hash, name, details, lang, visitor_id, received_at, updated_at)
       VALUES (@type, 'awaiting_verification', @jurisdiction, @source, @email, @emailHash, @name, @details, @lang, @visitorId, @receivedAt, @receivedAt)`,
    );
    this.referenceStmt = db.prepare(`UPDATE privacy_requests SET reference = ? WHERE id = ?`);
    this.byIdStmt = db.prepare(`SELECT ${COLUMNS} FROM privacy_requests WHERE id = ?`);
    this.saveStmt = db.prepare(
      `UPDATE privacy_requests SET type = @type, state = @state, email = @email, name = @name, details = @details,
              visitor_id = @visitorId, duplicate_of = @duplicateOf, verified_at = @verifiedAt, ack_due_at = @ackDueAt,
              due_at = @dueAt, extended = @extended, extension_reason = @extensionReason,
              rejection_reason = @rejectionReason, retained_note = @retainedNote, result_json = @resultJson,
              completed_at = @completedAt, updated_at = @updatedAt
        WHERE id = @id`,
    );
    this.listStmt = db.prepare(
      `SELECT ${COLUMNS} FROM privacy_requests
        WHERE duplicate_of IS NULL AND (@state IS NULL OR state = @state) AND (@type IS NULL OR type = @type)
        ORDER BY CASE WHEN state IN ('verified', 'in_progress', 'awaiting_verification') THEN 0 ELSE 1 END,
                 due_at IS NULL, due_at, id DESC
        LIMIT 1000`,
    );
    this.allStmt = db.prepare(`SELECT ${COLUMNS} FROM privacy_requests ORDER BY id`);
    this.duplicateStmt = db.prepare(
      `SELECT ${COLUMNS} FROM privacy_requests
        WHERE email_hash = ? AND type = ? AND id <> ? AND state IN ('verified', 'in_progress') LIMIT 1`,
    );
    this.addWatcherStmt = db.prepare(`INSERT INTO privacy_request_watchers (token_hash, request_id) VALUES (?, ?)`);
    this.byWatcherStmt = db.prepare(
      `SELECT ${COLUMNS} FROM privacy_requests
        WHERE id = (SELECT request_id FROM privacy_request_watchers WHERE token_hash = ?)`,
    );
    this.suppressStmt = db.prepare(
      `INSERT INTO marketing_suppressions (email_hash, request_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.byReferenceStmt = db.prepare(`SELECT ${COLUMNS} FROM privacy_requests WHERE reference = ?`);
    this.byEmailHashStmt = db.prepare(`SELECT ${COLUMNS} FROM privacy_requests WHERE email_hash = ? ORDER BY id`);
    this.expireStmt = db.prepare(`SELECT ${COLUMNS} FROM privacy_requests WHERE state = 'awaiting_verification' AND received_at < ?`);
  }

  insert(input: NewRequest, reference: (id: number) => string): PrivacyRequestRow {
    const id = Number(this.insertStmt.run(input).lastInsertRowid);
    this.referenceStmt.run(reference(id), id);
    return this.byId(id)!;
  }

  byId(id: number): PrivacyRequestRow | null {
    return (this.byIdStmt.get(id) as PrivacyRequestRow | undefined) ?? null;
  }

  save(row: PrivacyRequestRow): void {
    this.saveStmt.run({
      id: row.id,
      type: row.type,
      state: row.state,
      email: row.email,
      name: row.name,
      details: row.details,
      visitorId: row.visitorId,
      duplicateOf: row.duplicateOf,
      verifiedAt: row.verifiedAt,
      ackDueAt: row.ackDueAt,
      dueAt: row.dueAt,
      extended: row.extended,
      extensionReason: row.extensionReason,
      rejectionReason: row.rejectionReason,
      retainedNote: row.retainedNote,
      resultJson: row.resultJson,
      completedAt: row.completedAt,
      updatedAt: row.updatedAt,
    });
  }

  list(filter: { state?: RequestState; type?: RequestType }): PrivacyRequestRow[] {
    return this.listStmt.all({ state: filter.state ?? null, type: filter.type ?? null }) as PrivacyRequestRow[];
  }

  all(): PrivacyRequestRow[] {
    return this.allStmt.all() as PrivacyRequestRow[];
  }

  /** A verified or in-progress request of the same type for the same requester, other than `excludeId`. */
  openDuplicate(emailHash: Buffer, type: RequestType, excludeId: number): PrivacyRequestRow | null {
    return (this.duplicateStmt.get(emailHash, type, excludeId) as PrivacyRequestRow | undefined) ?? null;
  }

  addWatcher(tokenHash: Buffer, requestId: number): void {
    this.addWatcherStmt.run(tokenHash, requestId);
  }

  byWatcher(tokenHash: Buffer): PrivacyRequestRow | null {
    return (this.byWatcherStmt.get(tokenHash) as PrivacyRequestRow | undefined) ?? null;
  }

  suppressMarketing(emailHash: Buffer, requestId: number, now: number): void {
    this.suppressStmt.run(emailHash, requestId, now);
  }

  byReference(reference: string): PrivacyRequestRow | null {
    return (this.byReferenceStmt.get(reference) as PrivacyRequestRow | undefined) ?? null;
  }

  byEmailHash(emailHash: Buffer): PrivacyRequestRow[] {
    return this.byEmailHashStmt.all(emailHash) as PrivacyRequestRow[];
  }

  awaitingSince(before: number): PrivacyRequestRow[] {
    return this.expireStmt.all(before) as PrivacyRequestRow[];
  }
}
