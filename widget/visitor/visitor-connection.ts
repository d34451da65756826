import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Manager, type Socket } from 'socket.io-client';
import {
  VISITOR_NAMESPACE,
  VisitorEvent,
  VisitorPush,
  type FiledRequest,
  type HelloResult,
  type PrivacyStartResult,
  type TrackedRequest,
  type TranscriptResult,
  type VisitorClientToServer,
  type VisitorServerToClient,
} from '../../shared/protocol';
import type { PrivacyStartInput, RatingSubmitInput, TranscriptRequestInput } from '../../shared/schemas';
import type { PrechatFormDto, PrechatSubmitInput } from '../../shared/prechat';
import type { Lang, MessageDto, RatingAskDto, VisitorRequestDto } from '../../shared/types';
import type { AvailabilityDto } from '../../shared/widget-settings';
import type { AckError } from '../../shared/errors';
import { RpcError, rpc } from '../common/rpc';
import { STORAGE, type IdentifyData } from '../common/widget-api';
import { newClientId } from '../common/client-id';
import { DEFAULT_ATTACHMENT_SETTINGS, UPLOAD_PATH, type AttachmentDto, type AttachmentLinkDto } from '../../shared/attachments';

export interface PendingMessage {
  clientId: string;
  text: string;
  createdAt: number;
  /**
   * The server refused it (too long, too many, a conflicting id): shown as not sent, with the reason, a
   * retry and a remove button. Every reconnect tries it again. Anything else (no connection, no answer, a
   * server error) is not a refusal: the message stays "Sending…" and goes out by itself.
   */
  refused?: AckError;
  /** A file to send: what it is until the server has stored it, then `attachment` (sent by its id). */
  file?: { name: string; size: number };
  attachment?: AttachmentDto;
  /** The file's bytes, until uploaded; only this page has them (never stored: a reload loses them). */
  blob?: File;
  /** How much of the file went out (0–1) while it is uploaded. */
  progress?: number;
}

/** The signature of the attachments chunk's uploader: stores `p.blob`, sets `p.attachment` (true) or refuses `p` (false). */
export type Uploader = (p: PendingMessage, url: string, token: string | null) => Promise<boolean>;

type VisitorSocket = Socket<VisitorServerToClient, VisitorClientToServer>;

/** An operator who stops typing without saying so (closed their tab) stops showing after this long. */
const TYPING_TTL_MS = 8000;
/** A message kept this long without a connection is shown as not sent (it still goes once the connection is back). */
export const OFFLINE_MS = 60_000;
/** After a failed hello, or a send the server did not answer, the connection starts again after this long. */
const RESTART_MS = 2000;

export function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function save(key: string, value: unknown): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or blocked: the chat still works, it just won't survive a reload */
  }
}

/**
 * The visitor's connection, owned in one place: the socket, the conversation as this tab knows it,
 * messages waiting for their acknowledgement (kept in localStorage and retried with the same client id
 * until acknowledged, also across reloads), what the visitor has read (shared by tabs), and the privacy
 * requests this browser follows.
 */
export class VisitorConnection implements ReactiveController {
  messages: MessageDto[] = [];
  // A reload is a retry: what was refused before is tried again.
  pending: PendingMessage[] = load<PendingMessage[]>(STORAGE.pending, []).map(({ refused: _, ...p }) => p);
  requests: TrackedRequest[] = [];
  /** Said hello at least once: the conversation is loaded. */
  loaded = false;
  connected = false;
  operatorsOnline = true;
  operatorTyping: string | null = null;
  contactEmail: string | null = null;
  /** The admin's limits on attachments, as the last hello said. */
  limits = DEFAULT_ATTACHMENT_SETTINGS;
  /** Set by the attachments chunk when it loads (a kept file makes the panel load it). */
  uploader: Uploader | null = null;
  /** The pre-chat form to answer before the first message (none for a visitor the page identified). */
  prechat: PrechatFormDto | null = null;
  /** Open by the business hours, or when the team is back, in its zone; null until the hello. */
  availability: AvailabilityDto | null = null;
  /** The admin's greeting and away message in the visitor's language; null: the widget's own. */
  greeting: string | null = null;
  awayMessage: string | null = null;
  /** The rating question of the resolved conversation, not yet rated. */
  ratingAsk: RatingAskDto | null = null;
  /** This visitor's chat was erased at their request while the page was open. */
  erased = false;
  /** The highest sequence the visitor has seen in any tab. */
  readSeq = Number(load<number>(STORAGE.read, 0)) || 0;
  private lastSeq = 0;
  private socket: VisitorSocket | null = null;
  private syncing: Promise<void> | null = null;
  private flushing = false;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private identity: IdentifyData | null;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly server: string,
    readonly lang: Lang,
    /** A message that appeared after this page loaded the conversation (live, or caught up after a reconnect). */
    private readonly onNew: (message: MessageDto) => void,
    identity: IdentifyData | null,
  ) {
    this.identity = identity;
    host.addController(this);
  }

  /** Operator messages the visitor has not seen yet, in any tab. */
  get unread(): number {
    return this.messages.filter((m) => m.author === 'operator' && m.seq > this.readSeq).length;
  }

  hostConnected(): void {
    if (this.socket) return;
    // WebSocket first; long-polling where a proxy blocks WebSockets.
    const socket: VisitorSocket = new Manager(this.server, { transports: ['websocket', 'polling'] }).socket(VISITOR_NAMESPACE);
    this.socket = socket;
    socket.on('connect', () => void this.sync());
    // Offline, a kept message turns "not sent" once it is OFFLINE_MS old: look again at every attempt (≤ 5 s apart).
    socket.io.on('reconnect_attempt', () => this.host.requestUpdate());
    socket.on('disconnect', () => {
      this.connected = false;
      this.host.requestUpdate();
    });
    socket.on(VisitorPush.messageNew, (message) => this.receive(message));
    socket.on(VisitorPush.presence, ({ operatorsOnline }) => {
      this.operatorsOnline = operatorsOnline;
      this.host.requestUpdate();
    });
    socket.on(VisitorPush.availability, (availability) => {
      this.availability = availability;
      this.host.requestUpdate();
    });
    // Resolved (asking for a rating, unless rated or switched off) or reopened (the card goes).
    socket.on(VisitorPush.conversationStatus, ({ ratingAsk }) => {
      this.ratingAsk = ratingAsk;
      this.host.requestUpdate();
    });
    socket.on(VisitorPush.typing, ({ typing, name }) => this.setOperatorTyping(typing ? (name ?? '') : null));
    socket.on(VisitorPush.privacyUpdate, (request) => this.updateRequest(request));
    // The token is void and the history gone: start afresh, still following the requests filed here.
    socket.on(VisitorPush.erased, () => {
      const tokens = load<string[]>(STORAGE.requests, []);
      const requests = this.requests;
      this.reset();
      save(STORAGE.requests, tokens.length ? tokens : null);
      this.requests = requests;
      this.erased = true;
    });
    addEventListener('storage', this.onStorage);
  }

  hostDisconnected(): void {
    removeEventListener('storage', this.onStorage);
    this.socket?.disconnect();
    this.socket = null;
  }

  /** Queues a message; it is kept until the server acknowledges it, and sent after those before it. */
  send(text: string): void {
    this.queue({ clientId: newClientId(), text, createdAt: Date.now() });
  }

  /** Queues a file (checked against the limits already) as a message of its own, uploaded first. */
  sendFile(blob: File): void {
    this.queue({
      clientId: newClientId(),
      text: '',
      createdAt: Date.now(),
      file: { name: blob.name.slice(-200) || 'file', size: blob.size },
      blob,
    });
  }

  private queue(p: PendingMessage): void {
    this.pending = [...this.pending, p];
    this.persistPending();
    this.host.requestUpdate();
    void this.flushPending();
  }

  async link(attachmentId: string): Promise<AttachmentLinkDto> {
    await this.ready();
    return rpc<AttachmentLinkDto>(this.socket, VisitorEvent.attachmentLink, { attachmentId });
  }

  /** Shown as not sent: refused, or kept a long time without a connection. */
  notSent(p: PendingMessage): boolean {
    return !!p.refused || (!this.connected && Date.now() - p.createdAt > OFFLINE_MS);
  }

  retry(clientId: string): void {
    const message = this.pending.find((p) => p.clientId === clientId);
    if (message) delete message.refused;
    this.host.requestUpdate();
    void this.flushPending();
  }

  setTyping(typing: boolean): void {
    if (this.connected) this.socket!.emit(VisitorEvent.typingSet, { typing }, () => {});
  }

  /** The visitor has seen everything up to now; other tabs hear of it through the storage event. */
  markRead(): void {
    if (this.lastSeq <= this.readSeq) return;
    this.readSeq = this.lastSeq;
    save(STORAGE.read, this.readSeq);
    this.host.requestUpdate();
  }

  async identify(data: IdentifyData): Promise<void> {
    this.identity = data;
    // The site knows who this is: no pre-chat form for them.
    this.prechat = null;
    this.host.requestUpdate();
    await this.ready();
    await rpc(this.socket, VisitorEvent.identify, data);
  }

  /** The offline form: an e-mail (and name) for a reply. */
  async leaveContact(email: string, name: string): Promise<void> {
    await this.ready();
    const result = await rpc<{ email: string }>(this.socket, VisitorEvent.contactLeave, name ? { email, name } : { email });
    this.setContact(result.email);
  }

  /** The address replies (and a transcript asked for on resolve) go to; null: ask again. */
  setContact(email: string | null): void {
    this.contactEmail = email;
    this.host.requestUpdate();
  }

  async submitPrechat(input: PrechatSubmitInput): Promise<void> {
    await this.ready();
    await rpc(this.socket, VisitorEvent.prechatSubmit, input);
    this.prechat = null;
    this.host.requestUpdate();
  }

  /** The forms loaded on demand send through these (the event names stay here, with the others). */
  rate(input: RatingSubmitInput): Promise<unknown> {
    return this.call(VisitorEvent.ratingSubmit, input);
  }

  transcript(input: TranscriptRequestInput): Promise<TranscriptResult> {
    return this.call(VisitorEvent.transcriptRequest, input);
  }

  private async call<T>(event: string, payload: unknown): Promise<T> {
    await this.ready();
    return rpc<T>(this.socket, event, payload);
  }

  async startPrivacy(input: PrivacyStartInput): Promise<PrivacyStartResult> {
    await this.ready();
    const result = await rpc<PrivacyStartResult>(this.socket, VisitorEvent.privacyStart, input);
    if (result.status === 'filed') this.track(result);
    return result;
  }

  async verifyPrivacy(verificationId: string, code: string): Promise<FiledRequest> {
    await this.ready();
    const filed = await rpc<FiledRequest>(this.socket, VisitorEvent.privacyVerify, { verificationId, code });
    this.track(filed);
    return filed;
  }

  async resendCode(verificationId: string): Promise<void> {
    await this.ready();
    await rpc(this.socket, VisitorEvent.privacyResend, { verificationId });
  }

  /** Forgets this visitor in this browser: a new conversation starts at once. */
  reset(): void {
    for (const key of Object.values(STORAGE)) save(key, null);
    this.messages = [];
    this.pending = [];
    this.requests = [];
    this.lastSeq = 0;
    this.readSeq = 0;
    this.identity = null;
    this.contactEmail = null;
    this.ratingAsk = null;
    this.loaded = false;
    this.host.requestUpdate();
    this.socket?.disconnect().connect();
  }

  private ready(): Promise<void> {
    return this.connected ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** After every (re)connect: say hello, fetch what we missed, resend what is unacknowledged. */
  private sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const socket = this.socket!;
        const requestTokens = load<string[]>(STORAGE.requests, []);
        const hello = await rpc<HelloResult>(socket, VisitorEvent.hello, {
          token: load<string | null>(STORAGE.token, null),
          lang: this.lang,
          page: {
            url: location.href.slice(0, 2000),
            title: document.title.slice(0, 300),
            // The server keeps only the referrer's origin and path, and a checked zone name.
            referrer: document.referrer.slice(0, 2000),
            timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          },
          requestTokens,
        });
        save(STORAGE.token, hello.token);
        this.operatorsOnline = hello.operatorsOnline;
        this.contactEmail = hello.contactEmail;
        this.limits = hello.attachments;
        this.prechat = this.identity ? null : hello.prechat;
        this.availability = hello.availability;
        this.greeting = hello.greeting;
        this.awayMessage = hello.awayMessage;
        this.ratingAsk = hello.ratingAsk;
        if (this.lastSeq === 0 || !hello.conversation || hello.conversation.lastSeq < this.lastSeq) {
          this.messages = hello.messages;
          this.lastSeq = hello.messages.at(-1)?.seq ?? 0;
        }
        await this.catchUp();
        if (requestTokens.length) {
          const { requests } = await rpc<{ requests: TrackedRequest[] }>(socket, VisitorEvent.privacyStatus, { requestTokens });
          this.requests = requests;
        }
        if (this.identity) {
          // The page vouched for its user before we were connected; a bad signature only costs the claim.
          await rpc(socket, VisitorEvent.identify, this.identity).catch(() => undefined);
        }
        this.loaded = true;
        this.connected = true;
        // Every reconnect is a retry, for refused messages too: the same client id is stored only once.
        for (const p of this.pending) delete p.refused;
        for (const resolve of this.waiters.splice(0)) resolve();
        this.host.requestUpdate();
        await this.flushPending();
      } catch {
        // The server refused or did not answer: try again on the next connect.
        this.restart();
      } finally {
        this.syncing = null;
      }
    })();
    return this.syncing;
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await rpc<{ messages: MessageDto[]; lastSeq: number }>(this.socket, VisitorEvent.messageHistory, {
        afterSeq: this.lastSeq,
        limit: 200,
      });
      for (const message of page.messages) this.append(message);
      if (page.messages.length < 200) return;
    }
  }

  /**
   * Sends what is kept, one at a time in the order written (messages written meanwhile join the end), so
   * none overtakes another. Offline it does nothing: the next connect calls it.
   */
  private async flushPending(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.connected) {
        const next = this.pending.find((p) => !p.refused);
        if (!next || !(await this.deliver(next))) break;
      }
    } finally {
      this.flushing = false;
    }
  }

  /** False when the message could not be sent for now (it stays "Sending…"); true when answered. */
  private async deliver(pending: PendingMessage): Promise<boolean> {
    // A file goes up first, under the message's client id (the server stores it once), then is sent by its id.
    // Without its bytes (kept across a reload before it was uploaded) it is not sent: the visitor attaches it again.
    if (pending.file && !pending.attachment) {
      if (!pending.blob || !this.uploader) {
        this.refuse(pending, { code: 'not_found', message: '' });
        return true;
      }
      if (!(await this.uploader(pending, this.server + UPLOAD_PATH, load(STORAGE.token, null)))) return true;
    }
    try {
      const { message } = await rpc<{ message: MessageDto }>(this.socket, VisitorEvent.messageSend, {
        clientId: pending.clientId,
        text: pending.text,
        attachmentId: pending.attachment?.id,
      });
      this.remove(pending.clientId);
      this.append(message);
      // A new message reopens a resolved conversation (the server says nothing of it): the rating card goes.
      this.ratingAsk = null;
      return true;
    } catch (error) {
      if (error instanceof RpcError && error.error.code !== 'internal' && error.error.code !== 'unauthorized') {
        // A refusal (too long, too many, a conflicting id): shown with its reason; the rest go on.
        this.refuse(pending, error.error);
        return true;
      }
      // The connection dropped (the next connect resends it), or it is open but did not answer or the server
      // failed: a connection that does not work is started again. The resend has the same client id.
      if (this.socket?.connected) this.restart();
      return false;
    }
  }

  /** Shown as not sent, with the reason (retried by the visitor, or at the next connect). */
  refuse(pending: PendingMessage, error: AckError): void {
    pending.refused = error;
    this.persistPending();
    this.host.requestUpdate();
  }

  private restart(): void {
    this.socket?.disconnect();
    setTimeout(() => this.socket?.connect(), RESTART_MS);
  }

  private receive(message: MessageDto): void {
    if (message.seq > this.lastSeq + 1) {
      void this.catchUp().then(() => this.host.requestUpdate());
      return;
    }
    this.remove(message.clientId);
    this.append(message);
    if (message.author !== 'system') this.ratingAsk = null;
  }

  private append(message: MessageDto): void {
    if (message.seq <= this.lastSeq && this.messages.some((m) => m.seq === message.seq)) return;
    this.messages = [...this.messages, message].sort((a, b) => a.seq - b.seq);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    if (message.author === 'operator') this.setOperatorTyping(null);
    if (this.loaded) this.onNew(message);
    this.host.requestUpdate();
  }

  private setOperatorTyping(name: string | null): void {
    clearTimeout(this.typingTimer);
    this.operatorTyping = name;
    if (name !== null) this.typingTimer = setTimeout(() => this.setOperatorTyping(null), TYPING_TTL_MS);
    this.host.requestUpdate();
  }

  /** Forgets a kept message: acknowledged, or taken back by the visitor (the remove button of a message not sent). */
  remove(clientId: string): void {
    if (!this.pending.some((p) => p.clientId === clientId)) return;
    this.pending = this.pending.filter((p) => p.clientId !== clientId);
    this.persistPending();
    this.host.requestUpdate();
  }

  persistPending(): void {
    save(STORAGE.pending, this.pending.length ? this.pending.map(({ blob: _, progress: __, ...p }) => p) : null);
  }

  /** Another tab read the conversation (or reset it). */
  private onStorage = (event: StorageEvent) => {
    if (event.key === STORAGE.read) {
      this.readSeq = Math.max(this.readSeq, Number(event.newValue) || 0);
      this.host.requestUpdate();
    }
  };

  private track(filed: TrackedRequest): void {
    const tokens = load<string[]>(STORAGE.requests, []);
    if (!tokens.includes(filed.requestToken)) save(STORAGE.requests, [...tokens, filed.requestToken].slice(-20));
    this.requests = [
      ...this.requests.filter((r) => r.request.reference !== filed.request.reference),
      { requestToken: filed.requestToken, request: filed.request },
    ];
    this.host.requestUpdate();
  }

  private updateRequest(request: VisitorRequestDto): void {
    this.requests = this.requests.map((r) => (r.request.reference === request.reference ? { ...r, request } : r));
    this.host.requestUpdate();
  }
}
