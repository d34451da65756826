import { AppError } from '../../shared/errors';
import type { CannedSaveInput, NoteAddInput } from '../../shared/schemas';
import type { CannedReplyDto, InboxSettingsDto, NoteDto, OperatorDto, OperatorRole } from '../../shared/types';
import type { Repositories } from '../db/repositories/index';
import type { WebhookRow } from '../db/repositories/integration-repository';

export const INBOX_SETTINGS_KEY = 'inbox';
export const DEFAULT_INBOX_SETTINGS: InboxSettingsDto = { autoAssign: false, maxOpenPerOperator: 5 };

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

export function toOperatorDto(row: { id: number; email: string; name: string; role: OperatorRole }): OperatorDto {
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

/**
 * The console's writes: accounts and sessions, assignment and read marks, notes, canned replies, settings,
 * API keys and webhook endpoints. Each runs inside a group-commit transaction in the writer thread, so the
 * checks that guard a write (the last admin, who may transfer, one claim wins, capacity) read the same
 * state the write changes, with no other writer in between. The console's services call these and push
 * what changed; arguments are plain data (hashes as hex), `now` from the caller's clock.
 */
export function createConsoleWrites(repos: Repositories) {
  const { operators, conversations, inbox, notes, canned, settings, integrations } = repos;

  function requireConversation(conversationId: string) {
    const conversation = conversations.byPublicId(conversationId);
    if (!conversation) throw new AppError('not_found', 'No such conversation.');
    return conversation;
  }

  function requireOperator(id: number) {
    const row = operators.findById(id);
    if (!row) throw new AppError('not_found', 'No such operator.');
    return row;
  }

  function createOperator(args: { email: string; name: string; role: OperatorRole; passwordHash: string; now: number }): OperatorDto {
    if (operators.findByEmail(args.email)) throw new AppError('conflict', 'An operator with this e-mail exists.');
    return toOperatorDto(operators.create(args));
  }

  return {
    /** Indexes for search up to `limit` messages stored since the last batch; returns how many (InboxService). */
    searchIndex(args: { limit: number }): number {
      return inbox.indexNew(args.limit);
    },

    /** The account check (the e-mail and password rules) happened in AuthService; the hash is computed there. */
    operatorCreate: createOperator,

    /** The first admin of an empty database; null when an operator exists (another start made one). */
    operatorCreateFirst(args: { email: string; name: string; passwordHash: string; now: number }): OperatorDto | null {
      if (operators.count() > 0) return null;
      return createOperator({ ...args, role: 'admin' });
    },

    sessionCreate(args: { tokenHash: string; operatorId: number; now: number; expiresAt: number }): null {
      operators.purgeExpiredSessions(args.now);
      operators.createSession(Buffer.from(args.tokenHash, 'hex'), args.operatorId, args.now, args.expiresAt);
      return null;
    },

    sessionDelete(args: { tokenHash: string }): null {
      operators.deleteSession(Buffer.from(args.tokenHash, 'hex'));
      return null;
    },

    /** Disabling ends every session of the account; an admin cannot disable themselves or the last enabled admin. */
    operatorSetDisabled(args: { actorId: number | null; id: number; disabled: boolean }): { revoked: boolean } {
      const target = requireOperator(args.id);
      if (args.disabled && args.actorId === args.id) throw new AppError('invalid_state', 'You cannot disable your own account.');
      if (args.disabled && target.role === 'admin' && !target.disabled && operators.enabledAdminCount() <= 1) {
        throw new AppError('invalid_state', 'This is the last enabled admin; enable or add another admin first.');
      }
      operators.setDisabled(args.id, args.disabled);
      if (args.disabled) operators.deleteSessionsOf(args.id, null);
      return { revoked: args.disabled };
    },

    /** A new password ends the account's sessions, but for `keepSession` (the one that changed its own). */
    operatorSetPassword(args: { id: number; passwordHash: string; keepSession: string | null }): null {
      requireOperator(args.id);
      operators.setPasswordHash(args.id, args.passwordHash);
      operators.deleteSessionsOf(args.id, args.keepSession === null ? null : Buffer.from(args.keepSession, 'hex'));
      return null;
    },

    operatorSetAway(args: { id: number; away: boolean }): null {
      operators.setAway(args.id, args.away);
      return null;
    },

    inboxSettingsSave(args: { settings: InboxSettingsDto }): InboxSettingsDto {
      settings.set(INBOX_SETTINGS_KEY, args.settings);
      return args.settings;
    },

    /** Exactly one of several simultaneous claims wins; the others get `conflict`. Returns the row id. */
    conversationClaim(args: { operatorId: number; conversationId: string; now: number }): { rowId: number; changed: boolean } {
      const conversation = requireConversation(args.conversationId);
      if (conversation.assignedOperatorId === args.operatorId) return { rowId: conversation.rowId, changed: false };
      if (!conversations.claim(conversation.rowId, args.operatorId, args.now)) {
        throw new AppError('conflict', `${conversation.assignedOperatorName ?? 'Another operator'} already took this conversation.`);
      }
      return { rowId: conversation.rowId, changed: true };
    },

    conversationStatus(args: { conversationId: string; status: 'open' | 'resolved'; now: number }): number {
      const conversation = requireConversation(args.conversationId);
      conversations.setStatus(conversation.rowId, args.status, args.now);
      return conversation.rowId;
    },

    /**
     * Assigns an open conversation to `operatorId` (a transfer when someone holds it), or unassigns it with
     * null. Operators move what is theirs or unassigned; admins move anything.
     */
    conversationAssign(args: {
      actor: { id: number; role: OperatorRole };
      conversationId: string;
      operatorId: number | null;
      now: number;
    }): { rowId: number; changed: boolean } {
      const conversation = requireConversation(args.conversationId);
      if (conversation.status !== 'open') throw new AppError('invalid_state', 'Reopen the conversation before assigning it.');
      const holder = conversation.assignedOperatorId;
      if (args.actor.role !== 'admin' && holder !== null && holder !== args.actor.id) {
        throw new AppError(
          'forbidden',
          `Only ${conversation.assignedOperatorName ?? 'its operator'} or an admin can transfer this conversation.`,
        );
      }
      if (args.operatorId !== null) {
        const target = operators.findById(args.operatorId);
        if (!target || target.disabled) throw new AppError('not_found', 'No such active operator.');
      }
      if (holder === args.operatorId) return { rowId: conversation.rowId, changed: false };
      conversations.assign(conversation.rowId, args.operatorId, args.now);
      return { rowId: conversation.rowId, changed: true };
    },

    /**
     * Round robin: gives an open, unassigned conversation to the first of `candidates` (online operators, in
     * id order) after `after` that has fewer than `maxOpen` open conversations, wrapping around. Capacity is
     * counted here, in the transaction that assigns, so two assignments never both fill the last slot.
     */
    autoAssign(args: {
      conversationId: string;
      candidates: number[];
      maxOpen: number;
      after: number;
      now: number;
    }): { rowId: number; operatorId: number } | null {
      const conversation = conversations.byPublicId(args.conversationId);
      if (conversation?.status !== 'open' || conversation.assignedOperatorId !== null) return null;
      const counts = conversations.openCounts();
      const withRoom = args.candidates.filter((id) => (counts.get(id) ?? 0) < args.maxOpen);
      const next = withRoom.find((id) => id > args.after) ?? withRoom[0];
      if (next === undefined || !conversations.claim(conversation.rowId, next, args.now)) return null;
      return { rowId: conversation.rowId, operatorId: next };
    },

    readMark(args: { operatorId: number; conversationId: string; seq: number }): null {
      const conversation = requireConversation(args.conversationId);
      if (args.seq > conversation.lastSeq) throw new AppError('invalid_payload', 'That sequence number is from the future.');
      inbox.markRead(args.operatorId, conversation.rowId, args.seq);
      return null;
    },

    /** A note goes after the conversation's latest message; a resend with the same client id is stored once. */
    noteAdd(args: { operatorId: number; input: NoteAddInput; now: number }): { note: NoteDto; created: boolean } {
      const { input } = args;
      const conversation = requireConversation(input.conversationId);
      const existing = notes.byClientId(conversation.rowId, conversation.id, input.clientId);
      if (existing) {
        if (existing.text !== input.text) throw new AppError('conflict', 'This note id was already used for a different note.');
        return { note: existing, created: false };
      }
      notes.insert({
        conversationRowId: conversation.rowId,
        operatorId: args.operatorId,
        clientId: input.clientId,
        afterSeq: conversation.lastSeq,
        text: input.text,
        at: args.now,
      });
      return { note: notes.byClientId(conversation.rowId, conversation.id, input.clientId)!, created: true };
    },

    cannedSave(args: { input: CannedSaveInput; now: number }): CannedReplyDto {
      const { input } = args;
      const clash = canned.byShortcut(input.shortcut);
      if (clash && clash.id !== input.id) throw new AppError('conflict', `The shortcut /${input.shortcut} is taken.`);
      let id = input.id;
      if (id === undefined) id = canned.insert(input.shortcut, input.text, args.now);
      else if (!canned.update(id, input.shortcut, input.text, args.now)) throw new AppError('not_found', 'No such canned reply.');
      return canned.byId(id)!;
    },

    /**
     * A new installation starts with a few replies every site needs, so the "/" menu shows what it is for;
     * admins edit or delete them like any other. Adds nothing once any reply exists; returns how many it added.
     */
    cannedExamples(args: { now: number }): number {
      if (canned.list().length > 0) return 0;
      for (const [shortcut, text] of EXAMPLE_REPLIES) canned.insert(shortcut, text, args.now);
      return EXAMPLE_REPLIES.length;
    },

    cannedDelete(args: { id: number }): null {
      if (!canned.delete(args.id)) throw new AppError('not_found', 'No such canned reply.');
      return null;
    },

    apiKeyCreate(args: { label: string; prefix: string; keyHash: string; createdBy: number; now: number }): number {
      return integrations.insertKey(args.label, args.prefix, Buffer.from(args.keyHash, 'hex'), args.createdBy, args.now);
    },

    apiKeyRevoke(args: { id: number; now: number }): null {
      if (!integrations.revokeKey(args.id, args.now)) throw new AppError('not_found', 'No such active key.');
      return null;
    },

    webhookCreate(args: { url: string; secret: string; now: number }): WebhookRow {
      return integrations.insertWebhook(args.url, args.secret, args.now);
    },

    webhookDelete(args: { id: number }): null {
      if (!integrations.deleteWebhook(args.id)) throw new AppError('not_found', 'No such webhook.');
      return null;
    },
  };
}

export type ConsoleWrites = ReturnType<typeof createConsoleWrites>;
