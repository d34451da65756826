import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import { OPERATOR_NAMESPACE, OperatorPush, type OperatorMessagePush } from '../../shared/protocol';
import type { ConversationDto, MessageDto, PrivacyRequestDto } from '../../shared/types';
import { OperatorFanOut } from '../../server/realtime/operator-fanout';
import type { OperatorNamespace } from '../../server/realtime/operator-namespace';
import { rooms } from '../../server/realtime/rooms';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real Socket.IO server whose operator namespace puts every socket in the operators' room, and one client. */
async function setup(everyMs?: number, requestsEveryMs?: number): Promise<{ fanOut: OperatorFanOut; frames: Array<[string, unknown]> }> {
  const server = http.createServer();
  const io = new Server(server);
  const nsp = io.of(OPERATOR_NAMESPACE) as unknown as OperatorNamespace;
  nsp.on('connection', (socket) => void socket.join(rooms.operators));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => void io.close(() => resolve())));
  const client: ClientSocket = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}${OPERATOR_NAMESPACE}`, {
    transports: ['websocket'],
    forceNew: true,
  });
  cleanups.push(() => void client.close());
  const frames: Array<[string, unknown]> = [];
  client.onAny((event: string, payload: unknown) => frames.push([event, payload]));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  // The server has run its connection handler (joined the room) once it answers.
  await new Promise<void>((resolve) => {
    const check = () => (nsp.adapter.rooms.get(rooms.operators)?.size ? resolve() : setImmediate(check));
    check();
  });
  return { fanOut: new OperatorFanOut(nsp, everyMs, requestsEveryMs), frames };
}

function push(seq: number): OperatorMessagePush {
  const conversation = { id: 'c1', lastSeq: seq, assignedOperatorId: null } as ConversationDto;
  const message = {
    id: seq,
    seq,
    clientId: `m${seq}`,
    author: 'visitor',
    operatorName: null,
    text: `text ${seq}`,
    createdAt: 0,
    conversationId: 'c1',
  } as MessageDto;
  return { message, conversation };
}

async function until(frames: unknown[], count: number): Promise<void> {
  while (frames.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('pushes to operators', () => {
  test('new messages of one turn leave as one frame, in order', async () => {
    const { fanOut, frames } = await setup();
    fanOut.message(push(1));
    fanOut.message(push(2));
    fanOut.message(push(3));
    await until(frames, 1);
    fanOut.message(push(4));
    await until(frames, 2);
    expect(frames.map(([event]) => event)).toEqual([OperatorPush.messages, OperatorPush.messages]);
    expect((frames[0][1] as OperatorMessagePush[]).map((p) => p.message.seq)).toEqual([1, 2, 3]);
    expect((frames[1][1] as OperatorMessagePush[]).map((p) => p.message.seq)).toEqual([4]);
  });

  test('messages of later turns that come within the interval of the last frame wait for it and share the next frame', async () => {
    const { fanOut, frames } = await setup(1000);
    fanOut.message(push(1));
    // The first batch leaves at the end of this turn; the next two come in later turns, well within 1 s.
    await new Promise((resolve) => setImmediate(resolve));
    fanOut.message(push(2));
    await new Promise((resolve) => setImmediate(resolve));
    fanOut.message(push(3));
    await until(frames, 2);
    expect((frames[0][1] as OperatorMessagePush[]).map((p) => p.message.seq)).toEqual([1]);
    expect((frames[1][1] as OperatorMessagePush[]).map((p) => p.message.seq)).toEqual([2, 3]);
  });

  test('changed privacy requests leave together in one frame, each request once, as it is now', async () => {
    const { fanOut, frames } = await setup();
    const request = (id: number, state: PrivacyRequestDto['state']) => ({ id, state }) as PrivacyRequestDto;
    fanOut.message(push(1));
    fanOut.privacyRequest(request(1, 'awaiting_verification'));
    fanOut.privacyRequest(request(2, 'awaiting_verification'));
    fanOut.privacyRequest(request(1, 'verified'));
    await until(frames, 2);
    expect(frames.map(([event]) => event)).toEqual([OperatorPush.messages, OperatorPush.privacyUpserts]);
    expect(frames[1][1]).toEqual([request(2, 'awaiting_verification'), request(1, 'verified')]);
  });

  test('changed requests of later turns wait for their own, longer interval: messages and other pushes do not send them early, flush() does', async () => {
    const { fanOut, frames } = await setup(undefined, 60_000);
    const request = (id: number) => ({ id, state: 'awaiting_verification' }) as PrivacyRequestDto;
    fanOut.privacyRequest(request(1));
    await until(frames, 1);
    // Within the minute: request 2 waits, the message after it does not, nor does an unrelated push.
    fanOut.privacyRequest(request(2));
    fanOut.message(push(1));
    await until(frames, 2);
    fanOut.emit(OperatorPush.conversationUpsert, push(1).conversation);
    await until(frames, 3);
    expect(frames.map(([event]) => event)).toEqual([OperatorPush.privacyUpserts, OperatorPush.messages, OperatorPush.conversationUpsert]);
    fanOut.flush();
    await until(frames, 4);
    expect(frames[3]).toEqual([OperatorPush.privacyUpserts, [request(2)]]);
  });

  test('messages sent early by another push start their interval again: one arriving in the same turn waits for it', async () => {
    const { fanOut, frames } = await setup(60_000, 0);
    fanOut.message(push(1));
    fanOut.emit(OperatorPush.conversationUpsert, push(1).conversation);
    fanOut.message(push(2));
    // A later turn's request frame comes next on the wire: message 2 was not sent at the end of the first turn.
    await new Promise((resolve) => setImmediate(resolve));
    fanOut.privacyRequest({ id: 1, state: 'verified' } as PrivacyRequestDto);
    await until(frames, 3);
    expect(frames.map(([event]) => event)).toEqual([OperatorPush.messages, OperatorPush.conversationUpsert, OperatorPush.privacyUpserts]);
    fanOut.flush();
    await until(frames, 4);
    expect(frames[3][0]).toBe(OperatorPush.messages);
    expect((frames[3][1] as OperatorMessagePush[]).map((p) => p.message.seq)).toEqual([2]);
  });

  test('any other push first sends the messages waiting, so nothing overtakes what happened before it', async () => {
    const { fanOut, frames } = await setup();
    fanOut.message(push(1));
    // The assignment that the message caused, pushed in the same turn.
    fanOut.emit(OperatorPush.conversationUpsert, { ...push(1).conversation, assignedOperatorId: 7 });
    fanOut.message(push(2));
    await until(frames, 3);
    expect(frames.map(([event]) => event)).toEqual([OperatorPush.messages, OperatorPush.conversationUpsert, OperatorPush.messages]);
    expect((frames[1][1] as ConversationDto).assignedOperatorId).toBe(7);
  });
});
