import type { OperatorMessagePush, OperatorServerToClient } from '../../shared/protocol';
import { OperatorPush } from '../../shared/protocol';
import type { OperatorNamespace } from './operator-namespace';
import { rooms } from './rooms';

type Pushes = Omit<OperatorServerToClient, typeof OperatorPush.messages>;

/**
 * Everything the server pushes to every signed-in operator goes through here, in order. New messages leave
 * as one `messages:new` frame per operator at the end of the turn — or, when the last such frame left less
 * than `FLUSH_EVERY_MS` ago, once that much time has passed — instead of one frame each: at 2,000 messages a second and twenty
 * consoles that is the difference between 40,000 frames a second, each encoded, written and decoded, and a
 * few thousand. Any other push first sends the messages waiting, so operators see events in the order the
 * server made them (a message before the assignment that followed it).
 */
/**
 * At most one `messages:new` frame per this many milliseconds. The writer thread reports a commit about every
 * 2 ms at 2,000 messages a second, so one frame per turn still meant ~550 frames a second to each console;
 * waiting up to 4 ms halves that, costs operators ~1 ms at the median, and in `npm run bench` took the main
 * thread from 45.5 to 39.7 % busy.
 */
export const FLUSH_EVERY_MS = 4;

export class OperatorFanOut {
  private waiting: OperatorMessagePush[] = [];
  private scheduled = false;
  private lastFlush = 0;

  constructor(
    private readonly nsp: OperatorNamespace,
    private readonly everyMs = FLUSH_EVERY_MS,
  ) {}

  message(push: OperatorMessagePush): void {
    this.waiting.push(push);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastFlush + this.everyMs - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), wait);
  }

  emit<E extends keyof Pushes>(event: E, ...args: Parameters<Pushes[E]>): void {
    this.flush();
    (this.nsp.to(rooms.operators).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.waiting.length === 0) return;
    this.lastFlush = performance.now();
    const pushes = this.waiting;
    this.waiting = [];
    this.nsp.to(rooms.operators).emit(OperatorPush.messages, pushes);
  }
}
