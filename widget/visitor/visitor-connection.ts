import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Manager, type Socket } from 'socket.io-client';
import { VISITOR_NAMESPACE, VisitorEvent, VisitorPush, type FiledRequest, type HelloResult, type PrivacyStartResult, type TrackedRequest, type VisitorClientToServer, type VisitorServerToClient } from '../../shared/protocol';
import type { PrivacyStartInput } from '../../shared/schemas';
import type { Lang, MessageDto, VisitorRequestDto } from '../../shared/types';
import { RpcError, rpc } from '../common/rpc';
import { STORAGE, type IdentifyData } from '../common/widget-api';
import { newClientId } from '../common/client-id';

export interface PendingMessage {
  clientId: string;
  text: string;
  createdAt: number;
  /** The server refused it for good (or did not answer in time): shown with a retry button. */
  failed: boolean;
}

type VisitorSocket = Socket<VisitorServerToClient, VisitorClientToServer>;

/** An operator who stops typing without saying so (closed their tab) stops showing after this long. */
const TYPING_TTL_MS = 8000;

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
  pending: PendingMessage[] = load<PendingMessage[]>(STORAGE.pending, []).map((p) => ({ ...p, failed: false }));
  requests: TrackedRequest[] = [];
  /** Said hello at least once: the conversation is loaded. */
  loaded = false;
  connected = false;
  operatorsOnline = true;
  operatorTyping: string | null = null;
  contactEmail: string | null = null;
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
    private readonly lang: Lang,
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
    socket.on('disconnect', () => {
      this.connected = false;
      this.host.requestUpdate();
    });
    socket.on(VisitorPush.messageNew, (message) => this.receive(message));
    socket.on(VisitorPush.presence, ({ operatorsOnline }) => {
      this.operatorsOnline = operatorsOnline;
      this.host.requestUpdate();
    });
    socket.on(VisitorPush.typing, ({ typing, name }) => this.setOperatorTyping(typing ? name ?? '' : null));
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

  /** Queues a message; it is kept until the server acknowledges it. */
  send(text: string): void {
    const message: PendingMessage = { clientId: newClientId(), text, createdAt: Date.now(), failed: false };
    this.pending = [...this.pending, message];
    this.persistPending();
    this.host.requestUpdate();
    // While older messages are being resent, this one waits its turn: it must not overtake them.
    if (!this.flushing) void this.deliver(message);
  }

  retry(clientId: string): void {
    const message = this.pending.find((p) => p.clientId === clientId);
    if (!message) return;
    message.failed = false;
    this.host.requestUpdate();
    void this.deliver(message);
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
    await this.ready();
    await rpc(this.socket, VisitorEvent.identify, data);
  }

  /** The offline form: an e-mail (and name) for a reply. */
  async leaveContact(email: string, name: string): Promise<void> {
    await this.ready();
    const result = await rpc<{ email: string }>(this.socket, VisitorEvent.contactLeave, name ? { email, name } : { email });
    this.contactEmail = result.email;
    this.host.requestUpdate();
  }

  changeContact(): void {
    this.contactEmail = null;
    this.host.requestUpdate();
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
        for (const resolve of this.waiters.splice(0)) resolve();
        this.host.requestUpdate();
        await this.flushPending();
      } catch {
        // The server refused or did not answer: try again on the next connect.
        this.socket?.disconnect();
        setTimeout(() => this.socket?.connect(), 2000);
      } finally {
        this.syncing = null;
      }
    })();
    return this.syncing;
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await rpc<{ messages: MessageDto[]; lastSeq: number }>(this.socket, VisitorEvent.messageHistory, { afterSeq: this.lastSeq, limit: 200 });
      for (const message of page.messages) this.append(message);
      if (page.messages.length < 200) return;
    }
  }

  private async flushPending(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      // Every reconnect is a retry, for failed messages too: the same client id is stored only once.
      // One at a time in the order written, including messages written meanwhile, so order is kept.
      const tried = new Set<string>();
      for (let message: PendingMessage | undefined = this.pending[0]; message; message = this.pending.find((p) => !tried.has(p.clientId))) {
        tried.add(message.clientId);
        message.failed = false;
        await this.deliver(message);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async deliver(pending: PendingMessage): Promise<void> {
    if (!this.connected) return; // sent by flushPending once the connection is back
    try {
      const { message } = await rpc<{ message: MessageDto }>(this.socket, VisitorEvent.messageSend, { clientId: pending.clientId, text: pending.text });
      this.acknowledge(pending.clientId);
      this.append(message);
    } catch (error) {
      // Refused (too long, too many, conflicting id) or no answer in time: show it as failed, with a retry.
      // It stays stored either way; a dropped connection resends it on reconnect.
      if (!(error instanceof RpcError) || (error.error.code !== 'internal' && error.error.code !== 'unauthorized')) {
        if (this.socket?.connected) pending.failed = true;
      }
      this.persistPending();
      this.host.requestUpdate();
    }
  }

  private receive(message: MessageDto): void {
    if (message.seq > this.lastSeq + 1) {
      void this.catchUp().then(() => this.host.requestUpdate());
      return;
    }
    this.acknowledge(message.clientId);
    this.append(message);
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

  private acknowledge(clientId: string): void {
    if (!this.pending.some((p) => p.clientId === clientId)) return;
    this.pending = this.pending.filter((p) => p.clientId !== clientId);
    this.persistPending();
    this.host.requestUpdate();
  }

  private persistPending(): void {
    save(STORAGE.pending, this.pending.length ? this.pending : null);
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
    this.requests = [...this.requests.filter((r) => r.request.reference !== filed.request.reference), { requestToken: filed.requestToken, request: filed.request }];
    this.host.requestUpdate();
  }

  private updateRequest(request: VisitorRequestDto): void {
    this.requests = this.requests.map((r) => (r.request.reference === request.reference ? { ...r, request } : r));
    this.host.requestUpdate();
  }
}
