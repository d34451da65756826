import { AppError } from '../../shared/errors';
import type { AttachmentDto, AttachmentType } from '../../shared/attachments';
import type { AttachmentRow } from '../db/repositories/attachment-repository';
import type { ConversationRow } from '../db/repositories/conversation-repository';
import type { Stores } from '../db/store';
import { randomToken } from '../platform/crypto';

/** What an upload's write reports: the attachment, and whether this call stored it (false: a resend). */
export interface StoredAttachment {
  attachment: AttachmentDto;
  created: boolean;
  /** The file the row names: the one just written, or the first upload's when this was a resend. */
  storageKey: string;
}

export function toAttachmentDto(row: Pick<AttachmentRow, 'id' | 'name' | 'type' | 'size'>): AttachmentDto {
  return { id: row.id, name: row.name, type: row.type, size: row.size };
}

/**
 * Attachments' writes, run by the writer thread. An upload's row is written after its file is stored, with
 * the check for an earlier upload under the same client id in the same transaction: two resends racing
 * store one row (the loser's file is removed by the caller).
 */
export function createAttachmentWrites(repos: Pick<Stores, 'conversations' | 'attachments'>) {
  const { conversations, attachments } = repos;
  return {
    async attachmentStore(args: {
      /** A visitor's upload goes to their conversation (opened if need be); an operator's names one. */
      from: { visitorId: number } | { operatorId: number; conversationId: string };
      clientId: string;
      storageKey: string;
      name: string;
      type: AttachmentType;
      size: number;
      sha256: string;
      now: number;
    }): Promise<StoredAttachment> {
      let conversation: ConversationRow | null;
      if ('visitorId' in args.from) {
        conversation =
          (await conversations.byVisitor(args.from.visitorId)) ??
          (await conversations.create(randomToken(12), args.from.visitorId, null, args.now));
      } else {
        conversation = await conversations.byPublicId(args.from.conversationId);
        if (!conversation) throw new AppError('not_found', 'No such conversation.');
      }
      const existing = await attachments.byClientId(conversation.rowId, args.clientId);
      if (existing) {
        // A resend of the same file is answered as the first time; other bytes under the same id are a client bug.
        if (existing.sha256 !== args.sha256) throw new AppError('conflict', 'This upload id was already used for a different file.');
        return { attachment: toAttachmentDto(existing), created: false, storageKey: existing.storageKey };
      }
      const row = {
        id: randomToken(16),
        conversationRowId: conversation.rowId,
        clientId: args.clientId,
        uploader: 'visitorId' in args.from ? ('visitor' as const) : ('operator' as const),
        operatorId: 'operatorId' in args.from ? args.from.operatorId : null,
        storageKey: args.storageKey,
        name: args.name,
        type: args.type,
        size: args.size,
        sha256: args.sha256,
        createdAt: args.now,
      };
      await attachments.insert(row);
      return { attachment: toAttachmentDto(row), created: true, storageKey: row.storageKey };
    },

    /** The files of these deleted attachments are gone from the store: forget their keys. */
    async attachmentTrashClear(args: { keys: string[] }): Promise<null> {
      await attachments.untrash(args.keys);
      return null;
    },
  };
}

export type AttachmentWrites = ReturnType<typeof createAttachmentWrites>;
