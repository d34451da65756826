import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { io, type Socket } from 'socket.io-client';
import { OPERATOR_NAMESPACE, OperatorEvent, OperatorPush, type OperatorClientToServer, type OperatorRpc, type OperatorServerToClient } from '../../shared/protocol';
import type { ConversationDto, MessageDto, OperatorDto, PrivacyRequestDto } from '../../shared/types';
import { rpc } from '../common/rpc';

type OperatorSocket = Socket<OperatorServerToClient, OperatorClientToServer>;

/**
 * The console's connection and live state, owned by the app element and handed down: conversations,
 * the messages of opened conversations (kept in sequence order, gaps refetched), privacy requests.
 */
export class ConsoleStore implements ReactiveController {
  conversations = new Map<string, ConversationDto>();
  messages = new Map<string, MessageDto[]>();
  requests = new Map<number, PrivacyRequestDto>();
  typing = new Set<string>();
  connected = false;
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

  connect(): void {
    const socket: OperatorSocket = io(OPERATOR_NAMESPACE, { transports: ['websocket', 'polling'], withCredentials: true });
    this.socket = socket;
    socket.on('connect', () => {
      this.connected = true;
      void this.resync();
    });
    socket.on('disconnect', () => {
      this.connected = false;
      this.changed();
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized') location.reload();
    });
    socket.on(OperatorPush.conversationUpsert, (c) => {
      this.conversations.set(c.id, c);
      this.changed();
    });
    socket.on(OperatorPush.messageNew, (m) => this.addMessage(m));
    socket.on(OperatorPush.typing, ({ conversationId, typing }) => {
      if (typing) this.typing.add(conversationId);
      else this.typing.delete(conversationId);
      this.changed();
    });
    socket.on(OperatorPush.privacyUpsert, (r) => {
      this.requests.set(r.id, r);
      this.changed();
    });
  }

  disconnect(): void {
    this.socket?.disconnect();
  }

  call<K extends keyof OperatorRpc & string>(event: K, payload: OperatorRpc[K]['in']): Promise<OperatorRpc[K]['out']> {
    return rpc(this.socket, event, payload);
  }

  /** After every (re)connect: reload the lists, catch up every opened conversation from its last sequence. */
  private async resync(): Promise<void> {
    const [open, resolved, privacy] = await Promise.all([
      this.call(OperatorEvent.conversationList, { view: 'open' }),
      this.call(OperatorEvent.conversationList, { view: 'resolved' }),
      this.call(OperatorEvent.privacyList, {}),
    ]);
    for (const c of [...open.conversations, ...resolved.conversations]) this.conversations.set(c.id, c);
    this.requests = new Map(privacy.requests.map((r) => [r.id, r]));
    for (const id of this.messages.keys()) await this.loadMessages(id);
    this.changed();
  }

  async loadMessages(conversationId: string): Promise<void> {
    const known = this.messages.get(conversationId) ?? [];
    const afterSeq = known.at(-1)?.seq;
    const { conversation, messages } = await this.call(OperatorEvent.conversationOpen, afterSeq === undefined ? { conversationId } : { conversationId, afterSeq });
    this.conversations.set(conversation.id, conversation);
    this.merge(conversationId, messages);
  }

  private addMessage(message: MessageDto): void {
    const known = this.messages.get(message.conversationId);
    if (!known) return; // not opened here; the list's preview comes with conversation:upsert
    const last = known.at(-1)?.seq ?? 0;
    if (message.seq > last + 1) void this.loadMessages(message.conversationId);
    else this.merge(message.conversationId, [message]);
  }

  private merge(conversationId: string, incoming: MessageDto[]): void {
    const bySeq = new Map((this.messages.get(conversationId) ?? []).map((m) => [m.seq, m]));
    for (const m of incoming) bySeq.set(m.seq, m);
    this.messages.set(conversationId, [...bySeq.values()].sort((a, b) => a.seq - b.seq));
    this.changed();
  }

  private changed(): void {
    for (const host of this.hosts) host.requestUpdate();
  }
}
