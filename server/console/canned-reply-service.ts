import type { CannedSaveInput } from '../../shared/schemas';
import type { CannedReplyDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import type { Stores } from '../db/store';
import type { EventBus } from '../platform/events';

import type { Writer } from '../writer/group-commit';
import type { ConsoleWrites } from './console-writes';
/** Canned replies: admins keep the list; every operator inserts them with "/shortcut" in the composer. */
export class CannedReplyService {
  constructor(
    private readonly replies: Stores['canned'],
    private readonly writer: Writer<ConsoleWrites>,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  /** The repository's answer as it comes: synchronously on SQLite, so the push of a change leaves in its turn (pushes.ts). */
  list(): CannedReplyDto[] | Promise<CannedReplyDto[]> {
    return this.replies.list();
  }

  async save(input: CannedSaveInput): Promise<CannedReplyDto> {
    const reply = await this.writer.run('cannedSave', { input, now: this.clock.now() });
    this.bus.emit('canned:changed', {});
    return reply;
  }

  /** A new installation's example replies (see cannedExamples); returns how many were added. */
  async addExamples(): Promise<number> {
    const added = await this.writer.run('cannedExamples', { now: this.clock.now() });
    if (added > 0) this.bus.emit('canned:changed', {});
    return added;
  }

  async delete(id: number): Promise<void> {
    await this.writer.run('cannedDelete', { id });
    this.bus.emit('canned:changed', {});
  }
}
