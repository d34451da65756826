/**
 * Socket clients with the delivery rules of our own widget and console, for fault tests: they resend
 * unacknowledged messages with the same client id and catch up by sequence after every reconnect.
 * They reuse the widget's `rpc` (emit with a timeout); the catch-up follows
 * widget/visitor/visitor-connection.ts and widget/console/console-store.ts.
 */
import crypto from 'node:crypto';
import { io } from 'socket.io-client';
import {
  OPERATOR_NAMESPACE,
  OperatorEvent,
  OperatorPush,
  VISITOR_NAMESPACE,
  VisitorEvent,
  VisitorPush,
  type HelloResult,
  type OperatorRpc,
} from '../../shared/protocol';
import type { ConversationDto, MessageDto } from '../../shared/types';
import { RpcError, rpc } from '../../widget/common/rpc';
import type { OperatorClient, VisitorClient } from './test-app';

/** Faster than the browser defaults (1 s … 5 s) so fault tests stay short; same behaviour otherwise. */
const RECONNECT = { reconnectionDelay: 100, reconnectionDelayMax: 500, randomizationFactor: 0.3 };
const RPC_TIMEOUT_MS = 5000;
const PAGE = 200;

export function newClientId(): string {
  return crypto.randomBytes(12).toString('base64url');
}

/** Resolves once `condition()` holds; rejects with `what` after `timeoutMs`. Polls, for state that has no event. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A visitor that keeps every message until the server acknowledges it and resends it with the same
 * client id after each reconnect. Messages go out one at a time in the order written, so a resend can
 * never overtake a later message.
 */
export class RetryingVisitor {
  readonly socket: VisitorClient;
  token: string | null = null;
  conversationId: string | null = null;
  /** Client ids in the order they were written. */
  readonly sent: string[] = [];
  /** What the server acknowledged, by client id. */
  readonly acked = new Map<string, MessageDto>();
  /** The conversation as this visitor knows it, by sequence. */
  readonly seen = new Map<number, MessageDto>();
  /** Broken guarantees seen from here: a refused message, or two different answers for one id. */
  readonly problems: string[] = [];
  private lastSeq = 0;
  private pending: Array<{ clientId: string; text: string }> = [];
  private ready = false;
  private pumping = false;
  private closed = false;
  private syncing: Promise<void> = Promise.resolve();

  constructor(url: string) {
    this.socket = io(`${url}${VISITOR_NAMESPACE}`, { transports: ['websocket'], forceNew: true, ...RECONNECT });
    this.socket.on('connect', () => {
      this.syncing = this.syncing.then(() => this.sync());
    });
    this.socket.on('disconnect', () => {
      this.ready = false;
    });
    this.socket.on(VisitorPush.messageNew, (message) => this.receive(message));
  }

  /** Writes a message; returns its client id. */
  send(text: string): string {
    const clientId = newClientId();
    this.sent.push(clientId);
    this.pending.push({ clientId, text });
    void this.pump();
    return clientId;
  }

  get unacknowledged(): number {
    return this.pending.length;
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }

  /** After every (re)connect: hello with the same token, fetch what was missed, resend what is unacknowledged. */
  private async sync(): Promise<void> {
    if (!this.socket.connected) return;
    try {
      const hello = await rpc<HelloResult>(this.socket, VisitorEvent.hello, this.token ? { token: this.token } : {}, RPC_TIMEOUT_MS);
      this.token = hello.token;
      this.conversationId = hello.conversation?.id ?? this.conversationId;
      for (const message of hello.messages) this.remember(message);
      await this.catchUp();
      this.ready = true;
      void this.pump();
    } catch {
      // The connection went away mid-sync (the next `connect` syncs again) or the server did not answer.
      if (this.socket.connected && !this.closed) {
        this.socket.disconnect();
        setTimeout(() => !this.closed && this.socket.connect(), 200);
      }
    }
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await rpc<{ messages: MessageDto[]; lastSeq: number }>(
        this.socket,
        VisitorEvent.messageHistory,
        { afterSeq: this.lastSeq, limit: PAGE },
        RPC_TIMEOUT_MS,
      );
      for (const message of page.messages) this.remember(message);
      if (page.messages.length < PAGE) return;
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping || !this.ready) return;
    this.pumping = true;
    try {
      while (this.ready && this.pending.length) {
        const next = this.pending[0];
        let message: MessageDto;
        try {
          ({ message } = await rpc<{ message: MessageDto }>(this.socket, VisitorEvent.messageSend, next, RPC_TIMEOUT_MS));
        } catch (error) {
          if (error instanceof RpcError && error.error.code !== 'internal') {
            this.problems.push(`${next.clientId} refused: ${error.error.code}`);
            this.pending.shift();
            continue;
          }
          // No answer, or the server is shutting down: keep it and send it again.
          if (this.socket.connected && !this.closed) setTimeout(() => void this.pump(), 200);
          return;
        }
        const earlier = this.acked.get(next.clientId);
        if (earlier && (earlier.seq !== message.seq || earlier.conversationId !== message.conversationId)) {
          this.problems.push(`${next.clientId} acknowledged twice differently: seq ${earlier.seq} then ${message.seq}`);
        }
        this.acked.set(next.clientId, message);
        this.conversationId ??= message.conversationId;
        this.pending.shift();
        this.remember(message);
      }
    } finally {
      this.pumping = false;
    }
  }

  private receive(message: MessageDto): void {
    if (message.seq > this.lastSeq + 1) void this.catchUp().catch(() => {});
    else this.remember(message);
  }

  private remember(message: MessageDto): void {
    this.seen.set(message.seq, message);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
  }
}

/**
 * An operator console that follows every conversation (as if each were open): message pushes carry
 * their sequence, a gap or a newer `lastSeq` in a conversation update fetches what is missing, and
 * every reconnect reloads the lists and catches each conversation up from its last sequence, page by page.
 */
export class CatchingUpOperator {
  readonly socket: OperatorClient;
  readonly conversations = new Map<string, ConversationDto>();
  readonly messages = new Map<string, MessageDto[]>();
  /** Completed resyncs (one per connect that got through). */
  resyncs = 0;
  private readonly loading = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(url: string, cookie: string) {
    this.socket = io(`${url}${OPERATOR_NAMESPACE}`, { transports: ['websocket'], forceNew: true, extraHeaders: { cookie }, ...RECONNECT });
    this.socket.on('connect', () => void this.resync());
    this.socket.on(OperatorPush.conversationUpsert, (conversation) => {
      this.conversations.set(conversation.id, conversation);
      if (conversation.lastSeq > this.lastSeq(conversation.id)) void this.load(conversation.id);
    });
    this.socket.on(OperatorPush.messages, (pushes) => {
      for (const { message, conversation } of pushes) {
        this.conversations.set(conversation.id, conversation);
        if (message.seq > this.lastSeq(message.conversationId) + 1) void this.load(message.conversationId);
        else this.merge(message.conversationId, [message]);
      }
    });
  }

  lastSeq(conversationId: string): number {
    return this.messages.get(conversationId)?.at(-1)?.seq ?? 0;
  }

  close(): void {
    this.socket.close();
  }

  private call<K extends keyof OperatorRpc & string>(event: K, payload: OperatorRpc[K]['in']): Promise<OperatorRpc[K]['out']> {
    return rpc(this.socket, event, payload, RPC_TIMEOUT_MS);
  }

  private async resync(): Promise<void> {
    try {
      const [open, resolved] = await Promise.all([
        this.call(OperatorEvent.conversationList, { view: 'open' }),
        this.call(OperatorEvent.conversationList, { view: 'resolved' }),
      ]);
      for (const c of [...open.conversations, ...resolved.conversations]) this.conversations.set(c.id, c);
      await Promise.all([...this.conversations.keys()].map((id) => this.load(id)));
      this.resyncs++;
    } catch {
      // Disconnected mid-resync: the next connect resyncs.
    }
  }

  /** Fetches everything after the last known sequence; a call while one runs makes it go round again. */
  private load(conversationId: string): Promise<void> {
    const running = this.loading.get(conversationId);
    if (running) {
      this.again.add(conversationId);
      return running;
    }
    const run = (async () => {
      try {
        do {
          this.again.delete(conversationId);
          for (;;) {
            const { conversation, messages } = await this.call(OperatorEvent.conversationOpen, {
              conversationId,
              afterSeq: this.lastSeq(conversationId),
              limit: PAGE,
            });
            this.conversations.set(conversation.id, conversation);
            this.merge(conversationId, messages);
            if (messages.length < PAGE) break;
          }
        } while (this.again.has(conversationId));
      } catch {
        // Disconnected: the next connect loads it again.
      } finally {
        this.loading.delete(conversationId);
      }
    })();
    this.loading.set(conversationId, run);
    return run;
  }

  private merge(conversationId: string, incoming: MessageDto[]): void {
    const bySeq = new Map((this.messages.get(conversationId) ?? []).map((m) => [m.seq, m]));
    for (const m of incoming) bySeq.set(m.seq, m);
    this.messages.set(
      conversationId,
      [...bySeq.values()].sort((a, b) => a.seq - b.seq),
    );
  }
}
