import type { Db } from '../open';
import type { ApiKeyDto } from '../../../shared/protocol';

export interface WebhookRow {
  id: number;
  url: string;
  secret: string;
  createdAt: number;
}

export interface DeliveryRow {
  id: number;
  webhookId: number;
  event: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  updatedAt: number;
}

const DELIVERY = `id, webhook_id AS webhookId, event, payload, status, attempts, next_attempt_at AS nextAttemptAt,
  last_error AS lastError, updated_at AS updatedAt`;

/** API keys and webhooks: how other systems talk to the privacy desk. */
export class IntegrationRepository {
  private readonly insertKeyStmt;
  private readonly listKeysStmt;
  private readonly keyByHashStmt;
  private readonly revokeKeyStmt;
  private readonly insertHookStmt;
  private readonly listHooksStmt;
  private readonly deleteHookStmt;
  private readonly insertDeliveryStmt;
  private readonly dueDeliveriesStmt;
  private readonly updateDeliveryStmt;
  private readonly deliveriesOfStmt;
  private readonly hookByIdStmt;
  private readonly scrubStmt;
  private readonly countEmailStmt;

  constructor(db: Db) {
    this.insertKeyStmt = db.prepare(`INSERT INTO api_keys (label, prefix, key_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?)`);
    this.listKeysStmt = db.prepare(`SELECT id, label, prefix, created_at AS createdAt, revoked_at AS revokedAt FROM api_keys ORDER BY id`);
    this.keyByHashStmt = db.prepare(`SELECT id, label FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`);
    this.revokeKeyStmt = db.prepare(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`);
    this.insertHookStmt = db.prepare(`INSERT INTO webhooks (url, secret, created_at) VALUES (?, ?, ?)`);
    this.listHooksStmt = db.prepare(`SELECT id, url, secret, created_at AS createdAt FROM webhooks ORDER BY id`);
    this.hookByIdStmt = db.prepare(`SELECT id, url, secret, created_at AS createdAt FROM webhooks WHERE id = ?`);
    this.deleteHookStmt = db.prepare(`DELETE FROM webhooks WHERE id = ?`);
    this.insertDeliveryStmt = db.prepare(
      `INSERT INTO webhook_deliveries (webhook_id, event, payload, status, next_attempt_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?)`,
    );
    this.dueDeliveriesStmt = db.prepare(
      `SELECT ${DELIVERY} FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 50`,
    );
    this.updateDeliveryStmt = db.prepare(
      `UPDATE webhook_deliveries SET status = @status, attempts = @attempts, next_attempt_at = @nextAttemptAt,
              last_error = @lastError, updated_at = @updatedAt WHERE id = @id`,
    );
    this.scrubStmt = db.prepare(
      `UPDATE webhook_deliveries SET payload = replace(payload, @needle, '"[erased]"') WHERE instr(payload, @needle) > 0`,
    );
    this.countEmailStmt = db.prepare(`SELECT count(*) FROM webhook_deliveries WHERE instr(payload, @needle) > 0`).pluck();
    this.deliveriesOfStmt = db.prepare(`SELECT ${DELIVERY} FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT 50`);
  }

  insertKey(label: string, prefix: string, keyHash: Buffer, createdBy: number, now: number): number {
    return Number(this.insertKeyStmt.run(label, prefix, keyHash, createdBy, now).lastInsertRowid);
  }

  listKeys(): ApiKeyDto[] {
    return this.listKeysStmt.all() as ApiKeyDto[];
  }

  activeKey(keyHash: Buffer): { id: number; label: string } | null {
    return (this.keyByHashStmt.get(keyHash) as { id: number; label: string } | undefined) ?? null;
  }

  revokeKey(id: number, now: number): boolean {
    return this.revokeKeyStmt.run(now, id).changes === 1;
  }

  insertWebhook(url: string, secret: string, now: number): WebhookRow {
    const id = Number(this.insertHookStmt.run(url, secret, now).lastInsertRowid);
    return this.webhook(id)!;
  }

  webhook(id: number): WebhookRow | null {
    return (this.hookByIdStmt.get(id) as WebhookRow | undefined) ?? null;
  }

  webhooks(): WebhookRow[] {
    return this.listHooksStmt.all() as WebhookRow[];
  }

  deleteWebhook(id: number): boolean {
    return this.deleteHookStmt.run(id).changes === 1;
  }

  enqueueDelivery(webhookId: number, event: string, payload: string, now: number): void {
    this.insertDeliveryStmt.run(webhookId, event, payload, now, now);
  }

  dueDeliveries(now: number): DeliveryRow[] {
    return this.dueDeliveriesStmt.all(now) as DeliveryRow[];
  }

  updateDelivery(row: Pick<DeliveryRow, 'id' | 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'updatedAt'>): void {
    this.updateDeliveryStmt.run(row);
  }

  /** Removes an e-mail address from stored delivery payloads (erasure reaches our own copies too). */
  scrubEmail(email: string): number {
    return this.scrubStmt.run({ needle: JSON.stringify(email) }).changes;
  }

  /** Stored delivery payloads that carry the address (what scrubEmail would change). */
  countEmail(email: string): number {
    return this.countEmailStmt.get({ needle: JSON.stringify(email) }) as number;
  }

  deliveriesOf(webhookId: number): DeliveryRow[] {
    return this.deliveriesOfStmt.all(webhookId) as DeliveryRow[];
  }
}
