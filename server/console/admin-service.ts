import type { ApiKeyDto, WebhookDto } from '../../shared/protocol';
import type { OutboxMailDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import { randomToken, sha256 } from '../platform/crypto';
import type { IntegrationRepository, WebhookRow } from '../db/repositories/integration-repository';
import type { MailRepository } from '../db/repositories/mail-repository';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { Writer } from '../writer/group-commit';
import type { ConsoleWrites } from './console-writes';

const KEY_PREFIX = 'cwk_';

/** Admin tools: the dev outbox, API keys for automation, webhook endpoints and their deliveries. */
export class AdminService {
  constructor(
    private readonly integrations: IntegrationRepository,
    private readonly mail: MailRepository,
    private readonly writer: Writer<ConsoleWrites>,
    private readonly clock: Clock,
  ) {}

  outbox(): OutboxMailDto[] {
    return this.mail.list();
  }

  apiKeys(): ApiKeyDto[] {
    return this.integrations.listKeys();
  }

  /** The secret is shown once; only its hash is stored. */
  async createApiKey(admin: OperatorRow, label: string): Promise<{ key: ApiKeyDto; secret: string }> {
    const secret = `${KEY_PREFIX}${randomToken(32)}`;
    const id = await this.writer.run('apiKeyCreate', {
      label,
      prefix: secret.slice(0, 10),
      keyHash: sha256(secret).toString('hex'),
      createdBy: admin.id,
      now: this.clock.now(),
    });
    return { key: this.integrations.listKeys().find((k) => k.id === id)!, secret };
  }

  async revokeApiKey(id: number): Promise<void> {
    await this.writer.run('apiKeyRevoke', { id, now: this.clock.now() });
  }

  /** The key behind a bearer token, or null. */
  keyFor(secret: string | undefined): { id: number; label: string } | null {
    if (!secret?.startsWith(KEY_PREFIX)) return null;
    return this.integrations.activeKey(sha256(secret));
  }

  webhooks(): WebhookDto[] {
    return this.integrations.webhooks().map((hook) => this.toDto(hook));
  }

  async createWebhook(url: string): Promise<{ webhook: WebhookDto; secret: string }> {
    const secret = randomToken(32);
    const hook = await this.writer.run('webhookCreate', { url, secret, now: this.clock.now() });
    return { webhook: this.toDto(hook), secret };
  }

  async deleteWebhook(id: number): Promise<void> {
    await this.writer.run('webhookDelete', { id });
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
