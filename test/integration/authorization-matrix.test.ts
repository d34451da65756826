/**
 * Who may do what, proven: every event of both namespaces (read from shared/protocol.ts) and every HTTP
 * route (read from the Express router at run time) is tried by each of six actors, and each cell's
 * expected outcome is written down exactly once, below. An event or route without an entry — or an
 * entry for one that no longer exists — fails the test, so nothing new ships unclassified.
 *
 * Actors: nobody (no token, no cookie), visitor A and visitor B (each with a visitor token; B aims at
 * A's things wherever a payload can name them), an operator, a disabled operator (who still holds a
 * session cookie from before being disabled), and an admin. Every refusal must leave the database
 * exactly as it was, and nothing of A's may ever appear in an answer to anyone else on the visitor side.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Ack, ErrorCode } from '../../shared/errors';
import { DEFAULT_WIDGET_SETTINGS } from '../../shared/widget-settings';
import { DEFAULT_PRECHAT } from '../../shared/prechat';
import { OPERATOR_NAMESPACE, OperatorEvent, VISITOR_NAMESPACE, VisitorEvent } from '../../shared/protocol';
import { identitySignature } from '../../server/chat/visitor-service';
import { appRoutes } from '../helpers/app-routes';
import { databaseDigest } from '../helpers/db-snapshot';
import { newClientId } from '../helpers/durable-clients';
import { png } from '../helpers/files';
import { codeIn } from '../helpers/smtp';
import { socketTracker } from '../helpers/sockets';
import { ADMIN, ok, signIn, startTestApp, type TestApp } from '../helpers/test-app';

const ACTORS = ['nobody', 'visitorA', 'visitorB', 'operator', 'disabled', 'admin'] as const;
type Actor = (typeof ACTORS)[number];
/** `refused`: the connection itself is refused, so no event gets through. */
type Outcome = 'ok' | 'refused' | ErrorCode;
type Row<T> = Record<Actor, T>;

/** One row, in the order of ACTORS. */
function row<T>(nobody: T, visitorA: T, visitorB: T, operator: T, disabled: T, admin: T): Row<T> {
  return { nobody, visitorA, visitorB, operator, disabled, admin };
}
/** Visitor events that need a visitor (a hello first): only the visitors themselves get through. */
const visitorsOnly = (b: Outcome = 'ok'): Row<Outcome> => row('unauthorized', 'ok', b, 'unauthorized', 'unauthorized', 'unauthorized');
/** Operator events any signed-in, enabled operator may use. */
const operators: Row<Outcome> = row('refused', 'refused', 'refused', 'ok', 'refused', 'ok');
/** Operator events for admins only. */
const admins: Row<Outcome> = row('refused', 'refused', 'refused', 'forbidden', 'refused', 'ok');

// ---------------------------------------------------------------------------------------------------
// The matrix. Socket events are keyed "<namespace> <event>", routes "<METHOD> <path pattern>".
// ---------------------------------------------------------------------------------------------------

const SOCKET_MATRIX: Record<string, Row<Outcome>> = {
  // Anyone may become a visitor; B with its own token gets its own (empty) chat, never A's.
  [`${VISITOR_NAMESPACE} ${VisitorEvent.hello}`]: row('ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  // Only the host site's signature identifies: B presenting A's address without it is forbidden.
  [`${VISITOR_NAMESPACE} ${VisitorEvent.identify}`]: visitorsOnly('forbidden'),
  [`${VISITOR_NAMESPACE} ${VisitorEvent.contactLeave}`]: visitorsOnly(),
  // B reusing A's client id writes into B's own conversation; A's is untouched (checked below).
  [`${VISITOR_NAMESPACE} ${VisitorEvent.messageSend}`]: visitorsOnly(),
  [`${VISITOR_NAMESPACE} ${VisitorEvent.messageHistory}`]: visitorsOnly(),
  [`${VISITOR_NAMESPACE} ${VisitorEvent.typingSet}`]: visitorsOnly(),
  [`${VISITOR_NAMESPACE} ${VisitorEvent.privacyStart}`]: visitorsOnly(),
  // B with A's verification id and A's own code: refused like a wrong code, A's tries untouched.
  [`${VISITOR_NAMESPACE} ${VisitorEvent.privacyVerify}`]: visitorsOnly('invalid_code'),
  [`${VISITOR_NAMESPACE} ${VisitorEvent.privacyResend}`]: visitorsOnly('invalid_code'),
  // Request tokens are the key to a request's status; B without A's learns nothing.
  [`${VISITOR_NAMESPACE} ${VisitorEvent.privacyStatus}`]: visitorsOnly(),
  // A's conversation is still open (nothing to rate yet); B naming A's conversation finds none.
  [`${VISITOR_NAMESPACE} ${VisitorEvent.ratingSubmit}`]: row(
    'unauthorized',
    'invalid_state',
    'not_found',
    'unauthorized',
    'unauthorized',
    'unauthorized',
  ),
  // A has a conversation and gives an address: mailed; B naming A's conversation finds none.
  [`${VISITOR_NAMESPACE} ${VisitorEvent.transcriptRequest}`]: visitorsOnly('not_found'),
  // A gets a link to A's own file; B naming A's attachment hears there is no such thing.
  [`${VISITOR_NAMESPACE} ${VisitorEvent.attachmentLink}`]: visitorsOnly('not_found'),
  // No form is switched on here: each visitor hears there is nothing to fill in (answers are their own, prechat.test.ts).
  [`${VISITOR_NAMESPACE} ${VisitorEvent.prechatSubmit}`]: row(
    'unauthorized',
    'invalid_state',
    'invalid_state',
    'unauthorized',
    'unauthorized',
    'unauthorized',
  ),

  [`${OPERATOR_NAMESPACE} ${OperatorEvent.conversationList}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.conversationOpen}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.conversationClaim}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.conversationResolve}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.conversationReopen}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.messageSend}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.typingSet}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.privacyList}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.privacyGet}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.privacyAct}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.privacyFile}`]: operators,
  // Counts only (nothing personal): any operator who may complete the request may see what it would erase.
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.privacyPreview}`]: operators,
  // Any operator working a request may mail its requester and classify one that needs triage.
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.privacyReply}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.privacyClassify}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.outboxList}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.apiKeyList}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.apiKeyCreate}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.apiKeyRevoke}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.webhookList}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.webhookCreate}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.webhookDelete}`]: admins,
  // Operators read the register (a request page names its systems); admins change it.
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.dataSystemList}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.dataSystemSave}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.dataSystemDelete}`]: admins,
  // Any operator working a request enters a system's outcome (with the evidence).
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.privacySystemRecord}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.privacySystemResend}`]: operators,
  // An unassigned conversation may be taken by any operator (moving someone else's is the inbox's rule, console.test.ts).
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.conversationAssign}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.conversationRead}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.conversationUnread}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.conversationSearch}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.noteList}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.noteAdd}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.cannedList}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.cannedSave}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.cannedDelete}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.teamList}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.presenceSet}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.operatorCreate}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.operatorDisable}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.operatorResetPassword}`]: admins,
  // Each changes only their own password (it takes the current one).
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.passwordChange}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.settingsGet}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.settingsSave}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.widgetSettingsGet}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.widgetSettingsSave}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.ratingReport}`]: operators,
  // Operators open the files of the conversations they work, and read the limits their composer applies.
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.attachmentLink}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.attachmentSettingsGet}`]: operators,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.attachmentSettingsSave}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.prechatGet}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.prechatSave}`]: admins,
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.consentVersions}`]: admins,
  // Operators working a conversation see what its visitor answered and the consent they gave.
  [`${OPERATOR_NAMESPACE} ${OperatorEvent.prechatVisitor}`]: operators,
};

/** HTTP status per actor. Visitors hold no cookie or API key: over HTTP they are nobody. */
const ROUTE_MATRIX: Record<string, Row<number>> = {
  // Each signs in with their own credentials (nobody and the visitors have none; the disabled cannot).
  'POST /api/auth/login': row(401, 401, 401, 200, 401, 200),
  'POST /api/auth/logout': row(200, 200, 200, 200, 200, 200),
  'GET /api/auth/me': row(401, 401, 401, 200, 401, 200),
  // The REST API answers API keys only (tested with keys in privacy.test.ts and rate-limits.test.ts): cookies open nothing.
  'POST /api/v1/privacy-requests': row(401, 401, 401, 401, 401, 401),
  'GET /api/v1/privacy-requests/:reference': row(401, 401, 401, 401, 401, 401),
  'GET /api/admin/privacy-register.csv': row(401, 401, 401, 403, 401, 200),
  'GET /api/admin/consent-register.csv': row(401, 401, 401, 403, 401, 200),
  'GET /api/admin/privacy-requests/:id/record.json': row(401, 401, 401, 200, 401, 200),
  'GET /api/admin/privacy-requests/:id/record.html': row(401, 401, 401, 200, 401, 200),
  // A data system's receipt opens with its own signature only (data-systems.test.ts); an unknown one is not found.
  'POST /api/data-systems/receipts/:id': row(404, 404, 404, 404, 404, 404),
  // A processor's page opens with the mailed one-time secret only; cookies open nothing.
  'GET /privacy/processor/:id': row(410, 410, 410, 410, 410, 410),
  'POST /privacy/processor/:id': row(410, 410, 410, 410, 410, 410),
  // The requester's pages open with the mailed secret only; a GET shows a button and changes nothing.
  'GET /privacy/verify/:id': row(200, 200, 200, 200, 200, 200),
  'POST /privacy/verify/:id': row(410, 410, 410, 410, 410, 410),
  'GET /privacy/export/:token': row(410, 410, 410, 410, 410, 410),
  // Mail providers' inbound webhook: without INBOUND_MAIL_SECRET (as here) it does not exist; with one it
  // answers that bearer secret only (mail-intake.test.ts). Cookies open nothing.
  'POST /api/inbound/mail': row(404, 404, 404, 404, 404, 404),
  // A visitor uploads with its visitor token (into its own conversation), an operator with the session
  // cookie into the conversation it names; the disabled operator's cookie no longer counts.
  'POST /api/attachments/': row(401, 200, 200, 200, 401, 200),
  'OPTIONS /api/attachments/': row(204, 204, 204, 204, 204, 204),
  // The signed link is the only key: no cookie opens a file without it (here, a forged signature).
  'GET /api/attachments/:id': row(403, 403, 403, 403, 403, 403),
  'GET /healthz': row(200, 200, 200, 200, 200, 200),
  'GET /favicon.ico': row(200, 200, 200, 200, 200, 200),
  // Whether the loader paints the bubble: the same public answer for everyone.
  'GET /widget-status.json': row(200, 200, 200, 200, 200, 200),
  // The console's shell is public; everything in it comes over the authenticated socket.
  'GET /console': row(200, 200, 200, 200, 200, 200),
  'GET /console/': row(200, 200, 200, 200, 200, 200),
  'GET /console/*page': row(200, 200, 200, 200, 200, 200),
};

// ---------------------------------------------------------------------------------------------------

function emit(socket: Socket, event: string, payload: unknown): Promise<Ack<unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${event}`)), 10_000);
    socket.emit(event, payload, (ack: Ack<unknown>) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

function open(url: string, namespace: string, cookie: string | null): Promise<Socket | null> {
  const socket = connect(`${url}${namespace}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: cookie ? { cookie } : {},
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', () => {
      socket.close();
      resolve(null);
    });
  });
}

const unique = () => crypto.randomBytes(6).toString('hex');

describe('authorization matrix', () => {
  let t: TestApp;
  const sockets = socketTracker();
  const cookies = {} as Record<'operator' | 'disabled' | 'admin', string>;
  const passwords = { operator: 'operator password 1', admin: ADMIN.password };
  let adminSocket: Socket;
  /** A's things, which nobody else may read or change. */
  const a = {
    token: '',
    email: 'alice.matrix@example.test',
    conversationId: '',
    requestToken: '',
    reference: '',
    requestId: 0,
    erasureId: 0,
    verificationId: '',
    code: '',
    attachmentId: '',
    secrets: [] as string[],
  };
  let b = { token: '' };
  let closedRequestId = 0;
  let linkId = '';
  /** Every answer given on the visitor side to someone other than A. */
  const answersToOthers: unknown[] = [];

  const { track } = sockets;
  const mailCode = async (email: string, skip: number) =>
    codeIn(await t.smtp.waitFor(email, (m) => t.smtp.mailsTo(email).indexOf(m) >= skip && /code/i.test(m.subject)));

  /** A new visitor with one message; returns its conversation id. */
  async function freshConversation(): Promise<string> {
    const socket = track((await open(t.url, VISITOR_NAMESPACE, null))!);
    await emit(socket, VisitorEvent.hello, {});
    const ack = await emit(socket, VisitorEvent.messageSend, { clientId: newClientId(), text: `hello ${unique()}` });
    if (!ack.ok) throw new Error('fresh conversation failed');
    return (ack.data as { message: { conversationId: string } }).message.conversationId;
  }
  async function adminCall<T>(event: string, payload: unknown): Promise<T> {
    const ack = await emit(adminSocket, event, payload);
    if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
    return ack.data as T;
  }
  async function freshOperatorId(): Promise<number> {
    return (
      await adminCall<{ operator: { id: number } }>(OperatorEvent.operatorCreate, {
        email: `op-${unique()}@example.test`,
        name: 'Spare',
        role: 'operator',
        password: 'spare password 1',
      })
    ).operator.id;
  }
  /** The upload each actor makes: a visitor with its token, anyone else with its cookie into A's conversation. */
  function uploadRequest(actor: Actor): { path: string; init: RequestInit } {
    const query = new URLSearchParams({ clientId: newClientId(), name: `${actor}.png` });
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (actor === 'visitorA' || actor === 'visitorB') headers.authorization = `Bearer ${actor === 'visitorA' ? a.token : b.token}`;
    else query.set('conversationId', a.conversationId);
    return { path: `/api/attachments?${query}`, init: { method: 'POST', headers, body: new Uint8Array(png(2, 2)) } };
  }
  async function uploadAs(actor: 'visitorA'): Promise<{ attachment: { id: string } }> {
    const { path, init } = uploadRequest(actor);
    const res = await fetch(`${t.url}${path}`, init);
    const answer = (await res.json()) as { ok: boolean; data: { attachment: { id: string } } };
    if (!answer.ok) throw new Error(`upload failed: ${res.status}`);
    return answer.data;
  }
  /** A code-verified request of A's own, started now: its verification id and code. */
  async function pendingCodeOfA(socket: Socket): Promise<{ verificationId: string; code: string }> {
    const email = `alice.${unique()}@example.test`;
    const started = await emit(socket, VisitorEvent.privacyStart, { type: 'objection', email });
    if (!started.ok) throw new Error(`privacy:start: ${started.error.code}`);
    return { verificationId: (started.data as { verificationId: string }).verificationId, code: await mailCode(email, 0) };
  }

  let resendSystemUrl: string | undefined;
  let resendSystemRegistered = false;
  const webhookServers: http.Server[] = [];

  /** A data system's webhook on loopback that takes every request and answers later (202, no body). */
  async function acceptingWebhook(): Promise<string> {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(202).end());
    });
    webhookServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/privacy`;
  }

  /** A verified rectification filed by the admin and started: the register's rectification systems each get a row. */
  async function startedRectification(): Promise<number> {
    const email = `system.${unique()}@example.test`;
    const { request } = await adminCall<{ request: { id: number } }>(OperatorEvent.privacyFile, {
      type: 'rectification',
      email,
      lang: 'en',
    });
    const [, id, secret] = /\/privacy\/verify\/([A-Za-z0-9_-]+)\?t=([A-Za-z0-9_-]+)/.exec((await t.smtp.waitFor(email, () => true)).body)!;
    await fetch(`${t.url}/privacy/verify/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `t=${secret}`,
    });
    await t.smtp.waitFor(email, (m) => /received/i.test(m.subject));
    await adminCall(OperatorEvent.privacyAct, { id: request.id, action: 'start' });
    return request.id;
  }

  beforeAll(async () => {
    t = await startTestApp();
    cookies.admin = await signIn(t.url);
    adminSocket = track((await open(t.url, OPERATOR_NAMESPACE, cookies.admin))!);
    await adminCall(OperatorEvent.operatorCreate, {
      email: 'olga@example.test',
      name: 'Olga',
      role: 'operator',
      password: passwords.operator,
    });
    cookies.operator = await signIn(t.url, 'olga@example.test', passwords.operator);
    const dora = await adminCall<{ operator: { id: number } }>(OperatorEvent.operatorCreate, {
      email: 'dora@example.test',
      name: 'Dora',
      role: 'operator',
      password: 'dora password 1',
    });
    cookies.disabled = await signIn(t.url, 'dora@example.test', 'dora password 1');
    await adminCall(OperatorEvent.operatorDisable, { id: dora.operator.id, disabled: true });

    // Visitor A: a conversation, an identity, a verified request it follows, and a code pending.
    const aSocket = track((await open(t.url, VISITOR_NAMESPACE, null))!);
    a.token = (await ok(aSocket, VisitorEvent.hello, {})).token;
    const data = async <T>(event: string, payload: unknown): Promise<T> => {
      const ack = await emit(aSocket, event, payload);
      if (!ack.ok) throw new Error(`${event}: ${ack.error.code}`);
      return ack.data as T;
    };
    a.conversationId = (
      await data<{ message: { conversationId: string } }>(VisitorEvent.messageSend, {
        clientId: 'alice-first-message',
        text: 'Alice private note 4471',
      })
    ).message.conversationId;
    const { verificationId } = await data<{ verificationId: string }>(VisitorEvent.privacyStart, { type: 'access', email: a.email });
    const tracked = await data<{ requestToken: string; request: { reference: string } }>(VisitorEvent.privacyVerify, {
      verificationId,
      code: await mailCode(a.email, 0),
    });
    a.requestToken = tracked.requestToken;
    a.reference = tracked.request.reference;
    a.requestId = t.db.prepare('SELECT id FROM privacy_requests WHERE reference = ?').pluck().get(a.reference) as number;
    Object.assign(a, await pendingCodeOfA(aSocket));
    a.attachmentId = (await uploadAs('visitorA')).attachment.id;
    a.secrets = [a.token, a.email, a.conversationId, a.requestToken, a.reference, 'Alice private note 4471', a.code, a.attachmentId];
    aSocket.close();

    const bSocket = track((await open(t.url, VISITOR_NAMESPACE, null))!);
    b = { token: (await ok(bSocket, VisitorEvent.hello, {})).token };
    await emit(bSocket, VisitorEvent.messageSend, { clientId: 'bob-first-message', text: 'Bob says hi' });
    bSocket.close();

    // A closed request (for its record), and a request confirmed by mailed link (for the link page).
    const closed = await adminCall<{ request: { id: number } }>(OperatorEvent.privacyFile, {
      type: 'erasure',
      email: `closed.${unique()}@example.test`,
      lang: 'en',
    });
    await adminCall(OperatorEvent.privacyAct, { id: closed.request.id, action: 'reject', reason: 'Not a request we can act on.' });
    closedRequestId = closed.request.id;
    // An open erasure of A's address, for its preview.
    a.erasureId = (
      await adminCall<{ request: { id: number } }>(OperatorEvent.privacyFile, { type: 'erasure', email: a.email, lang: 'en' })
    ).request.id;
    const linkEmail = `link.${unique()}@example.test`;
    await adminCall(OperatorEvent.privacyFile, { type: 'access', email: linkEmail, lang: 'en' });
    linkId = /\/privacy\/verify\/([A-Za-z0-9_-]+)/.exec((await t.smtp.waitFor(linkEmail, () => true)).body)![1];
  });

  afterAll(async () => {
    sockets.closeAll();
    await t?.close();
    for (const server of webhookServers) await new Promise((resolve) => server.close(resolve));
  });

  test('every event of both namespaces and every HTTP route has exactly one row', () => {
    const events = [
      ...Object.values(VisitorEvent).map((e) => `${VISITOR_NAMESPACE} ${e}`),
      ...Object.values(OperatorEvent).map((e) => `${OPERATOR_NAMESPACE} ${e}`),
    ].sort();
    expect(Object.keys(SOCKET_MATRIX).sort()).toEqual(events);
    expect(Object.keys(ROUTE_MATRIX).sort()).toEqual(appRoutes(t.app));
  });

  // ---- the visitor namespace ----

  /** What each actor sends for each visitor event; B aims at A's things wherever the payload can name them. */
  const visitorPayload: Record<string, (actor: Actor, socket: Socket) => Promise<unknown> | unknown> = {
    [VisitorEvent.hello]: (actor) => (actor === 'visitorA' ? { token: a.token } : actor === 'visitorB' ? { token: b.token } : {}),
    [VisitorEvent.identify]: (actor) => ({
      email: a.email,
      name: 'Alice',
      signature: actor === 'visitorA' ? identitySignature(t.app.secrets.identitySecret, a.email) : crypto.randomBytes(32).toString('hex'),
    }),
    [VisitorEvent.contactLeave]: (actor) => ({ email: actor === 'visitorA' ? a.email : `contact.${unique()}@example.test` }),
    [VisitorEvent.messageSend]: (actor) => ({
      clientId: actor === 'visitorB' ? 'alice-first-message' : newClientId(),
      text: `from ${actor}`,
    }),
    [VisitorEvent.messageHistory]: () => ({}),
    [VisitorEvent.typingSet]: () => ({ typing: true }),
    [VisitorEvent.privacyStart]: (actor) => ({ type: 'objection', email: `${actor}.${unique()}@example.test` }),
    // Everyone offers A's verification id with A's right code; only A's own chat may use it.
    [VisitorEvent.privacyVerify]: () => ({ verificationId: a.verificationId, code: a.code }),
    [VisitorEvent.privacyResend]: async (actor, socket) =>
      actor === 'visitorA' ? { verificationId: (await pendingCodeOfA(socket)).verificationId } : { verificationId: a.verificationId },
    [VisitorEvent.privacyStatus]: (actor) => ({
      requestTokens: [actor === 'visitorA' ? a.requestToken : crypto.randomBytes(24).toString('base64url')],
    }),
    [VisitorEvent.ratingSubmit]: () => ({ conversationId: a.conversationId, score: 1 }),
    [VisitorEvent.transcriptRequest]: () => ({ conversationId: a.conversationId, email: 'a-transcript@example.test', onResolve: false }),
    [VisitorEvent.attachmentLink]: () => ({ attachmentId: a.attachmentId }),
    [VisitorEvent.prechatSubmit]: () => ({ answers: {} }),
  };

  async function visitorSocket(actor: Actor): Promise<Socket> {
    const cookie = actor === 'operator' || actor === 'disabled' || actor === 'admin' ? cookies[actor] : null;
    const socket = track((await open(t.url, VISITOR_NAMESPACE, cookie))!);
    if (actor === 'visitorA' || actor === 'visitorB')
      await emit(socket, VisitorEvent.hello, { token: actor === 'visitorA' ? a.token : b.token });
    return socket;
  }

  for (const event of Object.values(VisitorEvent)) {
    test(`${VISITOR_NAMESPACE} ${event}`, async () => {
      const expected = SOCKET_MATRIX[`${VISITOR_NAMESPACE} ${event}`];
      expect(expected, `no row for ${event}`).toBeDefined();
      expect(visitorPayload[event], `no payload for ${event}`).toBeDefined();
      const got: Partial<Row<Outcome>> = {};
      for (const actor of ACTORS) {
        const socket = await visitorSocket(actor);
        const payload = await visitorPayload[event](actor, socket);
        const before = databaseDigest(t.db);
        const ack = await emit(socket, event, payload);
        got[actor] = ack.ok ? 'ok' : ack.error.code;
        if (!ack.ok && (ack.error.code === 'unauthorized' || ack.error.code === 'forbidden' || ack.error.code === 'invalid_code')) {
          expect(databaseDigest(t.db), `${actor} ${event} was refused but changed something`).toBe(before);
        }
        if (actor !== 'visitorA') answersToOthers.push(ack);
        socket.close();
      }
      expect(got).toEqual(expected);
    });
  }

  test('nothing of visitor A’s appeared in any answer to anyone else, and A’s conversation holds only A’s messages', () => {
    const answers = JSON.stringify(answersToOthers);
    expect(answersToOthers.length).toBeGreaterThan(0);
    for (const secret of a.secrets) expect(answers, `an answer to someone else contains ${secret}`).not.toContain(secret);
    const authors = t.db
      .prepare(
        `SELECT m.author, m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.public_id = ? AND m.author = 'visitor'`,
      )
      .all(a.conversationId) as Array<{ body: string }>;
    expect(authors.map((m) => m.body).filter((body) => !/^Alice|^from visitorA$/.test(body))).toEqual([]);
  });

  // ---- the operator namespace ----

  /** What each operator event sends; targets that get used up are made fresh for each cell. */
  const operatorPayload: Record<string, (actor: Actor) => Promise<unknown> | unknown> = {
    [OperatorEvent.conversationList]: () => ({ view: 'open' }),
    [OperatorEvent.conversationOpen]: () => ({ conversationId: a.conversationId }),
    [OperatorEvent.conversationClaim]: async () => ({ conversationId: await freshConversation() }),
    [OperatorEvent.conversationResolve]: async () => ({ conversationId: await freshConversation() }),
    [OperatorEvent.conversationReopen]: async () => ({ conversationId: await freshConversation() }),
    [OperatorEvent.messageSend]: () => ({ conversationId: a.conversationId, clientId: newClientId(), text: 'An answer from the team' }),
    [OperatorEvent.typingSet]: () => ({ conversationId: a.conversationId, typing: true }),
    [OperatorEvent.privacyList]: () => ({}),
    [OperatorEvent.privacyGet]: () => ({ id: a.requestId }),
    [OperatorEvent.privacyAct]: async () => ({
      id: (
        await adminCall<{ request: { id: number } }>(OperatorEvent.privacyFile, {
          type: 'erasure',
          email: `act.${unique()}@example.test`,
          lang: 'en',
        })
      ).request.id,
      action: 'reject',
      reason: 'We hold nothing under this address.',
    }),
    [OperatorEvent.privacyFile]: () => ({ type: 'access', email: `file.${unique()}@example.test`, lang: 'en' }),
    [OperatorEvent.privacyPreview]: () => ({ id: a.erasureId }),
    [OperatorEvent.privacyReply]: () => ({ id: a.requestId, text: 'A question from the team', clarification: true }),
    [OperatorEvent.privacyClassify]: async () => {
      const { request } = await adminCall<{ request: { id: number } }>(OperatorEvent.privacyFile, {
        type: 'erasure',
        email: `triage.${unique()}@example.test`,
        lang: 'en',
      });
      // As a mail whose words named no right files it.
      t.db.prepare('UPDATE privacy_requests SET type = NULL WHERE id = ?').run(request.id);
      return { id: request.id, type: 'access' };
    },
    [OperatorEvent.outboxList]: () => ({}),
    [OperatorEvent.apiKeyList]: () => ({}),
    [OperatorEvent.apiKeyCreate]: () => ({ label: `key ${unique()}` }),
    [OperatorEvent.apiKeyRevoke]: async () => ({
      id: (await adminCall<{ key: { id: number } }>(OperatorEvent.apiKeyCreate, { label: `spare ${unique()}` })).key.id,
    }),
    [OperatorEvent.dataSystemList]: () => ({}),
    [OperatorEvent.dataSystemSave]: () => ({
      name: `System ${unique()}`,
      requestTypes: ['rectification'],
      ownerEmail: 'owner@example.test',
      kind: 'manual',
    }),
    [OperatorEvent.dataSystemDelete]: async () => ({
      id: (
        await adminCall<{ system: { id: number } }>(OperatorEvent.dataSystemSave, {
          name: `Spare ${unique()}`,
          requestTypes: ['rectification'],
          ownerEmail: 'owner@example.test',
          kind: 'manual',
        })
      ).system.id,
    }),
    [OperatorEvent.privacySystemRecord]: async () => {
      const id = await startedRectification();
      const entryId = t.db.prepare('SELECT id FROM request_systems WHERE request_id = ? ORDER BY id').pluck().get(id) as number;
      return { id, entryId, outcome: 'done', note: 'Corrected in the system by hand.' };
    },
    [OperatorEvent.privacySystemResend]: async () => {
      // A webhook system that takes requests (202, receipt later); its row arranged as if the retries gave up.
      resendSystemUrl ??= await acceptingWebhook();
      if (!resendSystemRegistered) {
        await adminCall(OperatorEvent.dataSystemSave, {
          name: 'Resend target',
          requestTypes: ['rectification'],
          ownerEmail: 'owner@example.test',
          kind: 'webhook',
          webhookUrl: resendSystemUrl,
        });
        resendSystemRegistered = true;
      }
      const id = await startedRectification();
      // The deliveries the start caused are over before anything is compared.
      await t.app.services.dataSystems.tick();
      const entryId = t.db.prepare(`SELECT id FROM request_systems WHERE request_id = ? AND kind = 'webhook'`).pluck().get(id) as number;
      t.db
        .prepare('UPDATE request_systems SET attempts = 6, next_attempt_at = NULL, delivery_error = ? WHERE id = ?')
        .run('HTTP 503', entryId);
      return { id, entryId };
    },
    [OperatorEvent.webhookList]: () => ({}),
    [OperatorEvent.webhookCreate]: () => ({ url: 'http://127.0.0.1:9/never-delivered' }),
    [OperatorEvent.webhookDelete]: async () => {
      const { webhook } = await adminCall<{ webhook: { id: number } }>(OperatorEvent.webhookCreate, { url: 'http://127.0.0.1:9/spare' });
      return { id: webhook.id };
    },
    [OperatorEvent.conversationAssign]: async (actor) => ({
      conversationId: await freshConversation(),
      operatorId: t.db
        .prepare('SELECT id FROM operators WHERE email = ?')
        .pluck()
        .get(actor === 'admin' ? ADMIN.email : 'olga@example.test') as number,
    }),
    [OperatorEvent.conversationRead]: () => ({ conversationId: a.conversationId, seq: 1 }),
    [OperatorEvent.conversationUnread]: () => ({}),
    [OperatorEvent.conversationSearch]: () => ({ query: 'Alice' }),
    [OperatorEvent.noteList]: () => ({ conversationId: a.conversationId }),
    [OperatorEvent.noteAdd]: () => ({ conversationId: a.conversationId, clientId: newClientId(), text: 'Internal: check the order' }),
    [OperatorEvent.cannedList]: () => ({}),
    [OperatorEvent.cannedSave]: () => ({ shortcut: `s${unique()}`, text: 'Thanks for waiting!' }),
    [OperatorEvent.cannedDelete]: async () => ({
      id: (await adminCall<{ reply: { id: number } }>(OperatorEvent.cannedSave, { shortcut: `d${unique()}`, text: 'Spare reply' })).reply
        .id,
    }),
    [OperatorEvent.teamList]: () => ({}),
    [OperatorEvent.presenceSet]: () => ({ status: 'online' }),
    [OperatorEvent.operatorCreate]: () => ({
      email: `new-${unique()}@example.test`,
      name: 'New',
      role: 'operator',
      password: 'new password 123',
    }),
    [OperatorEvent.operatorDisable]: async () => ({ id: await freshOperatorId(), disabled: true }),
    [OperatorEvent.operatorResetPassword]: async () => ({ id: await freshOperatorId(), password: 'reset password 1' }),
    [OperatorEvent.passwordChange]: (actor) => {
      const current = actor === 'admin' ? passwords.admin : passwords.operator;
      return { currentPassword: current, newPassword: `${current} changed` };
    },
    [OperatorEvent.settingsGet]: () => ({}),
    [OperatorEvent.settingsSave]: () => ({ autoAssign: false, maxOpenPerOperator: 5 }),
    [OperatorEvent.widgetSettingsGet]: () => ({}),
    [OperatorEvent.widgetSettingsSave]: () => DEFAULT_WIDGET_SETTINGS,
    [OperatorEvent.ratingReport]: () => ({ from: '2026-11-01', to: '2026-11-30' }),
    [OperatorEvent.attachmentLink]: () => ({ attachmentId: a.attachmentId }),
    [OperatorEvent.attachmentSettingsGet]: () => ({}),
    [OperatorEvent.attachmentSettingsSave]: () => ({
      maxMb: 10,
      types: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf'],
    }),
    [OperatorEvent.prechatGet]: () => ({}),
    // Saved switched off: the visitor rows above and after stay free to chat without a form.
    [OperatorEvent.prechatSave]: () => DEFAULT_PRECHAT,
    [OperatorEvent.consentVersions]: () => ({}),
    [OperatorEvent.prechatVisitor]: () => ({ conversationId: a.conversationId }),
  };

  for (const event of Object.values(OperatorEvent)) {
    test(`${OPERATOR_NAMESPACE} ${event}`, async () => {
      const expected = SOCKET_MATRIX[`${OPERATOR_NAMESPACE} ${event}`];
      expect(expected, `no row for ${event}`).toBeDefined();
      expect(operatorPayload[event], `no payload for ${event}`).toBeDefined();
      const got: Partial<Row<Outcome>> = {};
      for (const actor of ACTORS) {
        const payload = await operatorPayload[event](actor);
        const before = databaseDigest(t.db);
        // Visitors hold no session: the best they can offer is their visitor token as one.
        const cookie =
          actor === 'operator' || actor === 'disabled' || actor === 'admin'
            ? cookies[actor]
            : actor === 'visitorA'
              ? `cw_session=${a.token}`
              : actor === 'visitorB'
                ? `cw_session=${b.token}`
                : null;
        const socket = await open(t.url, OPERATOR_NAMESPACE, cookie);
        if (!socket) {
          got[actor] = 'refused';
        } else {
          const ack = await emit(socket, event, payload);
          got[actor] = ack.ok ? 'ok' : ack.error.code;
          socket.close();
          if (ack.ok && event === OperatorEvent.passwordChange)
            passwords[actor as 'operator' | 'admin'] = (payload as { newPassword: string }).newPassword;
        }
        if (got[actor] !== 'ok') expect(databaseDigest(t.db), `${actor} ${event} was refused but changed something`).toBe(before);
      }
      expect(got).toEqual(expected);
    });
  }

  // ---- HTTP ----

  /** The request each actor makes on each route (fresh sessions where a route would end the shared one). */
  const routeRequest: Record<string, (actor: Actor) => Promise<{ path: string; init: RequestInit }>> = {
    'POST /api/auth/login': async (actor) => {
      const credentials =
        actor === 'operator'
          ? { email: 'olga@example.test', password: passwords.operator }
          : actor === 'admin'
            ? { email: ADMIN.email, password: passwords.admin }
            : actor === 'disabled'
              ? { email: 'dora@example.test', password: 'dora password 1' }
              : { email: `${actor}@example.test`, password: 'a guess at a password' };
      return {
        path: '/api/auth/login',
        init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) },
      };
    },
    'POST /api/auth/logout': async (actor) => {
      // A session of its own to end, so the shared cookies stay valid for the other cells.
      const cookie =
        actor === 'operator'
          ? await signIn(t.url, 'olga@example.test', passwords.operator)
          : actor === 'admin'
            ? await signIn(t.url, ADMIN.email, passwords.admin)
            : actor === 'disabled'
              ? cookies.disabled
              : undefined;
      const headers: Record<string, string> = cookie ? { cookie } : {};
      return { path: '/api/auth/logout', init: { method: 'POST', headers } };
    },
    'GET /api/auth/me': async () => ({ path: '/api/auth/me', init: {} }),
    'POST /api/v1/privacy-requests': async () => ({
      path: '/api/v1/privacy-requests',
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'erasure', email: `api.${unique()}@example.test` }),
      },
    }),
    'GET /api/v1/privacy-requests/:reference': async () => ({ path: `/api/v1/privacy-requests/${a.reference}`, init: {} }),
    'GET /api/admin/privacy-register.csv': async () => ({ path: '/api/admin/privacy-register.csv', init: {} }),
    'GET /api/admin/consent-register.csv': async () => ({ path: '/api/admin/consent-register.csv', init: {} }),
    'GET /api/admin/privacy-requests/:id/record.json': async () => ({
      path: `/api/admin/privacy-requests/${closedRequestId}/record.json`,
      init: {},
    }),
    'GET /api/admin/privacy-requests/:id/record.html': async () => ({
      path: `/api/admin/privacy-requests/${closedRequestId}/record.html`,
      init: {},
    }),
    'POST /api/data-systems/receipts/:id': async () => ({
      path: `/api/data-systems/receipts/${crypto.randomBytes(18).toString('base64url')}`,
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'done' }) },
    }),
    'GET /privacy/processor/:id': async () => ({
      path: `/privacy/processor/${crypto.randomBytes(18).toString('base64url')}?t=${crypto.randomBytes(32).toString('base64url')}`,
      init: {},
    }),
    'POST /privacy/processor/:id': async () => ({
      path: `/privacy/processor/${crypto.randomBytes(18).toString('base64url')}`,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `t=${crypto.randomBytes(32).toString('base64url')}&outcome=done&note=done`,
      },
    }),
    'GET /privacy/verify/:id': async () => ({
      path: `/privacy/verify/${linkId}?t=${crypto.randomBytes(24).toString('base64url')}`,
      init: {},
    }),
    'POST /privacy/verify/:id': async () => ({
      path: `/privacy/verify/${crypto.randomBytes(18).toString('base64url')}`,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `t=${crypto.randomBytes(24).toString('base64url')}`,
      },
    }),
    'GET /privacy/export/:token': async () => ({ path: `/privacy/export/${crypto.randomBytes(32).toString('base64url')}`, init: {} }),
    'POST /api/inbound/mail': async () => ({
      path: '/api/inbound/mail',
      init: {
        method: 'POST',
        headers: { 'content-type': 'message/rfc822' },
        body: 'From: someone@example.test\r\nTo: privacy@localhost\r\nSubject: x\r\n\r\nPlease delete my data.\r\n',
      },
    }),
    'POST /api/attachments/': async (actor) => uploadRequest(actor),
    'OPTIONS /api/attachments/': async () => ({
      path: '/api/attachments',
      init: { method: 'OPTIONS', headers: { origin: t.url, 'access-control-request-method': 'POST' } },
    }),
    'GET /api/attachments/:id': async () => ({
      path: `/api/attachments/${a.attachmentId}?e=${Date.now() + 60_000}&s=${crypto.randomBytes(32).toString('base64url')}`,
      init: {},
    }),
    'GET /healthz': async () => ({ path: '/healthz', init: {} }),
    'GET /favicon.ico': async () => ({ path: '/favicon.ico', init: {} }),
    'GET /widget-status.json': async () => ({ path: '/widget-status.json', init: {} }),
    'GET /console': async () => ({ path: '/console', init: {} }),
    'GET /console/': async () => ({ path: '/console/', init: {} }),
    'GET /console/*page': async () => ({ path: '/console/admin/webhooks', init: {} }),
  };

  /** Routes whose allowed calls write by design (a session, a logout, an audit entry of the download). */
  const WRITES_WHEN_ALLOWED = new Set([
    'POST /api/auth/login',
    'POST /api/auth/logout',
    'GET /api/admin/privacy-register.csv',
    'GET /api/admin/privacy-requests/:id/record.json',
    'GET /api/admin/privacy-requests/:id/record.html',
    'POST /api/attachments/',
  ]);

  test('no route that changes anything acts on a session cookie sent from another site', async () => {
    const failures: string[] = [];
    for (const route of appRoutes(t.app).filter((r) => !r.startsWith('GET '))) {
      const make = routeRequest[route];
      if (!make) continue; // reported by the matrix test below
      // The admin's own, valid session, riding on a request another site's page made.
      const { path, init } = await make('admin');
      const headers = new Headers(init.headers);
      headers.set('cookie', route === 'POST /api/auth/logout' ? (headers.get('cookie') ?? cookies.admin) : cookies.admin);
      headers.set('origin', 'https://evil.example.test');
      const before = databaseDigest(t.db);
      const res = await fetch(`${t.url}${path}`, { ...init, headers, redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status < 400) failures.push(`${route} answered ${res.status} to another site`);
      if (databaseDigest(t.db) !== before) failures.push(`${route} changed stored data for another site`);
    }
    expect(failures).toEqual([]);
  });

  test('every HTTP route, for every actor', async () => {
    const failures: string[] = [];
    for (const route of appRoutes(t.app)) {
      const expected = ROUTE_MATRIX[route];
      const make = routeRequest[route];
      if (!expected || !make) {
        failures.push(`${route}: no row`);
        continue;
      }
      const got: Partial<Row<number>> = {};
      for (const actor of ACTORS) {
        const { path, init } = await make(actor);
        const sessionCookie = actor === 'operator' || actor === 'disabled' || actor === 'admin' ? cookies[actor] : undefined;
        const headers = new Headers(init.headers);
        if (sessionCookie && !headers.has('cookie')) headers.set('cookie', sessionCookie);
        const before = databaseDigest(t.db);
        const res = await fetch(`${t.url}${path}`, { ...init, headers, redirect: 'manual' });
        await res.arrayBuffer();
        got[actor] = res.status;
        const allowedWrite = res.status < 300 && WRITES_WHEN_ALLOWED.has(route);
        if (!allowedWrite && databaseDigest(t.db) !== before) failures.push(`${route} by ${actor} (${res.status}) changed stored data`);
      }
      if (JSON.stringify(got) !== JSON.stringify(expected))
        failures.push(`${route}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
    }
    expect(failures).toEqual([]);
  });
});
