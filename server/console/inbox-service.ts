import { AppError } from '../../shared/errors';
import type { SettingsSaveInput } from '../../shared/schemas';
import type { ConversationDto, InboxSettingsDto, SearchHitDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import type { OperatorRow } from '../db/repositories/operator-repository';
import { settingOf } from '../db/settings-of';
import type { Stores } from '../db/store';
import { whenRead } from '../db/when-read';
import type { EventBus } from '../platform/events';
import { toConversationDto } from '../chat/conversation-dto';
import type { PresenceService } from './presence-service';
import type { Writer } from '../writer/group-commit';
import { type ConsoleWrites, DEFAULT_INBOX_SETTINGS, INBOX_SETTINGS_KEY } from './console-writes';

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
 * Messages go into the search index in batches this often (migration 14): under load a thousand at a time
 * instead of one per write, which is most of what indexing cost. A search indexes what is left first.
 */
export const SEARCH_INDEX_EVERY_MS = 1000;
const SEARCH_INDEX_BATCH = 5000;

/**
 * The shared inbox beyond single messages: assigning and transferring, read marks and unread counts,
 * search, and optional auto-assignment (round robin among online operators, each up to a limit of open
 * conversations). The writes and the checks that guard them are console-writes.ts procedures.
 */
export class InboxService {
  private settingsCache: InboxSettingsDto = { ...DEFAULT_INBOX_SETTINGS };
  /** The operator who got the last automatic assignment; the next one goes to whoever follows. */
  private lastAutoAssigned = 0;
  /** Automatic assignments run one after another, so each starts from the previous one's choice. */
  private assigning: Promise<unknown> = Promise.resolve();
  private handingOut = false;
  private indexTimer: NodeJS.Timeout | null = null;
  private indexing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: {
      conversations: Stores['conversations'];
      inbox: Stores['inbox'];
      settings: Stores['settings'];
      presence: PresenceService;
      writer: Writer<ConsoleWrites>;
      bus: EventBus;
      clock: Clock;
    },
  ) {
    deps.bus.on('message:created', ({ message }) => {
      this.scheduleIndex();
      // After the message's own push (a microtask later), so operators see the assignment as the newer state.
      if (message.author === 'visitor' && this.settingsCache.autoAssign) queueMicrotask(() => void this.autoAssign(message.conversationId));
    });
    deps.bus.on('conversation:changed', ({ conversation }) => {
      // A resolved conversation frees a slot: someone waiting may now be assigned.
      if (conversation.status === 'resolved' && this.settingsCache.autoAssign) void this.assignWaiting();
    });
    deps.bus.on('team:changed', () => {
      if (this.settingsCache.autoAssign) void this.assignWaiting();
    });
  }

  /**
   * Reads the stored settings and indexes what a previous run left; awaited at start, before the server
   * takes connections (the settings are then read from memory on every message).
   */
  async load(): Promise<void> {
    this.settingsCache = {
      ...DEFAULT_INBOX_SETTINGS,
      ...(await settingOf<Partial<InboxSettingsDto>>(this.deps.settings, INBOX_SETTINGS_KEY, {})),
    };
    // Messages stored before a stop and not yet indexed go in now.
    this.scheduleIndex();
  }

  settings(): InboxSettingsDto {
    return { ...this.settingsCache };
  }

  async saveSettings(input: SettingsSaveInput): Promise<InboxSettingsDto> {
    const saved = await this.deps.writer.run('inboxSettingsSave', {
      settings: { autoAssign: input.autoAssign, maxOpenPerOperator: input.maxOpenPerOperator },
    });
    this.settingsCache = saved;
    this.deps.bus.emit('settings:changed', { settings: this.settings() });
    if (this.settingsCache.autoAssign) void this.assignWaiting();
    return this.settings();
  }

  /**
   * Assigns an open conversation to `operatorId` (a transfer when someone holds it), or unassigns it
   * with null. Operators move what is theirs or unassigned; admins move anything.
   */
  async assign(actor: OperatorRow, conversationId: string, operatorId: number | null): Promise<ConversationDto> {
    const { rowId, changed } = await this.deps.writer.run('conversationAssign', {
      actor: { id: actor.id, role: actor.role },
      conversationId,
      operatorId,
      now: this.deps.clock.now(),
    });
    return changed ? this.changed(rowId) : toConversationDto((await this.deps.conversations.byRowId(rowId))!);
  }

  async markRead(operatorId: number, conversationId: string, seq: number): Promise<void> {
    await this.deps.writer.run('readMark', { operatorId, conversationId, seq });
  }

  async unread(operatorId: number): Promise<Record<string, number>> {
    return this.deps.inbox.unread(operatorId);
  }

  /** Finds messages; the index first takes in every message stored until now, so none is missed. */
  async search(typed: string, limit = SEARCH_LIMIT): Promise<SearchHitDto[]> {
    const match = ftsQuery(typed);
    if (!match) throw new AppError('invalid_payload', 'Type a word to search for.');
    await this.indexNow();
    return this.deps.inbox.search(match, Math.min(limit, SEARCH_LIMIT));
  }

  /** Stops the search index's timer (the server is stopping; what is not indexed yet is, at the next start). */
  stop(): void {
    this.stopped = true;
    if (this.indexTimer) clearTimeout(this.indexTimer);
    this.indexTimer = null;
  }

  /** Soon after a message, the messages stored since the last batch go into the search index together. */
  private scheduleIndex(): void {
    // Messages still committing while the server stops are indexed at the next start.
    if (this.indexTimer || this.stopped) return;
    this.indexTimer = setTimeout(() => {
      this.indexTimer = null;
      // A batch that failed (the server stopping) is left for the next message or search.
      this.indexNow().catch(() => {});
    }, SEARCH_INDEX_EVERY_MS);
    this.indexTimer.unref();
  }

  /** Indexes until caught up; one run at a time, a call during a run waits for it and then looks again. */
  private indexNow(): Promise<void> {
    const run = this.indexing.then(async () => {
      // Looked up on the read connection first: nothing to index costs no write.
      if (!(await this.deps.inbox.hasUnindexed())) return;
      let added: number;
      do added = await this.deps.writer.run('searchIndex', { limit: SEARCH_INDEX_BATCH });
      while (added === SEARCH_INDEX_BATCH);
    });
    this.indexing = run.catch(() => {});
    return run;
  }

  /** Gives one unassigned conversation to the next online operator with room, if auto-assignment is on. */
  autoAssign(conversationId: string): Promise<boolean> {
    const run = this.assigning.then(async () => {
      if (!this.settingsCache.autoAssign) return false;
      const candidates = await this.deps.presence.onlineIds();
      if (candidates.length === 0) return false;
      const assigned = await this.deps.writer.run('autoAssign', {
        conversationId,
        candidates,
        maxOpen: this.settingsCache.maxOpenPerOperator,
        after: this.lastAutoAssigned,
        now: this.deps.clock.now(),
      });
      if (!assigned) return false;
      this.lastAutoAssigned = assigned.operatorId;
      await this.changed(assigned.rowId);
      return true;
    });
    // A failed assignment (the server stopping) leaves the conversation waiting; the next event tries again.
    this.assigning = run.catch(() => false);
    return this.assigning as Promise<boolean>;
  }

  /** Hands out waiting conversations, longest-waiting first, while online operators have room. */
  async assignWaiting(): Promise<void> {
    if (this.handingOut || !this.settingsCache.autoAssign) return;
    this.handingOut = true;
    try {
      for (const id of await this.deps.conversations.waitingUnassigned(100)) if (!(await this.autoAssign(id))) break;
    } finally {
      this.handingOut = false;
    }
  }

  /** Pushed in the continuation of the write (see whenRead): a message committed after it is pushed after it. */
  private changed(rowId: number): ConversationDto | Promise<ConversationDto> {
    return whenRead(this.deps.conversations.byRowId(rowId), (row) => {
      const dto = toConversationDto(row!);
      this.deps.bus.emit('conversation:changed', { conversation: dto, visitorId: row!.visitorId });
      return dto;
    });
  }
}
