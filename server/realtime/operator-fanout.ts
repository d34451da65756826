import type { OperatorMessagePush, OperatorServerToClient } from '../../shared/protocol';
import { OperatorPush } from '../../shared/protocol';
import type { OperatorNamespace } from './operator-namespace';
import { rooms } from './rooms';

type Pushes = Omit<OperatorServerToClient, typeof OperatorPush.messages>;

/**
 * Everything the server pushes to every signed-in operator goes through here, in order. New messages of one
 * event-loop turn (the writer thread reports its commits a batch at a time) leave as one `messages:new` frame
 * per operator at the end of the turn instead of one frame each: at 2,000 messages a second and twenty
 * consoles that is the difference between 40,000 frames a second, each encoded, written and decoded, and a
 * few thousand. Any other push first sends the messages waiting, so operators see events in the order the
 * server made them (a message before the assignment that followed it).
 */
export class OperatorFanOut {
  private waiting: OperatorMessagePush[] = [];
  private scheduled = false;

  constructor(private readonly nsp: OperatorNamespace) {}

  message(push: OperatorMessagePush): void {
    this.waiting.push(push);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  emit<E extends keyof Pushes>(event: E, ...args: Parameters<Pushes[E]>): void {
    this.flush();
    (this.nsp.to(rooms.operators).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.waiting.length === 0) return;
    const pushes = this.waiting;
    this.waiting = [];
    this.nsp.to(rooms.operators).emit(OperatorPush.messages, pushes);
  }
}
