import type { OperatorMessagePush, OperatorServerToClient } from '../../shared/protocol';
import { OperatorPush } from '../../shared/protocol';
import type { PrivacyRequestDto } from '../../shared/types';
import type { OperatorNamespace } from './operator-namespace';
import { rooms } from './rooms';

type Pushes = Omit<OperatorServerToClient, typeof OperatorPush.messages | typeof OperatorPush.privacyUpserts>;

/**
 * At most one batch of frames per this many milliseconds: one display frame at 60 Hz, faster than any
 * console can paint. Under load the writer thread reports commits every couple of milliseconds, so one
 * frame per turn would still mean a frame per commit to each console, each its own system call; waiting
 * one display frame sends fewer, fuller frames, for a delay no operator can see, and takes that work off
 * the main thread that serves every socket.
 */
export const FLUSH_EVERY_MS = 16;

/**
 * Changed privacy requests go out at most this often. A ticket list is read by people, for whom a tenth of
 * a second is instant; sent on the messages' interval instead, a crowd of requesters verifying at once would
 * add a second frame to every console on every batch of messages, main-thread work at the very moment that
 * thread is busiest. No other push is about privacy requests, so none has to send them early.
 */
export const PRIVACY_FLUSH_EVERY_MS = 100;

/**
 * Everything the server pushes to every signed-in operator goes through here, in order. New messages leave
 * as one `messages:new` frame per operator at the end of the turn — or, when the last batch left less than
 * `FLUSH_EVERY_MS` ago, once that much time has passed. A frame per message would be encoded, written and
 * decoded once per message for every console; a frame per batch does that work once for many messages.
 * Any other push first sends the messages waiting, so it never overtakes what happened before it (a message
 * before the assignment that followed it). Changed privacy requests collect the same way on their own,
 * longer interval, as one `privacy:upserts` frame with each request once, as it is now; nothing else pushed
 * to operators is about them, so they keep their interval whatever else is sent.
 */
export class OperatorFanOut {
  private messages: OperatorMessagePush[] = [];
  /** By request id: a request changed twice within the interval is sent once, as it is now. */
  private requests = new Map<number, PrivacyRequestDto>();
  private readonly messageBatch: Batch;
  private readonly requestBatch: Batch;

  constructor(
    private readonly nsp: OperatorNamespace,
    everyMs = FLUSH_EVERY_MS,
    requestsEveryMs = PRIVACY_FLUSH_EVERY_MS,
  ) {
    this.messageBatch = new Batch(everyMs, () => this.sendMessages());
    this.requestBatch = new Batch(requestsEveryMs, () => this.sendRequests());
  }

  message(push: OperatorMessagePush): void {
    this.messages.push(push);
    this.messageBatch.schedule();
  }

  privacyRequest(request: PrivacyRequestDto): void {
    this.requests.delete(request.id);
    this.requests.set(request.id, request);
    this.requestBatch.schedule();
  }

  emit<E extends keyof Pushes>(event: E, ...args: Parameters<Pushes[E]>): void {
    this.messageBatch.flush();
    (this.nsp.to(rooms.operators).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }

  /**
   * The same, to the consoles connected to this node only: for what every node of a cluster works out and
   * tells its own consoles itself (presence), which sent to all would reach each console once per node.
   */
  emitLocal<E extends keyof Pushes>(event: E, ...args: Parameters<Pushes[E]>): void {
    this.messageBatch.flush();
    (this.nsp.local.to(rooms.operators).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }

  /** Sends everything waiting now and leaves no timer behind (on shutdown, before the transports close). */
  flush(): void {
    this.messageBatch.flush();
    this.requestBatch.flush();
  }

  private sendMessages(): boolean {
    if (this.messages.length === 0) return false;
    const pushes = this.messages;
    this.messages = [];
    this.nsp.to(rooms.operators).emit(OperatorPush.messages, pushes);
    return true;
  }

  private sendRequests(): boolean {
    if (this.requests.size === 0) return false;
    const requests = [...this.requests.values()];
    this.requests.clear();
    this.nsp.to(rooms.operators).emit(OperatorPush.privacyUpserts, requests);
    return true;
  }
}

/**
 * One kind of push's pacing: `send` runs at the end of the turn in which something was scheduled, or, when
 * the last send was less than `everyMs` ago, once that much time has passed.
 */
class Batch {
  private last = -Infinity;
  /** The pending send, if any: at the end of this turn, or after a timer. */
  private pending: { immediate: ReturnType<typeof setImmediate> } | { timer: ReturnType<typeof setTimeout> } | null = null;

  /** `send` returns whether it sent anything (only a send starts a new interval). */
  constructor(
    private readonly everyMs: number,
    private readonly send: () => boolean,
  ) {}

  schedule(): void {
    if (this.pending) return;
    const wait = this.last + this.everyMs - performance.now();
    this.pending = wait <= 0 ? { immediate: setImmediate(() => this.flush()) } : { timer: setTimeout(() => this.flush(), wait) };
  }

  /** Sends now; the pending send, if any, is called off. */
  flush(): void {
    if (this.pending) {
      if ('immediate' in this.pending) clearImmediate(this.pending.immediate);
      else clearTimeout(this.pending.timer);
      this.pending = null;
    }
    if (this.send()) this.last = performance.now();
  }
}
