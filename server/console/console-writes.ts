import { AppError } from '../../shared/errors';
import type { CannedSaveInput, NoteAddInput } from '../../shared/schemas';
import type { CannedReplyDto, InboxSettingsDto, NoteDto, OperatorDto, OperatorRole } from '../../shared/types';
import type { Stores } from '../db/store';
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
export function createConsoleWrites(repos: Stores) {
  const { operators, conversations, inbox, notes, canned, settings, integrations } = repos;

  async function requireConversation(conversationId: string) {
    const conversation = await conversations.byPublicId(conversationId);
    if (!conversation) throw new AppError('not_found', 'No such conversation.');
    return conversation;
  }

  async function requireOperator(id: number) {
    const row = await operators.findById(id);
    if (!row) throw new AppError('not_found', 'No such operator.');
    return row;
  }

  async function createOperator(args: {
    email: string;
    name: string;
    role: OperatorRole;
    passwordHash: string;
    now: number;
  }): Promise<OperatorDto> {
    if (await operators.findByEmail(args.email)) throw new AppError('conflict', 'An operator with this e-mail exists.');
    return toOperatorDto(await operators.create(args));
  }

  return {
    /** Indexes for search up to `limit` messages stored since the last batch; returns how many (InboxService). */
    async searchIndex(args: { limit: number }): Promise<number> {
      return await inbox.indexNew(args.limit);
    },

    /** The account check (the e-mail and password rules) happened in AuthService; the hash is computed there. */
    operatorCreate: createOperator,

    /** The first admin of an empty database; null when an operator exists (another start made one). */
    async operatorCreateFirst(args: { email: string; name: string; passwordHash: string; now: number }): Promise<OperatorDto | null> {
      if ((await operators.count()) > 0) return null;
      return await createOperator({ ...args, role: 'admin' });
    },

    async sessionCreate(args: { tokenHash: string; operatorId: number; now: number; expiresAt: number }): Promise<null> {
      await operators.purgeExpiredSessions(args.now);
      await operators.createSession(Buffer.from(args.tokenHash, 'hex'), args.operatorId, args.now, args.expiresAt);
      return null;
    },

    async sessionDelete(args: { tokenHash: string }): Promise<null> {
      await operators.deleteSession(Buffer.from(args.tokenHash, 'hex'));
      return null;
    },

    /** Disabling ends every session of the account; an admin cannot disable themselves or the last enabled admin. */
    async operatorSetDisabled(args: { actorId: number | null; id: number; disabled: boolean }): Promise<{ revoked: boolean }> {
      const target = await requireOperator(args.id);
      if (args.disabled && args.actorId === args.id) throw new AppError('invalid_state', 'You cannot disable your own account.');
      if (args.disabled && target.role === 'admin' && !target.disabled && (await operators.enabledAdminCount()) <= 1) {
        throw new AppError('invalid_state', 'This is the last enabled admin; enable or add another admin first.');
      }
      await operators.setDisabled(args.id, args.disabled);
      if (args.disabled) await operators.deleteSessionsOf(args.id, null);
      return { revoked: args.disabled };
    },

    /** A new password ends the account's sessions, but for `keepSession` (the one that changed its own). */
    async operatorSetPassword(args: { id: number; passwordHash: string; keepSession: string | null }): Promise<null> {
      await requireOperator(args.id);
      await operators.setPasswordHash(args.id, args.passwordHash);
      await operators.deleteSessionsOf(args.id, args.keepSession === null ? null : Buffer.from(args.keepSession, 'hex'));
      return null;
    },

    async operatorSetAway(args: { id: number; away: boolean }): Promise<null> {
      await operators.setAway(args.id, args.away);
      return null;
    },

    async inboxSettingsSave(args: { settings: InboxSettingsDto }): Promise<InboxSettingsDto> {
      await settings.set(INBOX_SETTINGS_KEY, args.settings);
      return args.settings;
    },

    /** Exactly one of several simultaneous claims wins; the others get `conflict`. Returns the row id. */
    async conversationClaim(args: {
      operatorId: number;
      conversationId: string;
      now: number;
    }): Promise<{ rowId: number; changed: boolean }> {
      const conversation = await requireConversation(args.conversationId);
      if (conversation.assignedOperatorId === args.operatorId) return { rowId: conversation.rowId, changed: false };
      if (!(await conversations.claim(conversation.rowId, args.operatorId, args.now))) {
        throw new AppError('conflict', `${conversation.assignedOperatorName ?? 'Another operator'} already took this conversation.`);
      }
      return { rowId: conversation.rowId, changed: true };
    },

    async conversationStatus(args: { conversationId: string; status: 'open' | 'resolved'; now: number }): Promise<number> {
      const conversation = await requireConversation(args.conversationId);
      await conversations.setStatus(conversation.rowId, args.status, args.now);
      return conversation.rowId;
    },

    /**
     * Assigns an open conversation to `operatorId` (a transfer when someone holds it), or unassigns it with
     * null. Operators move what is theirs or unassigned; admins move anything.
     */
    async conversationAssign(args: {
      actor: { id: number; role: OperatorRole };
      conversationId: string;
      operatorId: number | null;
      now: number;
    }): Promise<{ rowId: number; changed: boolean }> {
      const conversation = await requireConversation(args.conversationId);
      if (conversation.status !== 'open') throw new AppError('invalid_state', 'Reopen the conversation before assigning it.');
      const holder = conversation.assignedOperatorId;
      if (args.actor.role !== 'admin' && holder !== null && holder !== args.actor.id) {
        throw new AppError(
          'forbidden',
          `Only ${conversation.assignedOperatorName ?? 'its operator'} or an admin can transfer this conversation.`,
        );
      }
      if (args.operatorId !== null) {
        const target = await operators.findById(args.operatorId);
        if (!target || target.disabled) throw new AppError('not_found', 'No such active operator.');
      }
      if (holder === args.operatorId) return { rowId: conversation.rowId, changed: false };
      await conversations.assign(conversation.rowId, args.operatorId, args.now);
      return { rowId: conversation.rowId, changed: true };
    },

    /**
     * Round robin: gives an open, unassigned conversation to the first of `candidates` (online operators, in
     * id order) after `after` that has fewer than `maxOpen` open conversations, wrapping around. Capacity is
     * counted here, in the transaction that assigns, so two assignments never both fill the last slot.
     */
    async autoAssign(args: {
      conversationId: string;
      candidates: number[];
      maxOpen: number;
      after: number;
      now: number;
    }): Promise<{ rowId: number; operatorId: number } | null> {
      const conversation = await conversations.byPublicId(args.conversationId);
      if (conversation?.status !== 'open' || conversation.assignedOperatorId !== null) return null;
      const counts = await conversations.openCounts();
      const withRoom = args.candidates.filter((id) => (counts.get(id) ?? 0) < args.maxOpen);
      const next = withRoom.find((id) => id > args.after) ?? withRoom[0];
      if (next === undefined || !(await conversations.claim(conversation.rowId, next, args.now))) return null;
      return { rowId: conversation.rowId, operatorId: next };
    },

    async readMark(args: { operatorId: number; conversationId: string; seq: number }): Promise<null> {
      const conversation = await requireConversation(args.conversationId);
      if (args.seq > conversation.lastSeq) throw new AppError('invalid_payload', 'That sequence number is from the future.');
      await inbox.markRead(args.operatorId, conversation.rowId, args.seq);
      return null;
    },

    /** A note goes after the conversation's latest message; a resend with the same client id is stored once. */
    async noteAdd(args: { operatorId: number; input: NoteAddInput; now: number }): Promise<{ note: NoteDto; created: boolean }> {
      const { input } = args;
      const conversation = await requireConversation(input.conversationId);
      const existing = await notes.byClientId(conversation.rowId, conversation.id, input.clientId);
      if (existing) {
        if (existing.text !== input.text) throw new AppError('conflict', 'This note id was already used for a different note.');
        return { note: existing, created: false };
      }
      await notes.insert({
        conversationRowId: conversation.rowId,
        operatorId: args.operatorId,
        clientId: input.clientId,
        afterSeq: conversation.lastSeq,
        text: input.text,
        at: args.now,
      });
      return { note: (await notes.byClientId(conversation.rowId, conversation.id, input.clientId))!, created: true };
    },

    async cannedSave(args: { input: CannedSaveInput; now: number }): Promise<CannedReplyDto> {
      const { input } = args;
      const clash = await canned.byShortcut(input.shortcut);
      if (clash && clash.id !== input.id) throw new AppError('conflict', `The shortcut /${input.shortcut} is taken.`);
      let id = input.id;
      if (id === undefined) id = await canned.insert(input.shortcut, input.text, args.now);
      else if (!(await canned.update(id, input.shortcut, input.text, args.now))) throw new AppError('not_found', 'No such canned reply.');
      return (await canned.byId(id))!;
    },

    /**
     * A new installation starts with a few replies every site needs, so the "/" menu shows what it is for;
     * admins edit or delete them like any other. Adds nothing once any reply exists; returns how many it added.
     */
    async cannedExamples(args: { now: number }): Promise<number> {
      if ((await canned.list()).length > 0) return 0;
      for (const [shortcut, text] of EXAMPLE_REPLIES) await canned.insert(shortcut, text, args.now);
      return EXAMPLE_REPLIES.length;
    },

    async cannedDelete(args: { id: number }): Promise<null> {
      if (!(await canned.delete(args.id))) throw new AppError('not_found', 'No such canned reply.');
      return null;
    },

    async apiKeyCreate(args: { label: string; prefix: string; keyHash: string; createdBy: number; now: number }): Promise<number> {
      return await integrations.insertKey(args.label, args.prefix, Buffer.from(args.keyHash, 'hex'), args.createdBy, args.now);
    },

    async apiKeyRevoke(args: { id: number; now: number }): Promise<null> {
      if (!(await integrations.revokeKey(args.id, args.now))) throw new AppError('not_found', 'No such active key.');
      return null;
    },

    async webhookCreate(args: { url: string; secret: string; now: number }): Promise<WebhookRow> {
      return await integrations.insertWebhook(args.url, args.secret, args.now);
    },

    async webhookDelete(args: { id: number }): Promise<null> {
      if (!(await integrations.deleteWebhook(args.id))) throw new AppError('not_found', 'No such webhook.');
      return null;
    },
  };
}

export type ConsoleWrites = ReturnType<typeof createConsoleWrites>;
