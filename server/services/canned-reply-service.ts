import { AppError } from '../../shared/errors';
import type { CannedSaveInput } from '../../shared/schemas';
import type { CannedReplyDto } from '../../shared/types';
import type { Clock } from '../clock';
import type { CannedReplyRepository } from '../db/repositories/canned-reply-repository';
import type { EventBus } from '../events';

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
    else if (!this.replies.update(id, input.shortcut, input.text, this.clock.now())) throw new AppError('not_found', 'No such canned reply.');
    this.bus.emit('canned:changed', {});
    return this.replies.byId(id)!;
  }

  delete(id: number): void {
    if (!this.replies.delete(id)) throw new AppError('not_found', 'No such canned reply.');
    this.bus.emit('canned:changed', {});
  }
}
