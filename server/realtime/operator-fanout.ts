import type { OperatorMessagePush, OperatorServerToClient } from '../../shared/protocol';
import { OperatorPush } from '../../shared/protocol';
import type { PrivacyRequestDto } from '../../shared/types';
import type { OperatorNamespace } from './operator-namespace';
import { rooms } from './rooms';

type Pushes = Omit<OperatorServerToClient, typeof OperatorPush.messages | typeof OperatorPush.privacyUpserts>;

/**
 * At most one batch of frames per this many milliseconds. The writer thread reports a commit about every
 * 2 ms at 2,000 messages a second, so one frame per turn still meant ~550 frames a second to each console;
 * waiting up to 4 ms halves that, costs operators ~1 ms at the median, and in `npm run bench` took the main
 * thread from 45.5 to 39.7 % busy.
 */
export const FLUSH_EVERY_MS = 4;

/**
 * Everything the server pushes to every signed-in operator goes through here, in order. New messages leave
 * as one `messages:new` frame per operator, and changed privacy requests as one `privacy:upserts` frame, at
 * the end of the turn — or, when the last batch left less than `FLUSH_EVERY_MS` ago, once that much time has
 * passed. At 2,000 messages a second and twenty consoles that is the difference between 40,000 frames a
 * second, each encoded, written and decoded, and a few thousand; 200 requesters verifying at once no longer
 * add two frames per console each. Any other push first sends what is waiting, so it never overtakes what
 * happened before it (a message before the assignment that followed it). Messages and privacy requests are
 * unrelated, so within one batch the messages simply go first.
 */
export class OperatorFanOut {
  private messages: OperatorMessagePush[] = [];
  /** By request id: a request changed twice within the interval is sent once, as it is now. */
  private requests = new Map<number, PrivacyRequestDto>();
  private scheduled = false;
  private lastFlush = -Infinity;

  constructor(
    private readonly nsp: OperatorNamespace,
    private readonly everyMs = FLUSH_EVERY_MS,
  ) {}

  message(push: OperatorMessagePush): void {
    this.messages.push(push);
    this.schedule();
  }

  privacyRequest(request: PrivacyRequestDto): void {
    this.requests.delete(request.id);
    this.requests.set(request.id, request);
    this.schedule();
  }

  emit<E extends keyof Pushes>(event: E, ...args: Parameters<Pushes[E]>): void {
    this.flush();
    (this.nsp.to(rooms.operators).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastFlush + this.everyMs - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.messages.length === 0 && this.requests.size === 0) return;
    this.lastFlush = performance.now();
    const operators = this.nsp.to(rooms.operators);
    if (this.messages.length > 0) {
      const pushes = this.messages;
      this.messages = [];
      operators.emit(OperatorPush.messages, pushes);
    }
    if (this.requests.size > 0) {
      const requests = [...this.requests.values()];
      this.requests.clear();
      operators.emit(OperatorPush.privacyUpserts, requests);
    }
  }
}
