import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ArgsOf, Procedures, ResultOf, Writer } from '../writer/group-commit';

/** The writes that change settings every node keeps in memory (inbox, widget hours and texts, attachments, pre-chat form). */
export const SETTINGS_WRITES: ReadonlySet<string> = new Set(['settingsPut', 'inboxSettingsSave', 'prechatSave']);

const CHANNEL = 'cw:settings:changes';

/**
 * Settings kept in memory, kept current on every node of a cluster: a node that stored a change says so on
 * a Redis channel, and every other node reads its settings again from the shared database. Only this
 * node's id travels, never a setting. A node that misses an announcement (Redis away at that moment) keeps
 * what it had until the next change or its restart; the database, not the message, is what it reads.
 */
export class RedisSettingsSync {
  readonly nodeId = randomUUID();
  private subscriber: Redis | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  /** Follows the other nodes' changes; `reload` reads every setting again. */
  async start(reload: () => Promise<void>): Promise<void> {
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('error', (err) => this.log.warn({ err }, 'settings: Redis subscriber error'));
    this.subscriber.on('message', (_channel: string, from: string) => {
      if (from === this.nodeId) return;
      reload().catch((err: unknown) => this.log.error({ err }, 'settings: reading them again after another node changed them failed'));
    });
    await this.subscriber.subscribe(CHANNEL);
  }

  async stop(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /**
   * `writer`, telling the other nodes once a settings write has committed. Given only to the services
   * that keep settings, so the chat's writes do not pass through it.
   */
  announcing<P extends Procedures<P>>(writer: Writer<P>): Writer<P> {
    return {
      run: async <K extends keyof P & string>(name: K, args: ArgsOf<P, K>): Promise<ResultOf<P, K>> => {
        const result = await writer.run(name, args);
        if (SETTINGS_WRITES.has(name))
          this.redis
            .publish(CHANNEL, this.nodeId)
            .catch((err: unknown) => this.log.warn({ err }, 'settings: could not tell the other nodes'));
        return result;
      },
    };
  }
}
