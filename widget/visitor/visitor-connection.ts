import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { io, type Socket } from 'socket.io-client';
import { VISITOR_NAMESPACE, VisitorEvent, VisitorPush, type FiledRequest, type HelloResult, type PrivacyStartResult, type TrackedRequest, type VisitorClientToServer, type VisitorServerToClient } from '../../shared/protocol';
import type { PrivacyStartInput } from '../../shared/schemas';
import type { Lang, MessageDto, VisitorRequestDto } from '../../shared/types';
import { RpcError, rpc } from '../common/rpc';
import { STORAGE, type IdentifyData } from '../common/widget-api';

export interface PendingMessage {
  clientId: string;
  text: string;
  createdAt: number;
  failed: boolean;
}

type VisitorSocket = Socket<VisitorServerToClient, VisitorClientToServer>;

function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

function save(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, typeof value === 'string' ? value : JSON.stringify(value));
  } catch {
    /* storage full or blocked: the message still goes out, it just won't survive a reload */
  }
}

function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The visitor's connection, owned in one place: the socket, the conversation as this tab knows it,
 * messages waiting for their acknowledgement (kept in localStorage and retried with the same client id
 * until acknowledged, also across reloads), and the privacy requests this browser follows.
 */
export class VisitorConnection implements ReactiveController {
  messages: MessageDto[] = [];
  pending: PendingMessage[] = load<PendingMessage[]>(STORAGE.pending, []).map((p) => ({ ...p, failed: false }));
  requests: TrackedRequest[] = [];
  connected = false;
  operatorsOnline = true;
  operatorTyping: string | null = null;
  private lastSeq = 0;
  private socket: VisitorSocket | null = null;
  private syncing: Promise<void> | null = null;
  private flushing = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly server: string,
    private readonly lang: Lang,
    private readonly onIncoming: (message: MessageDto) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    if (this.socket) return;
    const socket: VisitorSocket = io(`${this.server}${VISITOR_NAMESPACE}`, { transports: ['websocket', 'polling'] });
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
    socket.on(VisitorPush.typing, ({ typing, name }) => {
      this.operatorTyping = typing ? name ?? '' : null;
      this.host.requestUpdate();
    });
    socket.on(VisitorPush.privacyUpdate, (request) => this.updateRequest(request));
  }

  hostDisconnected(): void {
    this.socket?.disconnect();
    this.socket = null;
  }

  /** Queues a message; it is kept until the server acknowledges it. */
  send(text: string): void {
    const message: PendingMessage = { clientId: newClientId(), text, createdAt: Date.now(), failed: false };
    this.pending = [...this.pending, message];
    this.persistPending();
    this.host.requestUpdate();
    void this.deliver(message);
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

  async identify(data: IdentifyData): Promise<void> {
    await this.ready();
    await rpc(this.socket, VisitorEvent.identify, data);
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

  /** Forgets this visitor in this browser: a new conversation starts next time. */
  reset(): void {
    for (const key of Object.values(STORAGE)) {
      try {
        localStorage.removeItem(key);
      } catch {
        /* ignore */
      }
    }
    this.messages = [];
    this.pending = [];
    this.requests = [];
    this.lastSeq = 0;
    this.socket?.disconnect().connect();
  }

  private ready(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.connected ? resolve() : setTimeout(check, 100));
      check();
    });
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
          page: { url: location.href.slice(0, 2000), title: document.title.slice(0, 300) },
          requestTokens,
        });
        save(STORAGE.token, JSON.stringify(hello.token));
        this.operatorsOnline = hello.operatorsOnline;
        if (this.lastSeq === 0 || !hello.conversation || hello.conversation.lastSeq < this.lastSeq) {
          this.messages = hello.messages;
          this.lastSeq = hello.messages.at(-1)?.seq ?? 0;
        }
        await this.catchUp();
        if (requestTokens.length) {
          const { requests } = await rpc<{ requests: TrackedRequest[] }>(socket, VisitorEvent.privacyStatus, { requestTokens });
          this.requests = requests;
        }
        this.connected = true;
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
      for (const message of page.messages) this.append(message, false);
      if (page.messages.length < 200) return;
    }
  }

  private async flushPending(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (const message of [...this.pending]) if (!message.failed) await this.deliver(message);
    } finally {
      this.flushing = false;
    }
  }

  private async deliver(pending: PendingMessage): Promise<void> {
    if (!this.socket?.connected) return;
    try {
      const { message } = await rpc<{ message: MessageDto }>(this.socket, VisitorEvent.messageSend, { clientId: pending.clientId, text: pending.text });
      this.acknowledge(pending.clientId);
      this.append(message, false);
    } catch (error) {
      // Refused for good (too long, conflicting id): show it as failed. No answer: keep it for the retry.
      if (error instanceof RpcError && error.error.code !== 'internal' && error.error.code !== 'unauthorized') {
        pending.failed = true;
        this.persistPending();
      }
      this.host.requestUpdate();
    }
  }

  private receive(message: MessageDto): void {
    if (message.seq > this.lastSeq + 1) {
      void this.catchUp().then(() => this.host.requestUpdate());
      return;
    }
    this.acknowledge(message.clientId);
    this.append(message, true);
  }

  private append(message: MessageDto, live: boolean): void {
    if (message.seq <= this.lastSeq && this.messages.some((m) => m.seq === message.seq)) return;
    this.messages = [...this.messages, message].sort((a, b) => a.seq - b.seq);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    if (message.author === 'operator') this.operatorTyping = null;
    if (live) this.onIncoming(message);
    this.host.requestUpdate();
  }

  private acknowledge(clientId: string): void {
    if (!this.pending.some((p) => p.clientId === clientId)) return;
    this.pending = this.pending.filter((p) => p.clientId !== clientId);
    this.persistPending();
    this.host.requestUpdate();
  }

  private persistPending(): void {
    if (this.pending.length) save(STORAGE.pending, this.pending);
    else {
      try {
        localStorage.removeItem(STORAGE.pending);
      } catch {
        /* ignore */
      }
    }
  }

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
