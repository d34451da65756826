import type { ApiKeyDto } from '../../../../shared/protocol';
import type { DeliveryRow, WebhookRow } from '../../repositories/integration-repository';
import type { IntegrationStore } from '../../store';
import type { Queryable } from '../queryable';

const DELIVERY = `id, webhook_id AS "webhookId", event, payload, status, attempts, next_attempt_at AS "nextAttemptAt",
  last_error AS "lastError", updated_at AS "updatedAt"`;
const HOOK = `id, url, secret, created_at AS "createdAt"`;

const INSERT_KEY = `INSERT INTO api_keys (label, prefix, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`;
const LIST_KEYS = `SELECT id, label, prefix, created_at AS "createdAt", revoked_at AS "revokedAt" FROM api_keys ORDER BY id`;
const KEY_BY_HASH = `SELECT id, label FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`;
const REVOKE_KEY = `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`;
const INSERT_HOOK = `INSERT INTO webhooks (url, secret, created_at) VALUES ($1, $2, $3) RETURNING ${HOOK}`;
const LIST_HOOKS = `SELECT ${HOOK} FROM webhooks ORDER BY id`;
const HOOK_BY_ID = `SELECT ${HOOK} FROM webhooks WHERE id = $1`;
const DELETE_HOOK = `DELETE FROM webhooks WHERE id = $1`;
const INSERT_DELIVERY = `INSERT INTO webhook_deliveries (webhook_id, event, payload, status, next_attempt_at, updated_at)
  VALUES ($1, $2, $3, 'pending', $4, $4)`;
// Ties on the time in id order, as SQLite walks its index. Called in a transaction, the rows stay locked
// to its end and another node's job skips them (SKIP LOCKED), so two nodes never send one delivery at
// once; on the pool the statement is its own transaction and this is a plain read, as in SQLite.
const DUE_DELIVERIES = `SELECT ${DELIVERY} FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
  ORDER BY next_attempt_at, id LIMIT 50 FOR UPDATE SKIP LOCKED`;
const UPDATE_DELIVERY = `UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, updated_at = $5
  WHERE id = $6`;
// strpos and replace compare exactly, as SQLite's instr and replace do.
const SCRUB = `UPDATE webhook_deliveries SET payload = replace(payload, $1, '"[erased]"') WHERE strpos(payload, $1) > 0`;
const COUNT_EMAIL = `SELECT count(*) AS n FROM webhook_deliveries WHERE strpos(payload, $1) > 0`;
const DELIVERIES_OF = `SELECT ${DELIVERY} FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT 50`;

/** API keys and webhooks in PostgreSQL: how other systems talk to the privacy desk. The twin of IntegrationRepository. */
export class PgIntegrationRepository implements IntegrationStore {
  constructor(private readonly db: Queryable) {}

  async insertKey(label: string, prefix: string, keyHash: Buffer, createdBy: number, now: number): Promise<number> {
    const values = [label, prefix, keyHash, createdBy, now];
    return (await this.db.query<{ id: number }>({ name: 'integration-insert-key', text: INSERT_KEY, values })).rows[0].id;
  }

  async listKeys(): Promise<ApiKeyDto[]> {
    return (await this.db.query<ApiKeyDto>({ name: 'integration-list-keys', text: LIST_KEYS })).rows;
  }

  async activeKey(keyHash: Buffer): Promise<{ id: number; label: string } | null> {
    const { rows } = await this.db.query<{ id: number; label: string }>({
      name: 'integration-key-by-hash',
      text: KEY_BY_HASH,
      values: [keyHash],
    });
    return rows[0] ?? null;
  }

  async revokeKey(id: number, now: number): Promise<boolean> {
    return (await this.db.query({ name: 'integration-revoke-key', text: REVOKE_KEY, values: [now, id] })).rowCount === 1;
  }

  async insertWebhook(url: string, secret: string, now: number): Promise<WebhookRow> {
    return (await this.db.query<WebhookRow>({ name: 'integration-insert-hook', text: INSERT_HOOK, values: [url, secret, now] })).rows[0];
  }

  async webhook(id: number): Promise<WebhookRow | null> {
    return (await this.db.query<WebhookRow>({ name: 'integration-hook-by-id', text: HOOK_BY_ID, values: [id] })).rows[0] ?? null;
  }

  async webhooks(): Promise<WebhookRow[]> {
    return (await this.db.query<WebhookRow>({ name: 'integration-list-hooks', text: LIST_HOOKS })).rows;
  }

  async deleteWebhook(id: number): Promise<boolean> {
    return (await this.db.query({ name: 'integration-delete-hook', text: DELETE_HOOK, values: [id] })).rowCount === 1;
  }

  async enqueueDelivery(webhookId: number, event: string, payload: string, now: number): Promise<void> {
    await this.db.query({ name: 'integration-insert-delivery', text: INSERT_DELIVERY, values: [webhookId, event, payload, now] });
  }

  /** Pending deliveries whose (next) attempt is due (see DUE_DELIVERIES). */
  async dueDeliveries(now: number): Promise<DeliveryRow[]> {
    return (await this.db.query<DeliveryRow>({ name: 'integration-due-deliveries', text: DUE_DELIVERIES, values: [now] })).rows;
  }

  async updateDelivery(row: Pick<DeliveryRow, 'id' | 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'updatedAt'>): Promise<void> {
    const values = [row.status, row.attempts, row.nextAttemptAt, row.lastError, row.updatedAt, row.id];
    await this.db.query({ name: 'integration-update-delivery', text: UPDATE_DELIVERY, values });
  }

  /** Removes an e-mail address from stored delivery payloads (erasure reaches our own copies too). */
  async scrubEmail(email: string): Promise<number> {
    return (await this.db.query({ name: 'integration-scrub', text: SCRUB, values: [JSON.stringify(email)] })).rowCount ?? 0;
  }

  /** Stored delivery payloads that carry the address (what scrubEmail would change). */
  async countEmail(email: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>({
      name: 'integration-count-email',
      text: COUNT_EMAIL,
      values: [JSON.stringify(email)],
    });
    return rows[0].n;
  }

  async deliveriesOf(webhookId: number): Promise<DeliveryRow[]> {
    return (await this.db.query<DeliveryRow>({ name: 'integration-deliveries-of', text: DELIVERIES_OF, values: [webhookId] })).rows;
  }
}
