import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { io, type Socket } from 'socket.io-client';
import {
  OPERATOR_NAMESPACE,
  OperatorEvent,
  OperatorPush,
  type OperatorClientToServer,
  type OperatorRpc,
  type OperatorServerToClient,
} from '../../shared/protocol';
import type {
  CannedReplyDto,
  ConversationDto,
  InboxSettingsDto,
  MessageDto,
  NoteDto,
  OperatorDto,
  PrivacyRequestDto,
  TeamMemberDto,
} from '../../shared/types';
import { DEFAULT_ATTACHMENT_SETTINGS, UPLOAD_PATH, type AttachmentDto, type AttachmentSettingsDto } from '../../shared/attachments';
import { UploadRefused, uploadFile } from '../common/attachment-upload';
import { newClientId } from '../common/client-id';
import { RpcError, rpc } from '../common/rpc';

type OperatorSocket = Socket<OperatorServerToClient, OperatorClientToServer>;

/** What the store tells the app about: new conversations and visitor messages (for notifications). */
export interface StoreListener {
  arrived(kind: 'conversation' | 'message', conversation: ConversationDto, text: string): void;
}

const PAGE = 50;
/** A reply kept this long without a connection is shown as not sent (it still goes once the connection is back). */
export const OFFLINE_MS = 60_000;
/** After a send the open connection did not answer (or a server error), the connection starts again after this long. */
const RESTART_MS = 2000;
/** How long "Connected again" shows after a reconnect. */
const BACK_MS = 4000;

/** A reply or internal note the operator sent that the server has not acknowledged yet. */
export interface OutgoingItem {
  conversationId: string;
  kind: 'reply' | 'note';
  /** Sent with every try: the server stores it once (the same rule as the visitor's messages). */
  clientId: string;
  text: string;
  createdAt: number;
  /** The server refused it (its words): shown as not sent, with Retry and Remove. */
  refused?: string;
  /** A file sent as a reply of its own: uploaded first (under the same client id), then sent by its id. */
  file?: { name: string; size: number; blob: File };
  attachment?: AttachmentDto;
  /** How much of the file went out (0–1) while it is uploaded. */
  progress?: number;
}

/**
 * The console's connection and live state, owned by the app element and handed down: conversations with
 * unread counts, the messages and notes of opened conversations (kept in sequence order, gaps refetched,
 * older pages loaded on demand), the team and its presence, canned replies, settings, privacy requests.
 */
export class ConsoleStore implements ReactiveController {
  conversations = new Map<string, ConversationDto>();
  messages = new Map<string, MessageDto[]>();
  notes = new Map<string, NoteDto[]>();
  /** Conversations whose history is loaded back to the first message. */
  complete = new Set<string>();
  unread = new Map<string, number>();
  /** Conversations an erasure deleted while this console was open (their screens say so). */
  erased = new Set<string>();
  requests = new Map<number, PrivacyRequestDto>();
  typing = new Set<string>();
  team: TeamMemberDto[] = [];
  canned: CannedReplyDto[] = [];
  settings: InboxSettingsDto = { autoAssign: false, maxOpenPerOperator: 5 };
  /** The admin's limits on attachments (the composer checks a file against them before uploading it). */
  attachmentLimits: AttachmentSettingsDto = DEFAULT_ATTACHMENT_SETTINGS;
  /** The conversation the operator is looking at (its messages count as read while the tab is visible). */
  viewing: string | null = null;
  connected = false;
  /** Connected again after a drop, for a few seconds (the composer says so). */
  back = false;
  /**
   * Replies and notes not acknowledged yet, in the order written. They are sent one at a time, by
   * themselves whenever the console is connected, each with its client id until the server answers.
   */
  outbox: OutgoingItem[] = [];
  listener: StoreListener | null = null;
  private flushing = false;
  private everConnected = false;
  private backTimer: ReturnType<typeof setTimeout> | undefined;
  private socket: OperatorSocket | null = null;
  private readonly hosts = new Set<ReactiveControllerHost>();

  constructor(readonly operator: OperatorDto) {}

  /** Elements that render store data subscribe so they update on every change. */
  subscribe(host: ReactiveControllerHost): void {
    this.hosts.add(host);
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {}

  get me(): TeamMemberDto | undefined {
    return this.team.find((m) => m.id === this.operator.id);
  }

  connect(): void {
    const socket: OperatorSocket = io(OPERATOR_NAMESPACE, { transports: ['websocket', 'polling'], withCredentials: true });
    this.socket = socket;
    socket.on('connect', () => {
      this.connected = true;
      if (this.everConnected) {
        this.back = true;
        clearTimeout(this.backTimer);
        this.backTimer = setTimeout(() => {
          this.back = false;
          this.changed();
        }, BACK_MS);
      }
      this.everConnected = true;
      // Caught up first, so what is sent lands after what arrived meanwhile; sent even if the catch-up failed.
      void this.resync()
        .catch(() => undefined)
        .then(() => this.flush());
    });
    // Offline, a kept reply turns "not sent" once it is OFFLINE_MS old: look again at every attempt (≤ 5 s apart).
    socket.io.on('reconnect_attempt', () => this.changed());
    socket.on('disconnect', (reason) => {
      this.connected = false;
      this.back = false;
      // The server ended this session (signed out elsewhere, disabled, password reset): back to sign-in.
      if (reason === 'io server disconnect') location.reload();
      this.changed();
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized') location.reload();
    });
    socket.on(OperatorPush.conversationUpsert, (c) => {
      this.upsert(c);
      this.changed();
    });
    socket.on(OperatorPush.messages, (pushes) => {
      for (const { message, conversation } of pushes) {
        // A write committed just before an erasure can be reported just after it: it must not bring the chat back.
        if (this.erased.has(conversation.id)) continue;
        this.upsert(conversation);
        this.onMessage(message);
      }
    });
    socket.on(OperatorPush.noteNew, (n) => this.mergeNotes(n.conversationId, [n]));
    socket.on(OperatorPush.typing, ({ conversationId, typing }) => {
      if (typing) this.typing.add(conversationId);
      else this.typing.delete(conversationId);
      this.changed();
    });
    socket.on(OperatorPush.privacyUpserts, (requests) => {
      for (const r of requests) this.requests.set(r.id, r);
      this.changed();
    });
    socket.on(OperatorPush.team, (team) => {
      this.team = team;
      this.changed();
    });
    socket.on(OperatorPush.canned, (replies) => {
      this.canned = replies;
      this.changed();
    });
    socket.on(OperatorPush.settings, (settings) => {
      this.settings = settings;
      this.changed();
    });
    socket.on(OperatorPush.conversationsRemoved, ({ conversationIds }) => this.dropConversations(conversationIds));
  }

  /** Drops conversations an erasure deleted: lists, history, notes, unread counts, typing, unsent replies. */
  private dropConversations(conversationIds: string[]): void {
    const gone = new Set(conversationIds);
    this.outbox = this.outbox.filter((item) => !gone.has(item.conversationId));
    for (const id of conversationIds) {
      for (const held of [this.conversations, this.messages, this.notes, this.unread]) held.delete(id);
      this.complete.delete(id);
      this.typing.delete(id);
      this.erased.add(id);
    }
    this.changed();
  }

  disconnect(): void {
    this.socket?.disconnect();
  }

  call<K extends keyof OperatorRpc & string>(event: K, payload: OperatorRpc[K]['in']): Promise<OperatorRpc[K]['out']> {
    return rpc(this.socket, event, payload);
  }

  /** Queues a reply or a note; it goes now if connected, else by itself once the console is back. */
  send(conversationId: string, kind: OutgoingItem['kind'], text: string): void {
    this.outbox = [...this.outbox, { conversationId, kind, clientId: newClientId(), text, createdAt: Date.now() }];
    this.changed();
    void this.flush();
  }

  /** Queues a file as a reply of its own; the caller has checked it against `attachmentLimits`. */
  sendFile(conversationId: string, blob: File): void {
    const file = { name: blob.name.slice(-200) || 'file', size: blob.size, blob };
    this.outbox = [...this.outbox, { conversationId, kind: 'reply', clientId: newClientId(), text: '', createdAt: Date.now(), file }];
    this.changed();
    void this.flush();
  }

  /** Shown as not sent: refused, or kept a long time without a connection. */
  notSent(item: OutgoingItem): boolean {
    return item.refused !== undefined || (!this.connected && Date.now() - item.createdAt > OFFLINE_MS);
  }

  retry(clientId: string): void {
    const item = this.outbox.find((o) => o.clientId === clientId);
    if (item) delete item.refused;
    this.changed();
    void this.flush();
  }

  /** Forgets a kept reply: acknowledged, or taken back by the operator. */
  remove(clientId: string): void {
    this.outbox = this.outbox.filter((o) => o.clientId !== clientId);
    this.changed();
  }

  /** One at a time in the order written (items written meanwhile join the end), so none overtakes another. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.socket?.connected) {
        const next = this.outbox.find((o) => o.refused === undefined);
        if (!next || !(await this.deliver(next))) break;
      }
    } finally {
      this.flushing = false;
    }
  }

  /** False when it could not be sent for now (it stays "Sending…"); true when the server answered. */
  private async deliver(item: OutgoingItem): Promise<boolean> {
    const { conversationId, clientId, text } = item;
    try {
      if (item.file && !item.attachment) {
        // The session cookie goes with it (same origin); a resend under the same client id is stored once.
        item.attachment = await uploadFile(UPLOAD_PATH, { clientId, name: item.file.name, conversationId }, item.file.blob, null, (f) => {
          item.progress = f;
          this.changed();
        })
          // No answer over HTTP while the socket works: restarting the socket would not help; Retry will.
          .catch((error: unknown) => {
            throw new RpcError(
              error instanceof UploadRefused ? error.error : { code: 'invalid_state', message: 'The upload failed. Try again.' },
            );
          })
          .finally(() => delete item.progress);
      }
      if (item.kind === 'reply') {
        const attachmentId = item.attachment?.id;
        const { message } = await this.call(OperatorEvent.messageSend, { conversationId, clientId, text, attachmentId });
        if (this.messages.has(conversationId)) this.merge(conversationId, [message]);
      } else {
        const { note } = await this.call(OperatorEvent.noteAdd, { conversationId, clientId, text });
        this.mergeNotes(conversationId, [note]);
      }
      this.remove(clientId);
      return true;
    } catch (error) {
      if (error instanceof RpcError && error.error.code !== 'internal') {
        item.refused = error.message;
        this.changed();
        return true;
      }
      // The connection dropped (the next connect sends it), or it is open but did not answer or the server
      // failed: a connection that does not work is started again. The resend has the same client id.
      if (this.socket?.connected) {
        this.socket.disconnect();
        setTimeout(() => this.socket?.connect(), RESTART_MS);
      }
      return false;
    }
  }

  /** After every (re)connect: reload the lists, catch up every opened conversation from its last sequence. */
  private async resync(): Promise<void> {
    const [open, resolved, privacy, unread, team, canned, settings, limits] = await Promise.all([
      this.call(OperatorEvent.conversationList, { view: 'open' }),
      this.call(OperatorEvent.conversationList, { view: 'resolved' }),
      this.call(OperatorEvent.privacyList, {}),
      this.call(OperatorEvent.conversationUnread, {}),
      this.call(OperatorEvent.teamList, {}),
      this.call(OperatorEvent.cannedList, {}),
      this.call(OperatorEvent.settingsGet, {}),
      this.call(OperatorEvent.attachmentSettingsGet, {}),
    ]);
    // The lists as they are now: what was erased or purged while this console was away is gone from them.
    const listed = new Map([...open.conversations, ...resolved.conversations].filter((c) => !this.erased.has(c.id)).map((c) => [c.id, c]));
    for (const [id, c] of this.conversations) if (!listed.has(id) && this.messages.has(id)) listed.set(id, c);
    this.conversations = listed;
    this.requests = new Map(privacy.requests.map((r) => [r.id, r]));
    this.unread = new Map(Object.entries(unread.unread));
    this.team = team.team;
    this.canned = canned.replies;
    this.settings = settings.settings;
    this.attachmentLimits = limits.settings;
    for (const id of [...this.messages.keys()]) {
      // An opened conversation that no longer exists was erased (or purged) meanwhile.
      await this.loadMessages(id).catch((error: unknown) => {
        if (error instanceof RpcError && error.error.code === 'not_found') this.dropConversations([id]);
        else throw error;
      });
    }
    this.changed();
  }

  /** Opens a conversation: the latest page (or what came after what we hold), and its notes. */
  async loadMessages(conversationId: string): Promise<void> {
    const known = this.messages.get(conversationId) ?? [];
    const afterSeq = known.at(-1)?.seq;
    const [{ conversation, messages }, { notes }] = await Promise.all([
      this.call(
        OperatorEvent.conversationOpen,
        afterSeq === undefined ? { conversationId, limit: PAGE } : { conversationId, afterSeq, limit: PAGE },
      ),
      this.call(OperatorEvent.noteList, { conversationId }),
    ]);
    this.conversations.set(conversation.id, conversation);
    if (afterSeq === undefined && (messages.length < PAGE || messages[0]?.seq === 1)) this.complete.add(conversationId);
    this.notes.set(conversationId, notes);
    this.merge(conversationId, messages);
    // Catching up (after a reconnect or a gap): a full page means there may be more; fetch until none is missing.
    if (afterSeq !== undefined && messages.length === PAGE) await this.loadMessages(conversationId);
  }

  /** Loads the page before the oldest message held; false when there is nothing older. */
  async loadOlder(conversationId: string): Promise<boolean> {
    const first = this.messages.get(conversationId)?.[0];
    if (!first || first.seq <= 1 || this.complete.has(conversationId)) {
      this.complete.add(conversationId);
      return false;
    }
    const { messages } = await this.call(OperatorEvent.conversationOpen, { conversationId, beforeSeq: first.seq, limit: PAGE });
    if (messages.length < PAGE || messages[0]?.seq === 1) this.complete.add(conversationId);
    this.merge(conversationId, messages);
    return messages.length > 0;
  }

  /** Marks what the operator has seen of a conversation as read. */
  markRead(conversationId: string): void {
    const conversation = this.conversations.get(conversationId);
    if (!conversation || !this.unread.get(conversationId)) return;
    this.unread.delete(conversationId);
    this.changed();
    void this.call(OperatorEvent.conversationRead, { conversationId, seq: conversation.lastSeq }).catch(() => {});
  }

  /** A conversation's newer state; its first message announces it as a new conversation. */
  private upsert(c: ConversationDto): void {
    if (this.erased.has(c.id)) return;
    const known = this.conversations.get(c.id);
    this.conversations.set(c.id, c);
    if (c.lastSeq > 0 && (!known || known.lastSeq === 0)) this.listener?.arrived('conversation', c, c.lastMessagePreview ?? '');
  }

  private onMessage(message: MessageDto): void {
    const id = message.conversationId;
    if (message.author === 'visitor') {
      const looking = this.viewing === id && !document.hidden;
      if (looking) void this.call(OperatorEvent.conversationRead, { conversationId: id, seq: message.seq }).catch(() => {});
      else this.unread.set(id, (this.unread.get(id) ?? 0) + 1);
      const conversation = this.conversations.get(id);
      // The first message of a conversation is announced as a new conversation (by its upsert).
      if (conversation && message.seq > 1)
        this.listener?.arrived('message', conversation, message.text || `📎 ${message.attachment?.name ?? ''}`);
    }
    const known = this.messages.get(id);
    if (!known) {
      this.changed(); // not opened here; the list's row was updated from the same push
      return;
    }
    const last = known.at(-1)?.seq ?? 0;
    if (message.seq > last + 1) void this.loadMessages(id);
    else this.merge(id, [message]);
  }

  private merge(conversationId: string, incoming: MessageDto[]): void {
    const bySeq = new Map((this.messages.get(conversationId) ?? []).map((m) => [m.seq, m]));
    for (const m of incoming) bySeq.set(m.seq, m);
    this.messages.set(
      conversationId,
      [...bySeq.values()].sort((a, b) => a.seq - b.seq),
    );
    this.changed();
  }

  private mergeNotes(conversationId: string, incoming: NoteDto[]): void {
    if (!this.notes.has(conversationId)) return;
    const byId = new Map(this.notes.get(conversationId)!.map((n) => [n.id, n]));
    for (const n of incoming) byId.set(n.id, n);
    this.notes.set(
      conversationId,
      [...byId.values()].sort((a, b) => a.afterSeq - b.afterSeq || a.id - b.id),
    );
    this.changed();
  }

  private changed(): void {
    for (const host of this.hosts) host.requestUpdate();
  }
}
