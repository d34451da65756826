import type { ExportStore } from '../../store';
import type { Queryable } from '../queryable';

const INSERT = `INSERT INTO data_exports (token_hash, request_id, payload, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`;
// Read and consumed in one statement, where SQLite relies on its IMMEDIATE transaction: the link's row is
// locked (FOR UPDATE), so of two downloads at once the second waits, finds it consumed and gets nothing.
// The payload is dropped as it is handed out (the old one is returned from the locked read).
const CONSUME = `WITH found AS (
    SELECT token_hash, request_id, payload FROM data_exports
     WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > $2 FOR UPDATE
  )
  UPDATE data_exports d SET consumed_at = $2, payload = '' FROM found WHERE d.token_hash = found.token_hash
  RETURNING found.request_id AS "requestId", found.payload`;

/** One-time download links for access-request exports in PostgreSQL; the twin of the SQLite ExportRepository. */
export class PgExportRepository implements ExportStore {
  constructor(private readonly db: Queryable) {}

  async insert(tokenHash: Buffer, requestId: number, payload: string, now: number, expiresAt: number): Promise<void> {
    await this.db.query({ name: 'export-insert', text: INSERT, values: [tokenHash, requestId, payload, now, expiresAt] });
  }

  async consume(tokenHash: Buffer, now: number): Promise<{ requestId: number; payload: string } | null> {
    const { rows } = await this.db.query<{ requestId: number; payload: string }>({
      name: 'export-consume',
      text: CONSUME,
      values: [tokenHash, now],
    });
    return rows[0] ?? null;
  }
}
