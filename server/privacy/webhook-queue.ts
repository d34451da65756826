import type { Stores } from '../db/store';

/** Where a change queues its webhook event: in the writer thread, in the transaction that made the change. */
export interface WebhookQueue {
  enqueue(event: string, data: Record<string, unknown>): Promise<void>;
}

/** Stores `event` as one pending delivery per endpoint, in the caller's transaction (WebhookService sends them). */
export async function queueWebhook(repo: Stores['integrations'], now: number, event: string, data: Record<string, unknown>): Promise<void> {
  const payload = JSON.stringify({ event, occurredAt: now, data });
  for (const hook of await repo.webhooks()) await repo.enqueueDelivery(hook.id, event, payload, now);
}
