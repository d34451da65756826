import type { PrivacyRepository } from '../db/repositories/privacy-repository';
import type { EventBus } from '../platform/events';
import type { MailQueue, OutgoingMail } from '../mail/mailer';
import { toPrivacyRequestDto } from './privacy-dto';
import type { ErasedChats } from './request-execution';
import type { WebhookService } from './webhook-service';

/**
 * What a change to a request causes outside the database, as plain data: the service runs in both threads
 * (the chat's intake in the writer thread, see privacy-writes.ts), and only the main thread sends mail,
 * pushes to sockets and delivers webhooks.
 */
export type PrivacyEffect =
  | { kind: 'mail'; mail: OutgoingMail }
  /** Pushed as it is when the push goes out, not as it was then: a later change must not be overtaken. */
  | { kind: 'changed'; requestId: number }
  /** Webhook deliveries were queued: send them now rather than at the next timer tick. */
  | { kind: 'webhooks' }
  /** An erasure removed these chats: screens showing them must drop them. */
  | ({ kind: 'erased' } & ErasedChats);

/**
 * The main thread's way of carrying out effects. A changed request is read when it is pushed: the writer
 * thread's report of a change can reach the main thread after an operator changed the same request again
 * there, and pushing the copy the thread made would show consoles (and the requester) the older state.
 */
export function privacyEffects(to: {
  mail: MailQueue;
  bus: EventBus;
  webhooks: WebhookService;
  requests: PrivacyRepository;
}): (effects: PrivacyEffect[]) => void {
  return (effects) => {
    let tick = false;
    const changed = new Set<number>();
    const erased: ErasedChats[] = [];
    for (const effect of effects) {
      if (effect.kind === 'mail') to.mail.enqueue(effect.mail);
      else if (effect.kind === 'changed') changed.add(effect.requestId);
      else if (effect.kind === 'erased') erased.push(effect);
      else tick = true;
    }
    for (const id of changed) {
      const row = to.requests.byId(id);
      if (row) to.bus.emit('privacy:changed', { request: toPrivacyRequestDto(row) });
    }
    // After the request's own change: the requester's tab hears "completed" before it starts afresh.
    for (const { visitorIds, conversationIds } of erased) to.bus.emit('chats:erased', { visitorIds, conversationIds });
    if (tick) void to.webhooks.tick();
  };
}
