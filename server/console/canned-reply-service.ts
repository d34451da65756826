import { AppError } from '../../shared/errors';
import type { CannedSaveInput } from '../../shared/schemas';
import type { CannedReplyDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import type { CannedReplyRepository } from '../db/repositories/canned-reply-repository';
import type { EventBus } from '../platform/events';

const EXAMPLE_REPLIES: ReadonlyArray<[string, string]> = [
  ['hello', 'Hello! Thanks for writing to us. How can I help?'],
  ['moment', 'Thank you, one moment please: I am checking this for you.'],
  ['email', 'Could you leave your e-mail address? Then we can answer you there if you have to go.'],
  [
    'privacy',
    'You can ask us to delete your data, send you a copy or stop marketing mails: open "Privacy & my data" below the chat, or write to our privacy address. We confirm your e-mail with a code and answer within the legal deadline.',
  ],
  ['bye', 'Thank you for contacting us. Have a good day!'],
];

/** Canned replies: admins keep the list; every operator inserts them with "/shortcut" in the composer. */
export class CannedReplyService {
  constructor(
    private readonly replies: CannedReplyRepository,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  list(): CannedReplyDto[] {
    return this.replies.list();
  }

  save(input: CannedSaveInput): CannedReplyDto {
    const clash = this.replies.byShortcut(input.shortcut);
    if (clash && clash.id !== input.id) throw new AppError('conflict', `The shortcut /${input.shortcut} is taken.`);
    let id = input.id;
    if (id === undefined) id = this.replies.insert(input.shortcut, input.text, this.clock.now());
    else if (!this.replies.update(id, input.shortcut, input.text, this.clock.now()))
      throw new AppError('not_found', 'No such canned reply.');
    this.bus.emit('canned:changed', {});
    return this.replies.byId(id)!;
  }

  /**
   * A new installation starts with a few replies every site needs, so the "/" menu shows what it is for;
   * admins edit or delete them like any other. Does nothing once any reply exists.
   */
  addExamples(): number {
    if (this.replies.list().length > 0) return 0;
    for (const [shortcut, text] of EXAMPLE_REPLIES) this.replies.insert(shortcut, text, this.clock.now());
    this.bus.emit('canned:changed', {});
    return EXAMPLE_REPLIES.length;
  }

  delete(id: number): void {
    if (!this.replies.delete(id)) throw new AppError('not_found', 'No such canned reply.');
    this.bus.emit('canned:changed', {});
  }
}
