import type { ApiKeyDto, WebhookDto } from '../../shared/protocol';
import type { OutboxMailDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import { randomToken, sha256 } from '../platform/crypto';
import type { WebhookRow } from '../db/repositories/integration-repository';
import type { Stores } from '../db/store';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { Writer } from '../writer/group-commit';
import type { ConsoleWrites } from './console-writes';

const KEY_PREFIX = 'cwk_';

/** Admin tools: the dev outbox, API keys for automation, webhook endpoints and their deliveries. */
export class AdminService {
  constructor(
    private readonly integrations: Stores['integrations'],
    private readonly mail: Stores['mail'],
    private readonly writer: Writer<ConsoleWrites>,
    private readonly clock: Clock,
  ) {}

  async outbox(): Promise<OutboxMailDto[]> {
    return this.mail.list();
  }

  async apiKeys(): Promise<ApiKeyDto[]> {
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
    return { key: (await this.integrations.listKeys()).find((k) => k.id === id)!, secret };
  }

  async revokeApiKey(id: number): Promise<void> {
    await this.writer.run('apiKeyRevoke', { id, now: this.clock.now() });
  }

  /** The key behind a bearer token, or null. */
  async keyFor(secret: string | undefined): Promise<{ id: number; label: string } | null> {
    if (!secret?.startsWith(KEY_PREFIX)) return null;
    return this.integrations.activeKey(sha256(secret));
  }

  async webhooks(): Promise<WebhookDto[]> {
    return Promise.all((await this.integrations.webhooks()).map((hook) => this.toDto(hook)));
  }

  async createWebhook(url: string): Promise<{ webhook: WebhookDto; secret: string }> {
    const secret = randomToken(32);
    const hook = await this.writer.run('webhookCreate', { url, secret, now: this.clock.now() });
    return { webhook: await this.toDto(hook), secret };
  }

  async deleteWebhook(id: number): Promise<void> {
    await this.writer.run('webhookDelete', { id });
  }

  private async toDto(hook: WebhookRow): Promise<WebhookDto> {
    return {
      id: hook.id,
      url: hook.url,
      createdAt: hook.createdAt,
      deliveries: (await this.integrations.deliveriesOf(hook.id)).map((d) => ({
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
