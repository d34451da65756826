import type { IntegrationRepository } from '../db/repositories/integration-repository';

/** Where a change queues its webhook event: in the writer thread, in the transaction that made the change. */
export interface WebhookQueue {
  enqueue(event: string, data: Record<string, unknown>): void;
}

/** Stores `event` as one pending delivery per endpoint, in the caller's transaction (WebhookService sends them). */
export function queueWebhook(repo: IntegrationRepository, now: number, event: string, data: Record<string, unknown>): void {
  const payload = JSON.stringify({ event, occurredAt: now, data });
  for (const hook of repo.webhooks()) repo.enqueueDelivery(hook.id, event, payload, now);
}
