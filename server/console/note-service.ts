import { AppError } from '../../shared/errors';
import type { NoteAddInput } from '../../shared/schemas';
import type { NoteDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import type { Stores } from '../db/store';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { EventBus } from '../platform/events';

import type { Writer } from '../writer/group-commit';
import type { ConsoleWrites } from './console-writes';
/**
 * Internal notes: operators only. They live in their own table and travel only as `note:created`,
 * which the realtime layer sends to the operators' room and nowhere else.
 */
export class NoteService {
  constructor(
    private readonly conversations: Stores['conversations'],
    private readonly notes: Stores['notes'],
    private readonly writer: Writer<ConsoleWrites>,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  /** Adds a note after the conversation's latest message; a resend with the same client id is stored once. */
  async add(operator: OperatorRow, input: NoteAddInput): Promise<NoteDto> {
    const { note, created } = await this.writer.run('noteAdd', { operatorId: operator.id, input, now: this.clock.now() });
    if (created) this.bus.emit('note:created', { note });
    return note;
  }

  async list(conversationId: string): Promise<NoteDto[]> {
    const conversation = await this.conversations.byPublicId(conversationId);
    if (!conversation) throw new AppError('not_found', 'No such conversation.');
    return this.notes.list(conversation.rowId, conversation.id);
  }
}
