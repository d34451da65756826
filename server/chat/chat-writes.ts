import { AppError } from '../../shared/errors';
import type { ConversationDto, Lang, MessageDto } from '../../shared/types';
import { toConversationDto } from './conversation-dto';
import { randomToken } from '../platform/crypto';
import type { ConversationRow, VisitorContext } from '../db/repositories/conversation-repository';
import type { AttachmentRow } from '../db/repositories/attachment-repository';
import type { VisitorRow } from '../db/repositories/visitor-repository';
import type { Stores } from '../db/store';
import { RateLimiter } from '../platform/rate-limiter';
import { startOfflineReplyWait } from './offline-reply-writes';

/** A visitor may send this many messages in a short window (someone typing fast)… */
export const MESSAGE_BURST = { limit: 10, windowMs: 10_000 };
/** …and this many in an hour (a long, busy chat, but not a bot at one a second). Resends do not count. */
export const MESSAGE_SUSTAINED = { limit: 200, windowMs: 60 * 60 * 1000 };

/**
 * The chat writes that throw every refusal before their first write, so group commit runs them without a
 * savepoint (`commitBatch`): a visitor's message, the most frequent write there is.
 */
export const REFUSE_BEFORE_WRITING: readonly (keyof ChatWrites)[] = ['visitorMessage'];

export interface MessageLimits {
  burst: { limit: number; windowMs: number };
  sustained: { limit: number; windowMs: number };
}

/**
 * What a message write reports: the message, whether this call stored it (false: a resend), and where;
 * for a new message, the conversation as that write left it (what operators are shown with it).
 */
export type StoredMessage = { message: MessageDto; conversationRowId: number; visitorId: number } & (
  | { created: true; conversation: ConversationDto }
  | { created: false }
);

/** A message about to be stored, as the procedure that stores it knows it. */
export interface MessageDraft {
  clientId: string;
  text: string;
  author: 'visitor' | 'operator' | 'system';
  operatorId: number | null;
  operatorName: string | null;
  /** The public id of a file this side uploaded to this conversation and has not sent yet. */
  attachmentId?: string | null;
}

/**
 * Stores a new message in `conversation` (read in this same transaction by the one writer, so its next
 * sequence is known), links `file` to it, and moves the conversation on: every write procedure that adds a
 * message ends here. Returns what the message write reports, without reading anything back.
 */
export async function writeMessage(
  repos: Pick<Stores, 'messages' | 'conversations' | 'attachments'>,
  conversation: ConversationRow,
  m: MessageDraft,
  file: AttachmentRow | null,
  at: number,
): Promise<StoredMessage> {
  const seq = conversation.lastSeq + 1;
  const id = await repos.messages.insert({
    conversationRowId: conversation.rowId,
    seq,
    clientId: m.clientId,
    author: m.author,
    operatorId: m.operatorId,
    text: m.text,
    at,
  });
  if (file) await repos.attachments.link(file.rowId, id);
  const after = await repos.conversations.recordMessage(conversation, seq, m.author, m.text || (file ? `📎 ${file.name}` : ''), at);
  // Everything the stored row holds is known here; reading it back would cost a query per message.
  const message: MessageDto = {
    id,
    seq,
    clientId: m.clientId,
    author: m.author,
    operatorName: m.operatorName,
    text: m.text,
    createdAt: at,
    conversationId: conversation.id,
  };
  if (file) message.attachment = { id: file.id, name: file.name, type: file.type, size: file.size };
  return {
    message,
    created: true,
    conversation: toConversationDto(after),
    conversationRowId: conversation.rowId,
    visitorId: conversation.visitorId,
  };
}

/**
 * The chat's hot-path writes: storing messages exactly once by client id in sequence order, a visitor's
 * message limits, visitors' hellos. Each runs inside a group-commit transaction in the writer thread
 * (writer/writer-thread.ts); every argument is plain data, `now` read from the app's clock by the caller.
 * The message limits are counted here, in the one place that knows whether a message is new or a resend.
 */
export function createChatWrites(
  repos: Pick<Stores, 'visitors' | 'conversations' | 'messages' | 'attachments' | 'offlineReplies'>,
  limits: MessageLimits = { burst: MESSAGE_BURST, sustained: MESSAGE_SUSTAINED },
  /** How long an operator reply waits before it is mailed to a visitor who left an address. */
  offlineReplyDelayMs = 60_000,
) {
  const { visitors, conversations, messages, attachments } = repos;
  // The limiters count in the time of the write being run (the caller's clock), not the thread's.
  // Per node, also in a cluster (not the app's shared RateLimits): the count is taken inside the message's
  // transaction, after the exactly-once check (a resend costs nothing), and a transaction cannot await
  // Redis. Counting on the main thread before the write would count resends, and would put a Redis round
  // trip in front of every message, against the acknowledgement budget. What it protects holds per node:
  // a visitor's socket is on one node at a time, so a burst is still cut at its limit; only a visitor who
  // reconnects to other nodes within the hour could send up to N× the hourly count.
  let now = 0;
  const clock = { now: () => now };
  const burst = new RateLimiter(clock, limits.burst.limit, limits.burst.windowMs);
  const sustained = new RateLimiter(clock, limits.sustained.limit, limits.sustained.windowMs);

  function countMessage(visitorId: number): void {
    const key = String(visitorId);
    // Both windows count every try, so hammering while limited keeps the visitor limited.
    const withinBurst = burst.hit(key);
    const withinHour = sustained.hit(key);
    if (!withinHour) {
      throw new AppError('rate_limited', 'You have sent a great many messages in the last hour. Please wait a while before sending more.', {
        retryAfterMs: sustained.retryAfterMs(key),
      });
    }
    if (!withinBurst) {
      throw new AppError('rate_limited', 'You are sending messages too quickly. Please wait a few seconds.', {
        retryAfterMs: burst.retryAfterMs(key),
      });
    }
  }

  /**
   * Every refusal of a message, before anything is written: a resend with a different body, a file that is
   * not this side's in this conversation (or was sent already). Returns the file to link, if any.
   */
  async function refusal(
    conversation: ConversationRow | null,
    m: MessageDraft,
    existing: MessageDto | null,
  ): Promise<AttachmentRow | null> {
    if (existing) {
      // A resend: same answer as the first time. A different body under the same id is a client bug.
      if (existing.text !== m.text || existing.author !== m.author || (existing.attachment?.id ?? null) !== (m.attachmentId ?? null)) {
        throw new AppError('conflict', 'This message id was already used for a different message.');
      }
      return null;
    }
    if (!m.attachmentId) return null;
    const file = await attachments.byPublicId(m.attachmentId);
    // Only a file uploaded to this conversation by the same side can be sent, and only once.
    if (!file || !conversation || file.conversationRowId !== conversation.rowId || file.uploader !== m.author)
      throw new AppError('not_found', 'No such attachment.');
    if (file.messageId !== null) throw new AppError('conflict', 'This attachment was already sent.');
    return file;
  }

  /** A resend's answer: the message as first stored. */
  function resent(conversation: ConversationRow, existing: MessageDto): StoredMessage {
    return { message: existing, created: false, conversationRowId: conversation.rowId, visitorId: conversation.visitorId };
  }

  /** `refusal`, then the resend's answer or the write: for procedures that may write before it (a claim). */
  async function store(conversation: ConversationRow, m: MessageDraft, existing: MessageDto | null): Promise<StoredMessage> {
    const file = await refusal(conversation, m, existing);
    return existing ? resent(conversation, existing) : await writeMessage(repos, conversation, m, file, now);
  }

  return {
    async visitorCreate(args: { tokenHash: string; label: string; lang: Lang | null; now: number }): Promise<VisitorRow> {
      return await visitors.create(Buffer.from(args.tokenHash, 'hex'), args.label, args.lang, args.now);
    },

    async visitorTouch(args: { visitorId: number; lang: Lang | null; now: number }): Promise<null> {
      await visitors.touch(args.visitorId, args.lang, args.now);
      return null;
    },

    /** The host site vouched for this address (the signature was checked by VisitorService). */
    async visitorIdentify(args: { visitorId: number; email: string; name: string | null }): Promise<null> {
      await visitors.setIdentity(args.visitorId, args.email, args.name, true);
      return null;
    },

    /**
     * An e-mail the visitor left for a reply, kept unverified. An address the host site vouched for through
     * `identify` is not replaced by an unverified one.
     */
    async visitorContact(args: { visitorId: number; email: string; name: string | null }): Promise<null> {
      const visitor = await visitors.findById(args.visitorId);
      if (!visitor) throw new AppError('unauthorized', 'Say hello first.');
      if (visitor.emailVerified) {
        if (visitor.email?.toLowerCase() === args.email) return null;
        throw new AppError('forbidden', 'This chat is already linked to your confirmed e-mail address.');
      }
      await visitors.setIdentity(args.visitorId, args.email, args.name, false);
      return null;
    },

    /** A returning visitor's page, shown to operators; returns the conversation's row id when it changed. */
    async pageSeen(args: { visitorId: number; page: VisitorContext }): Promise<number | null> {
      const conversation = await conversations.byVisitor(args.visitorId);
      if (!conversation || !pageChanged(conversation, args.page)) return null;
      await conversations.setPage(conversation.rowId, args.page);
      return conversation.rowId;
    },

    /** Refuses only before its first write (REFUSE_BEFORE_WRITING): it runs without a savepoint. */
    async visitorMessage(args: {
      visitorId: number;
      clientId: string;
      text: string;
      attachmentId?: string | null;
      page: VisitorContext | null;
      now: number;
    }): Promise<StoredMessage> {
      now = args.now;
      let conversation = await conversations.byVisitor(args.visitorId);
      const existing = conversation && (await messages.byClientId(conversation.rowId, conversation.id, args.clientId));
      // A resend of a stored message is answered as before and costs nothing against the limits.
      if (!existing) countMessage(args.visitorId);
      const m: MessageDraft = {
        clientId: args.clientId,
        text: args.text,
        author: 'visitor',
        operatorId: null,
        operatorName: null,
        attachmentId: args.attachmentId,
      };
      const file = await refusal(conversation, m, existing);
      if (conversation && existing) return resent(conversation, existing);
      if (!conversation) conversation = await conversations.create(randomToken(12), args.visitorId, args.page, now);
      else if (args.page && pageChanged(conversation, args.page)) {
        await conversations.setPage(conversation.rowId, args.page);
        // Read again (rarely: the visitor moved to another page) so the row handed on is current.
        conversation = (await conversations.byRowId(conversation.rowId))!;
      }
      return await writeMessage(repos, conversation, m, file, now);
    },

    async operatorMessage(args: {
      operatorId: number;
      operatorName: string;
      conversationId: string;
      clientId: string;
      text: string;
      attachmentId?: string | null;
      now: number;
    }): Promise<StoredMessage> {
      now = args.now;
      let conversation = await conversations.byPublicId(args.conversationId);
      if (!conversation) throw new AppError('not_found', 'No such conversation.');
      // Answering an unassigned conversation takes it, as in every shared inbox (read again: the row handed on is current).
      if (conversation.assignedOperatorId === null && (await conversations.claim(conversation.rowId, args.operatorId, now)))
        conversation = (await conversations.byRowId(conversation.rowId))!;
      const existing = await messages.byClientId(conversation.rowId, conversation.id, args.clientId);
      const m = {
        clientId: args.clientId,
        text: args.text,
        author: 'operator' as const,
        operatorId: args.operatorId,
        operatorName: args.operatorName,
        attachmentId: args.attachmentId,
      };
      const stored = await store(conversation, m, existing);
      // A reply to a visitor who left an address may have to go by e-mail: its wait is stored with the
      // reply itself, so an acknowledged reply is never left without one (OfflineReplyService sends it).
      if (stored.created) await startOfflineReplyWait(repos, conversation.visitorId, stored.message.seq, now + offlineReplyDelayMs);
      return stored;
    },

    /**
     * A system line recording that the visitor left an e-mail for a reply (opening the conversation if need
     * be). It is a message the visitor caused, so it counts against the same limits.
     */
    async contactNote(args: { visitorId: number; text: string; now: number }): Promise<StoredMessage> {
      now = args.now;
      countMessage(args.visitorId);
      const conversation =
        (await conversations.byVisitor(args.visitorId)) ?? (await conversations.create(randomToken(12), args.visitorId, null, now));
      const m = { clientId: randomToken(12), text: args.text, author: 'system' as const, operatorId: null, operatorName: null };
      return await store(conversation, m, null);
    },
  };
}

export type ChatWrites = ReturnType<typeof createChatWrites>;

/** Whether the visitor's page differs from what the conversation shows (only then is it written). */
function pageChanged(conversation: ConversationRow, page: VisitorContext): boolean {
  return (
    conversation.pageUrl !== page.url ||
    conversation.pageTitle !== page.title ||
    Boolean(page.timezone && conversation.timezone !== page.timezone)
  );
}
