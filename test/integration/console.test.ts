import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import { OperatorEvent, OperatorPush, VisitorEvent, VisitorPush } from '../../shared/protocol';
import type { ConversationDto, NoteDto, TeamMemberDto } from '../../shared/types';
import { newClientId, waitFor } from '../helpers/durable-clients';
import { say, socketTracker } from '../helpers/sockets';
import {
  ADMIN,
  TestClock,
  call,
  connected,
  next,
  ok,
  operatorClient,
  signIn,
  startTestApp,
  visitorClient,
  type OperatorClient,
  type TestApp,
  type VisitorClient,
} from '../helpers/test-app';

let t: TestApp;
const sockets = socketTracker();

afterEach(async () => {
  sockets.closeAll();
  await t?.close();
});

const OP = { email: 'olga@example.test', name: 'Olga', password: 'operator password 1' };
const OP2 = { email: 'petr@example.test', name: 'Petr', password: 'operator password 2' };

async function operator(email = ADMIN.email, password = ADMIN.password): Promise<{ socket: OperatorClient; cookie: string }> {
  const cookie = await signIn(t.url, email, password);
  const socket = sockets.track(operatorClient(t.url, cookie));
  await connected(socket);
  return { socket, cookie };
}

async function addOperator(
  account: { email: string; name: string; password: string },
  role: 'admin' | 'operator' = 'operator',
): Promise<number> {
  return (await t.app.services.auth.createOperator({ ...account, role })).id;
}

async function visitor(page?: Record<string, string>, headers: Record<string, string> = {}): Promise<VisitorClient> {
  const socket = sockets.track(visitorClient(t.url, headers));
  await ok(socket, VisitorEvent.hello, page ? { page: page as { url: string; title: string } } : {});
  return socket;
}

function login(email: string, password: string) {
  return fetch(`${t.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
}

function disconnection(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

describe('accounts', () => {
  test('five wrong passwords lock the account for 15 minutes, even against the right password', async () => {
    const clock = new TestClock();
    t = await startTestApp({ clock });
    for (let i = 0; i < 5; i++) expect((await login(ADMIN.email, 'wrong password')).status).toBe(401);
    const locked = await login(ADMIN.email, ADMIN.password);
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    clock.advance(15 * 60 * 1000);
    expect((await login(ADMIN.email, ADMIN.password)).status).toBe(200);
  });

  test('twenty failed sign-ins from one address lock that address out of every account', async () => {
    t = await startTestApp();
    await addOperator(OP);
    for (let i = 0; i < 20; i++) expect((await login(`nobody${i}@example.test`, 'wrong password')).status).toBe(401);
    expect((await login(OP.email, OP.password)).status).toBe(429);
  });

  test('a session expires after its lifetime: the cookie stops working and the live socket is cut on its next event', async () => {
    const clock = new TestClock();
    t = await startTestApp({ clock });
    const { socket, cookie } = await operator();
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
    clock.advance(t.config.sessionTtlMs + 1);
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
    const cut = disconnection(socket);
    expect(await call(socket, OperatorEvent.teamList, {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await cut).toBe('io server disconnect');
  });

  test('changing your own password needs the current one, ends your other sessions at once and keeps this one', async () => {
    t = await startTestApp();
    await addOperator(OP);
    const here = await operator(OP.email, OP.password);
    const elsewhere = await operator(OP.email, OP.password);
    expect(
      await call(here.socket, OperatorEvent.passwordChange, { currentPassword: 'not it at all', newPassword: 'a brand new password' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const cut = disconnection(elsewhere.socket);
    await ok(here.socket, OperatorEvent.passwordChange, { currentPassword: OP.password, newPassword: 'a brand new password' });
    expect(await cut).toBe('io server disconnect');
    expect(here.socket.connected).toBe(true);
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie: here.cookie } })).status).toBe(200);
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie: elsewhere.cookie } })).status).toBe(401);
    expect((await login(OP.email, OP.password)).status).toBe(401);
    expect((await login(OP.email, 'a brand new password')).status).toBe(200);
  });

  test('an admin adds an operator with a generated password, shown once and stored only as a scrypt hash', async () => {
    t = await startTestApp();
    const { socket: admin } = await operator();
    const teamPush = next<TeamMemberDto[]>(admin, OperatorPush.team, (team) => team.some((m) => m.email === OP.email));
    const { operator: created, password } = await ok(admin, OperatorEvent.operatorCreate, {
      email: OP.email,
      name: OP.name,
      role: 'operator',
    });
    expect(created).toMatchObject({ email: OP.email, name: OP.name, role: 'operator', disabled: false, presence: 'offline' });
    expect(password).toMatch(/^.{18}$/);
    await teamPush;
    const stored = t.db.prepare('SELECT password_hash FROM operators WHERE id = ?').pluck().get(created.id) as string;
    expect(stored.startsWith('scrypt$')).toBe(true);
    expect(stored).not.toContain(password!);
    expect((await login(OP.email, password!)).status).toBe(200);
    expect(await call(admin, OperatorEvent.operatorCreate, { email: OP.email, name: 'Again', role: 'operator' })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
  });

  test('disabling an operator cuts their live connection at once; they cannot sign in until re-enabled', async () => {
    t = await startTestApp();
    const id = await addOperator(OP);
    const { socket: admin } = await operator();
    const { socket: olga } = await operator(OP.email, OP.password);
    const cut = disconnection(olga);
    const { operator: disabled } = await ok(admin, OperatorEvent.operatorDisable, { id, disabled: true });
    expect(disabled.disabled).toBe(true);
    expect(await cut).toBe('io server disconnect');
    expect((await login(OP.email, OP.password)).status).toBe(401);
    await ok(admin, OperatorEvent.operatorDisable, { id, disabled: false });
    expect((await login(OP.email, OP.password)).status).toBe(200);
  });

  test('an admin cannot disable themself, and only admins manage accounts', async () => {
    t = await startTestApp();
    const id = await addOperator(OP);
    const { socket: admin } = await operator();
    const { socket: olga } = await operator(OP.email, OP.password);
    expect(await call(admin, OperatorEvent.operatorDisable, { id: 1, disabled: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid_state' },
    });
    expect(await call(olga, OperatorEvent.operatorCreate, { email: 'x@example.test', name: 'X', role: 'admin' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await call(olga, OperatorEvent.operatorDisable, { id: 1, disabled: true })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await call(olga, OperatorEvent.operatorResetPassword, { id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(t.db.prepare('SELECT count(*) FROM operators WHERE disabled = 1').pluck().get()).toBe(0);
  });

  test("a password reset by an admin ends the operator's sessions and the new password works", async () => {
    t = await startTestApp();
    const id = await addOperator(OP);
    const { socket: admin } = await operator();
    const olga = await operator(OP.email, OP.password);
    const cut = disconnection(olga.socket);
    const { password } = await ok(admin, OperatorEvent.operatorResetPassword, { id });
    expect(await cut).toBe('io server disconnect');
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie: olga.cookie } })).status).toBe(401);
    expect((await login(OP.email, password!)).status).toBe(200);
  });

  test('the admin command line adds, lists, disables and re-enables operators in the same database', async () => {
    t = await startTestApp();
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', path.resolve('server/cli/admin-cli.ts'), ...args], {
        env: { ...process.env, DATABASE_PATH: t.config.databasePath },
      });
    const added = await run('add-operator', '--email', OP.email, '--name', OP.name, '--role', 'operator');
    const password = /Password \(shown once\): (\S+)/.exec(added.stdout)?.[1];
    expect(password).toBeDefined();
    expect((await login(OP.email, password!)).status).toBe(200);
    expect((await run('list-operators')).stdout).toMatch(/operator\s+enabled\s+Olga <olga@example.test>/);
    await run('disable', '--email', OP.email);
    expect((await login(OP.email, password!)).status).toBe(401);
    await run('enable', '--email', OP.email);
    expect((await login(OP.email, password!)).status).toBe(200);
    await expect(run('add-operator', '--email', 'not-an-email', '--name', 'X')).rejects.toMatchObject({ code: 2 });
  });
});

describe('inbox', () => {
  test('an operator transfers their conversation to a colleague; a third cannot take it from them, an admin can', async () => {
    t = await startTestApp();
    const olgaId = await addOperator(OP);
    const petrId = await addOperator(OP2);
    const { socket: admin } = await operator();
    const { socket: olga } = await operator(OP.email, OP.password);
    const { socket: petr } = await operator(OP2.email, OP2.password);
    const conversationId = await say(await visitor(), 'who can help me?');
    await ok(olga, OperatorEvent.conversationClaim, { conversationId });

    const seen = next<ConversationDto>(petr, OperatorPush.conversationUpsert, (c) => c.assignedOperatorId === petrId);
    const { conversation } = await ok(olga, OperatorEvent.conversationAssign, { conversationId, operatorId: petrId });
    expect(conversation).toMatchObject({ assignedOperatorId: petrId, assignedOperatorName: 'Petr' });
    await seen;
    expect(await call(olga, OperatorEvent.conversationAssign, { conversationId, operatorId: olgaId })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    await ok(admin, OperatorEvent.conversationAssign, { conversationId, operatorId: olgaId });
    expect(t.db.prepare('SELECT assigned_operator_id FROM conversations').pluck().get()).toBe(olgaId);
    expect(await call(admin, OperatorEvent.conversationAssign, { conversationId, operatorId: 999 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  test('unread counts count visitor messages after what the operator has read', async () => {
    t = await startTestApp();
    const { socket: admin } = await operator();
    const v = await visitor();
    const conversationId = await say(v, 'one');
    await say(v, 'two');
    expect((await ok(admin, OperatorEvent.conversationUnread, {})).unread).toEqual({ [conversationId]: 2 });
    await ok(admin, OperatorEvent.conversationRead, { conversationId, seq: 1 });
    expect((await ok(admin, OperatorEvent.conversationUnread, {})).unread).toEqual({ [conversationId]: 1 });
    await ok(admin, OperatorEvent.conversationRead, { conversationId, seq: 2 });
    // A stale mark arriving late does not move it back.
    await ok(admin, OperatorEvent.conversationRead, { conversationId, seq: 1 });
    expect((await ok(admin, OperatorEvent.conversationUnread, {})).unread).toEqual({});
    expect(await call(admin, OperatorEvent.conversationRead, { conversationId, seq: 3 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  test('history pages back by sequence', async () => {
    t = await startTestApp();
    const { socket: admin } = await operator();
    const v = await visitor();
    let conversationId = '';
    for (let i = 1; i <= 7; i++) conversationId = await say(v, `message ${i}`);
    const latest = await ok(admin, OperatorEvent.conversationOpen, { conversationId, limit: 3 });
    expect(latest.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    const back = await ok(admin, OperatorEvent.conversationOpen, { conversationId, beforeSeq: 5, limit: 3 });
    expect(back.messages.map((m) => m.text)).toEqual(['message 2', 'message 3', 'message 4']);
    const start = await ok(admin, OperatorEvent.conversationOpen, { conversationId, beforeSeq: 2, limit: 3 });
    expect(start.messages.map((m) => m.seq)).toEqual([1]);
    expect(await call(admin, OperatorEvent.conversationOpen, { conversationId, beforeSeq: 2, afterSeq: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  test('an internal note reaches operators live and never reaches the visitor, not live, not in history', async () => {
    t = await startTestApp();
    const { socket: admin } = await operator();
    const { socket: other } = await operator();
    const v = await visitor();
    const visitorSaw: unknown[] = [];
    v.onAny((event, ...args) => visitorSaw.push([event, args]));
    const conversationId = await say(v, 'I want a refund');
    const secret = 'Internal: customer is on the legacy plan, check billing';
    const pushed = next<NoteDto>(other, OperatorPush.noteNew);
    const { note } = await ok(admin, OperatorEvent.noteAdd, { conversationId, clientId: newClientId(), text: secret });
    expect(note).toMatchObject({ conversationId, afterSeq: 1, operatorName: 'Admin', text: secret });
    expect(await pushed).toEqual(note);
    // A later operator reply does reach the visitor: had the note gone out, it would have come first.
    const reply = next(v, VisitorPush.messageNew, (m: { text: string }) => m.text === 'Looking into it');
    await ok(admin, OperatorEvent.messageSend, { conversationId, clientId: newClientId(), text: 'Looking into it' });
    await reply;
    const history = await ok(v, VisitorEvent.messageHistory, { afterSeq: 0 });
    expect(history.messages.map((m) => m.text)).toEqual(['I want a refund', 'Looking into it']);
    const hello = await ok(v, VisitorEvent.hello, {});
    expect(JSON.stringify([visitorSaw, history, hello])).not.toContain('legacy plan');
    expect((await ok(admin, OperatorEvent.noteList, { conversationId })).notes).toEqual([note]);
    expect(t.db.prepare("SELECT count(*) FROM messages WHERE body LIKE '%legacy plan%'").pluck().get()).toBe(0);
  });

  test('canned replies are kept by admins, listed for every operator, pushed live, and shortcuts are unique', async () => {
    t = await startTestApp();
    await addOperator(OP);
    const { socket: admin } = await operator();
    const { socket: olga } = await operator(OP.email, OP.password);
    const pushed = next(olga, OperatorPush.canned);
    const { reply } = await ok(admin, OperatorEvent.cannedSave, { shortcut: 'Hours', text: 'We answer 9–18 CET, Monday to Friday.' });
    expect(reply).toMatchObject({ shortcut: 'hours' });
    expect(await pushed).toEqual([reply]);
    expect((await ok(olga, OperatorEvent.cannedList, {})).replies).toEqual([reply]);
    expect(await call(olga, OperatorEvent.cannedSave, { shortcut: 'x', text: 'y' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await call(admin, OperatorEvent.cannedSave, { shortcut: 'hours', text: 'other' })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    expect(await call(admin, OperatorEvent.cannedSave, { shortcut: 'has space', text: 'y' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    await ok(admin, OperatorEvent.cannedSave, { id: reply.id, shortcut: 'hours', text: 'Changed.' });
    await ok(admin, OperatorEvent.cannedDelete, { id: reply.id });
    expect((await ok(olga, OperatorEvent.cannedList, {})).replies).toEqual([]);
  });

  test('full-text search finds messages by word and prefix across conversations, survives FTS syntax, and forgets erased text', async () => {
    t = await startTestApp();
    const { socket: admin } = await operator();
    const a = await visitor();
    const b = await visitor();
    const inA = await say(a, 'My invoice number 4711 is wrong');
    await say(b, 'Do you ship to Norway?');
    const hits = (await ok(admin, OperatorEvent.conversationSearch, { query: 'invoi' })).hits;
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ conversationId: inA, seq: 1, author: 'visitor' });
    expect(hits[0].snippet).toContain('\uE000invoice\uE001');
    expect((await ok(admin, OperatorEvent.conversationSearch, { query: 'norway ship' })).hits).toHaveLength(1);
    expect(await call(admin, OperatorEvent.conversationSearch, { query: '"' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    for (const query of ['AND OR NOT', 'a* (b', 'NEAR(x y)', '^:-']) {
      expect(await call(admin, OperatorEvent.conversationSearch, { query })).toMatchObject({ ok: true });
    }
    // Deleting messages (as an erasure does) takes them out of the index too.
    t.db.prepare('DELETE FROM messages WHERE body LIKE ?').run('%invoice%');
    expect((await ok(admin, OperatorEvent.conversationSearch, { query: 'invoice' })).hits).toEqual([]);
  });

  test('auto-assignment hands new conversations round robin to online operators up to their limit; a resolve frees a slot', async () => {
    t = await startTestApp();
    const olgaId = await addOperator(OP);
    const { socket: admin } = await operator();
    await ok(admin, OperatorEvent.presenceSet, { status: 'away' });
    await operator(OP.email, OP.password);
    await ok(admin, OperatorEvent.presenceSet, { status: 'online' });
    await ok(admin, OperatorEvent.settingsSave, { autoAssign: true, maxOpenPerOperator: 1 });
    const assignee = (id: string) => t.db.prepare('SELECT assigned_operator_id FROM conversations WHERE public_id = ?').pluck().get(id);
    const seen: Array<{ event: string; conversationId: string; assigned: number | null }> = [];
    admin.on(OperatorPush.messages, (pushes) => {
      for (const { conversation } of pushes)
        seen.push({ event: 'message', conversationId: conversation.id, assigned: conversation.assignedOperatorId });
    });
    admin.on(OperatorPush.conversationUpsert, (c) => seen.push({ event: 'upsert', conversationId: c.id, assigned: c.assignedOperatorId }));
    const first = await say(await visitor(), 'first');
    // The console's last word on the conversation is the assignment: the message it caused came before it.
    await waitFor(
      () => seen.some((e) => e.conversationId === first && e.event === 'upsert' && e.assigned !== null),
      'the assignment pushed',
    );
    const aboutFirst = seen.filter((e) => e.conversationId === first);
    expect(aboutFirst[0].event).toBe('message');
    expect(aboutFirst.at(-1)).toMatchObject({ event: 'upsert', assigned: assignee(first) });
    const second = await say(await visitor(), 'second');
    const third = await say(await visitor(), 'third');
    expect(new Set([assignee(first), assignee(second)])).toEqual(new Set([1, olgaId]));
    expect(assignee(third)).toBeNull();
    const freed = assignee(first) as number;
    await ok(admin, OperatorEvent.conversationResolve, { conversationId: first });
    // The freed slot goes to the longest-waiting conversation in the writes that follow the resolve.
    await waitFor(() => assignee(third) !== null, 'the waiting conversation assigned');
    expect(assignee(third)).toBe(freed);
  });
});

describe('presence and the visitor context', () => {
  test('the widget is online while an operator is online, offline when the only operator goes away or leaves', async () => {
    t = await startTestApp();
    const v = await visitor();
    expect((await ok(v, VisitorEvent.hello, {})).operatorsOnline).toBe(false);
    const online = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => p.operatorsOnline);
    const { socket: admin } = await operator();
    await online;
    const away = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => !p.operatorsOnline);
    const { team } = await ok(admin, OperatorEvent.presenceSet, { status: 'away' });
    expect(team.find((m) => m.id === 1)?.presence).toBe('away');
    await away;
    expect((await ok(v, VisitorEvent.hello, {})).operatorsOnline).toBe(false);
    const back = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => p.operatorsOnline);
    await ok(admin, OperatorEvent.presenceSet, { status: 'online' });
    await back;
    const gone = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => !p.operatorsOnline);
    admin.close();
    await gone;
  });

  test('operators see referrer without its query, time zone, language and a device summary, and no IP address', async () => {
    t = await startTestApp();
    const { socket: admin } = await operator();
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
    const v = await visitor(
      {
        url: 'https://shop.example/pricing',
        title: 'Pricing',
        referrer: 'https://search.example/q?email=jane@example.test#x',
        timezone: 'Europe/Berlin',
      },
      { 'user-agent': ua },
    );
    const conversationId = await say(v, 'hello');
    const { conversation } = await ok(admin, OperatorEvent.conversationOpen, { conversationId });
    expect(conversation).toMatchObject({
      pageUrl: 'https://shop.example/pricing',
      pageTitle: 'Pricing',
      referrer: 'https://search.example/q',
      timezone: 'Europe/Berlin',
      device: 'Chrome on Windows, desktop',
    });
    const everything = JSON.stringify(t.db.prepare('SELECT * FROM conversations').all()) + JSON.stringify(conversation);
    expect(everything).not.toContain('127.0.0.1');
    expect(everything).not.toContain('jane@example.test');
    expect(everything).not.toContain('Win64');
    expect(await call(v, VisitorEvent.hello, { page: { url: 'x', title: 'y', timezone: 'Europe/Berlin; DROP' } })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });
});
