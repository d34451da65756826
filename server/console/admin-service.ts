import { AppError } from '../../shared/errors';
import type { ApiKeyDto, WebhookDto } from '../../shared/protocol';
import type { OutboxMailDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import { randomToken, sha256 } from '../platform/crypto';
import type { IntegrationRepository, WebhookRow } from '../db/repositories/integration-repository';
import type { MailRepository } from '../db/repositories/mail-repository';
import type { OperatorRow } from '../db/repositories/operator-repository';

const KEY_PREFIX = 'cwk_';

/** Admin tools: the dev outbox, API keys for automation, webhook endpoints and their deliveries. */
export class AdminService {
  constructor(
    private readonly integrations: IntegrationRepository,
    private readonly mail: MailRepository,
    private readonly clock: Clock,
  ) {}

  outbox(): OutboxMailDto[] {
    return this.mail.list();
  }

  apiKeys(): ApiKeyDto[] {
    return this.integrations.listKeys();
  }

  /** The secret is shown once; only its hash is stored. */
  createApiKey(admin: OperatorRow, label: string): { key: ApiKeyDto; secret: string } {
    const secret = `${KEY_PREFIX}${randomToken(32)}`;
    const id = this.integrations.insertKey(label, secret.slice(0, 10), sha256(secret), admin.id, this.clock.now());
    return { key: this.integrations.listKeys().find((k) => k.id === id)!, secret };
  }

  revokeApiKey(id: number): void {
    if (!this.integrations.revokeKey(id, this.clock.now())) throw new AppError('not_found', 'No such active key.');
  }

  /** The key behind a bearer token, or null. */
  keyFor(secret: string | undefined): { id: number; label: string } | null {
    if (!secret?.startsWith(KEY_PREFIX)) return null;
    return this.integrations.activeKey(sha256(secret));
  }

  webhooks(): WebhookDto[] {
    return this.integrations.webhooks().map((hook) => this.toDto(hook));
  }

  createWebhook(url: string): { webhook: WebhookDto; secret: string } {
    const secret = randomToken(32);
    const hook = this.integrations.insertWebhook(url, secret, this.clock.now());
    return { webhook: this.toDto(hook), secret };
  }

  deleteWebhook(id: number): void {
    if (!this.integrations.deleteWebhook(id)) throw new AppError('not_found', 'No such webhook.');
  }

  private toDto(hook: WebhookRow): WebhookDto {
    return {
      id: hook.id,
      url: hook.url,
      createdAt: hook.createdAt,
      deliveries: this.integrations.deliveriesOf(hook.id).map((d) => ({
        id: d.id,
        event: d.event,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        updatedAt: d.updatedAt,
      })),
    };
  }
}
