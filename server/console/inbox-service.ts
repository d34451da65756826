import { AppError } from '../../shared/errors';
import type { SettingsSaveInput } from '../../shared/schemas';
import type { ConversationDto, InboxSettingsDto, SearchHitDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import type { ConversationRepository, ConversationRow } from '../db/repositories/conversation-repository';
import type { InboxRepository } from '../db/repositories/inbox-repository';
import type { OperatorRepository, OperatorRow } from '../db/repositories/operator-repository';
import type { SettingsRepository } from '../db/repositories/settings-repository';
import type { EventBus } from '../platform/events';
import { toConversationDto } from '../chat/chat-service';
import type { PresenceService } from './presence-service';

const SETTINGS_KEY = 'inbox';
const DEFAULT_SETTINGS: InboxSettingsDto = { autoAssign: false, maxOpenPerOperator: 5 };
const SEARCH_LIMIT = 50;

/**
 * FTS5 query from what a person typed: every word is a quoted phrase (so no operator syntax reaches
 * FTS5 and nothing typed can make the query fail), all words must occur, the last one as a prefix.
 */
export function ftsQuery(typed: string): string | null {
  const words = typed
    .split(/\s+/)
    .map((w) => w.replace(/"/g, ''))
    .filter(Boolean)
    .slice(0, 12);
  if (words.length === 0) return null;
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

/**
 * The shared inbox beyond single messages: assigning and transferring, read marks and unread counts,
 * search, and optional auto-assignment (round robin among online operators, each up to a limit of open
 * conversations).
 */
export class InboxService {
  private settingsCache: InboxSettingsDto;
  /** The operator who got the last automatic assignment; the next one goes to whoever follows. */
  private lastAutoAssigned = 0;
  private assigning = false;

  constructor(
    private readonly deps: {
      conversations: ConversationRepository;
      inbox: InboxRepository;
      operators: OperatorRepository;
      settings: SettingsRepository;
      presence: PresenceService;
      bus: EventBus;
      clock: Clock;
    },
  ) {
    this.settingsCache = { ...DEFAULT_SETTINGS, ...deps.settings.get<Partial<InboxSettingsDto>>(SETTINGS_KEY, {}) };
    deps.bus.on('message:created', ({ message }) => {
      // After the message's own push (a microtask later), so operators see the assignment as the newer state.
      if (message.author === 'visitor' && this.settingsCache.autoAssign) queueMicrotask(() => this.autoAssign(message.conversationId));
    });
    deps.bus.on('conversation:changed', ({ conversation }) => {
      // A resolved conversation frees a slot: someone waiting may now be assigned.
      if (conversation.status === 'resolved' && this.settingsCache.autoAssign) this.assignWaiting();
    });
    deps.bus.on('team:changed', () => {
      if (this.settingsCache.autoAssign) this.assignWaiting();
    });
  }

  settings(): InboxSettingsDto {
    return { ...this.settingsCache };
  }

  saveSettings(input: SettingsSaveInput): InboxSettingsDto {
    this.settingsCache = { autoAssign: input.autoAssign, maxOpenPerOperator: input.maxOpenPerOperator };
    this.deps.settings.set(SETTINGS_KEY, this.settingsCache);
    this.deps.bus.emit('settings:changed', { settings: this.settings() });
    if (this.settingsCache.autoAssign) this.assignWaiting();
    return this.settings();
  }

  /**
   * Assigns an open conversation to `operatorId` (a transfer when someone holds it), or unassigns it
   * with null. Operators move what is theirs or unassigned; admins move anything.
   */
  assign(actor: OperatorRow, conversationId: string, operatorId: number | null): ConversationDto {
    const conversation = this.require(conversationId);
    if (conversation.status !== 'open') throw new AppError('invalid_state', 'Reopen the conversation before assigning it.');
    const holder = conversation.assignedOperatorId;
    if (actor.role !== 'admin' && holder !== null && holder !== actor.id) {
      throw new AppError(
        'forbidden',
        `Only ${conversation.assignedOperatorName ?? 'its operator'} or an admin can transfer this conversation.`,
      );
    }
    if (operatorId !== null) {
      const target = this.deps.operators.findById(operatorId);
      if (!target || target.disabled) throw new AppError('not_found', 'No such active operator.');
    }
    if (holder === operatorId) return toConversationDto(conversation);
    this.deps.conversations.assign(conversation.rowId, operatorId, this.deps.clock.now());
    return this.changed(conversation.rowId);
  }

  markRead(operatorId: number, conversationId: string, seq: number): void {
    const conversation = this.require(conversationId);
    if (seq > conversation.lastSeq) throw new AppError('invalid_payload', 'That sequence number is from the future.');
    this.deps.inbox.markRead(operatorId, conversation.rowId, seq);
  }

  unread(operatorId: number): Record<string, number> {
    return this.deps.inbox.unread(operatorId);
  }

  search(typed: string, limit = SEARCH_LIMIT): SearchHitDto[] {
    const match = ftsQuery(typed);
    if (!match) throw new AppError('invalid_payload', 'Type a word to search for.');
    return this.deps.inbox.search(match, Math.min(limit, SEARCH_LIMIT));
  }

  /** Gives one unassigned conversation to the next online operator with room, if auto-assignment is on. */
  autoAssign(conversationId: string): boolean {
    if (!this.settingsCache.autoAssign) return false;
    const conversation = this.deps.conversations.byPublicId(conversationId);
    if (conversation?.status !== 'open' || conversation.assignedOperatorId !== null) return false;
    const counts = this.deps.conversations.openCounts();
    const candidates = this.deps.presence.onlineIds().filter((id) => (counts.get(id) ?? 0) < this.settingsCache.maxOpenPerOperator);
    if (candidates.length === 0) return false;
    const next = candidates.find((id) => id > this.lastAutoAssigned) ?? candidates[0];
    // The same guarded update as a claim: if a person claimed it a moment ago, they keep it.
    if (!this.deps.conversations.claim(conversation.rowId, next, this.deps.clock.now())) return false;
    this.lastAutoAssigned = next;
    this.changed(conversation.rowId);
    return true;
  }

  /** Hands out waiting conversations, longest-waiting first, while online operators have room. */
  assignWaiting(): void {
    if (this.assigning || !this.settingsCache.autoAssign) return;
    this.assigning = true;
    try {
      for (const id of this.deps.conversations.waitingUnassigned(100)) if (!this.autoAssign(id)) break;
    } finally {
      this.assigning = false;
    }
  }

  private changed(rowId: number): ConversationDto {
    const row = this.deps.conversations.byRowId(rowId)!;
    const dto = toConversationDto(row);
    this.deps.bus.emit('conversation:changed', { conversation: dto, visitorId: row.visitorId });
    return dto;
  }

  private require(conversationId: string): ConversationRow {
    const conversation = this.deps.conversations.byPublicId(conversationId);
    if (!conversation) throw new AppError('not_found', 'No such conversation.');
    return conversation;
  }
}
