import type { Logger } from 'pino';
import type { Clock } from '../platform/clock';
import { hmac, safeEqual } from '../platform/crypto';
import type { Stores } from '../db/store';

import type { Writer } from '../writer/group-commit';
import type { PrivacyWrites } from './privacy-writes';
/** Seconds to wait before each retry; after the last one a delivery is marked failed. */
export const BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000];
const TIMEOUT_MS = 10_000;
/**
 * How long a claimed delivery is this node's: longer than a pass can take to reach it (the requests before
 * it in the claimed batch time out after TIMEOUT_MS each at worst, and they go one at a time), so no other
 * node takes it while this one is still working through the batch.
 */
const CLAIM_LEASE_MS = 10 * 60 * 1000;

/** The signature header value: `t=<unix ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmac(secret, `${timestamp}.${body}`).toString('hex')}`;
}

/** POSTs `body` (JSON) to `url`, signed with `secret` as of `timestamp`; no redirects followed, 10 s at most. */
export function postSigned(to: { url: string; secret: string }, event: string, deliveryId: string, body: string, timestamp: number) {
  return fetch(to.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-cw-event': event,
      'x-cw-delivery': deliveryId,
      'x-cw-signature': signWebhook(to.secret, timestamp, body),
    },
    body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
    redirect: 'manual',
  });
}

/** A failed attempt's cause in words (no address, no body): what the row and the log say. */
export function deliveryFailure(error: unknown): string {
  return (error as Error).name === 'TimeoutError' ? 'timed out' : 'connection failed';
}

/** Whether `header` is our signature of `body` under `secret`, made within `toleranceMs` of `now`. */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  now: number,
  toleranceMs = 5 * 60_000,
): boolean {
  const match = /^t=(\d{1,16}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const timestamp = Number(match[1]);
  if (Math.abs(now - timestamp) > toleranceMs) return false;
  return safeEqual(Buffer.from(match[2], 'hex'), hmac(secret, `${timestamp}.${body}`));
}

/**
 * Webhooks out: each event becomes one stored delivery per endpoint (queued by the change's own procedure),
 * sent from here with an HMAC signature and retried with backoff until it succeeds or runs out of tries.
 * Deliveries survive a restart; each attempt's outcome is written through the writer.
 */
export class WebhookService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly repo: Stores['integrations'],
    private readonly writer: Writer<PrivacyWrites>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Sends whatever is due now; concurrent calls share one pass. */
  tick(): Promise<void> {
    this.running ??= this.deliverDue().finally(() => (this.running = null));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async deliverDue(): Promise<void> {
    // Looked for first (a read): most passes find nothing, and a claim is a write, a commit every second.
    if ((await this.repo.dueDeliveries(this.clock.now())).length === 0) return;
    // Claimed, not just read: with several nodes each delivery goes out from one of them, once.
    for (const delivery of await this.writer.run('webhookClaim', { now: this.clock.now(), leaseMs: CLAIM_LEASE_MS })) {
      const hook = await this.repo.webhook(delivery.webhookId);
      if (!hook) continue;
      const timestamp = this.clock.now();
      let error: string | null = null;
      try {
        const response = await postSigned(hook, delivery.event, String(delivery.id), delivery.payload, timestamp);
        if (response.status < 200 || response.status >= 300) error = `HTTP ${response.status}`;
        await response.body?.cancel();
      } catch (e) {
        error = deliveryFailure(e);
      }
      const attempts = delivery.attempts + 1;
      const now = this.clock.now();
      if (!error) {
        await this.writer.run('webhookDelivered', {
          id: delivery.id,
          status: 'delivered',
          attempts,
          nextAttemptAt: null,
          lastError: null,
          updatedAt: now,
        });
      } else {
        const wait = BACKOFF_MS[attempts - 1];
        this.log.warn({ webhookId: hook.id, deliveryId: delivery.id, attempts, error }, 'webhook delivery failed');
        await this.writer.run('webhookDelivered', {
          id: delivery.id,
          status: wait === undefined ? 'failed' : 'pending',
          attempts,
          nextAttemptAt: wait === undefined ? null : now + wait,
          lastError: error,
          updatedAt: now,
        });
      }
    }
  }
}
