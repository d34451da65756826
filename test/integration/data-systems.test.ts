import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import type { SystemReceipt } from '../../shared/data-systems';
import type { VisitorRequestDto } from '../../shared/types';
import { OperatorEvent, VisitorEvent, VisitorPush } from '../../shared/protocol';
import { REMIND_BEFORE_MS } from '../../server/privacy/data-system-ledger';
import { BACKOFF_MS } from '../../server/privacy/webhook-service';
import { privacySuite } from '../helpers/privacy';
import { errorCode } from '../helpers/sockets';
import { call, next, ok, signIn } from '../helpers/test-app';

const DAY = 24 * 60 * 60 * 1000;

/** A data system's webhook on loopback: records what it is sent and answers as `respond` says. */
interface FakeSystem {
  url: string;
  received: Array<{ headers: http.IncomingHttpHeaders; body: string }>;
  /** Resolves with the next request it receives. */
  nextRequest(): Promise<{ headers: http.IncomingHttpHeaders; body: string }>;
  respond: (body: string) => { status: number; body?: string; signature?: string };
}

const servers: http.Server[] = [];
const { s, newVisitor, operator, fileVerified, mailTo, requestRow } = privacySuite(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function sign(secret: string, body: string, t = s.clock.now()): string {
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

async function fakeSystem(): Promise<FakeSystem> {
  const waiting: Array<(r: { headers: http.IncomingHttpHeaders; body: string }) => void> = [];
  const system: FakeSystem = {
    url: '',
    received: [],
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    respond: () => ({ status: 202 }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      system.received.push(got);
      const answer = system.respond(got.body);
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(answer.signature ? { 'x-cw-signature': answer.signature } : {}),
      });
      res.end(answer.body ?? '');
      for (const wake of waiting.splice(0)) wake(got);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  system.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/privacy`;
  return system;
}

async function register(input: Record<string, unknown>) {
  return ok(await operator(), OperatorEvent.dataSystemSave, {
    purpose: 'Orders and payments',
    requestTypes: ['erasure', 'access'],
    ownerEmail: 'owner@example.test',
    ...input,
  } as never);
}

/** A verified request of `type`, started by the operator; its id and the visitor socket. */
async function started(type: 'erasure' | 'access' | 'objection', email: string) {
  const visitor = await newVisitor();
  const filed = await fileVerified(visitor.socket, type, email);
  if (type !== 'objection') await ok(await operator(), OperatorEvent.privacyAct, { id: filed.id, action: 'start' });
  return { ...filed, visitor };
}

async function requestOf(id: number) {
  return (await ok(await operator(), OperatorEvent.privacyGet, { id })).request;
}

/** Waits until request `id`'s rows satisfy `done` (each answer is pushed to consoles; this reads it back). */
async function rowsUntil(id: number, done: (states: string[]) => boolean) {
  const op = await operator();
  const current = async () => (await requestOf(id)).systems;
  let rows = await current();
  while (!done(rows.map((r) => r.state))) {
    await next(op, 'privacy:upserts', (batch: Array<{ id: number }>) => batch.some((r) => r.id === id));
    rows = await current();
  }
  return rows;
}

describe('data systems: webhook with a receipt', () => {
  test('a system that answers at once with a signed receipt is recorded; the record lists it; completion goes through', async () => {
    const shop = await fakeSystem();
    const { secret } = await register({ name: 'Shop', kind: 'webhook', webhookUrl: shop.url });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    shop.respond = () => {
      const receipt: SystemReceipt = { outcome: 'done', counts: { orders: 3, addresses: 1 } };
      const body = JSON.stringify(receipt);
      return { status: 200, body, signature: sign(secret!, body) };
    };
    const delivered = shop.nextRequest();
    const { id } = await started('erasure', 'alice@example.test');
    const sent = await delivered;
    // What we sent is signed with the system's secret and names the requester and where to answer later.
    expect(sent.headers['x-cw-signature']).toBe(
      sign(secret!, sent.body, Number(/t=(\d+)/.exec(String(sent.headers['x-cw-signature']))![1])),
    );
    const payload = JSON.parse(sent.body);
    expect(payload.data).toMatchObject({ type: 'erasure', email: 'alice@example.test' });
    expect(payload.data.receipt.callbackUrl).toMatch(/\/api\/data-systems\/receipts\/[A-Za-z0-9_-]{24}$/);

    const rows = await rowsUntil(id, (states) => states.every((x) => x !== 'pending'));
    expect(rows).toEqual([
      expect.objectContaining({
        name: 'Shop',
        kind: 'webhook',
        state: 'done',
        answeredBy: 'webhook receipt',
        counts: { orders: 3, addresses: 1 },
      }),
    ]);

    await ok(await operator(), OperatorEvent.privacyAct, { id, action: 'complete' });
    const cookie = await signIn(s.t.url);
    const record = (await (await fetch(`${s.t.url}/api/admin/privacy-requests/${id}/record.json`, { headers: { cookie } })).json()) as {
      systems: Array<Record<string, unknown>>;
      events: Array<{ action: string; detail: Record<string, unknown> | null }>;
    };
    expect(record.systems).toEqual([
      expect.objectContaining({
        system: 'Shop',
        reachedBy: 'webhook',
        outcome: 'done',
        counts: { orders: 3, addresses: 1 },
        answeredBy: 'webhook receipt',
      }),
    ]);
    expect(record.events.map((e) => e.action)).toEqual(expect.arrayContaining(['systems asked', 'system answered', 'completed']));
    const html = await (await fetch(`${s.t.url}/api/admin/privacy-requests/${id}/record.html`, { headers: { cookie } })).text();
    expect(html).toContain('<h2>Data systems</h2>');
    expect(html).toMatch(/<td>Shop<\/td><td>webhook<\/td><td>done<\/td>/);
    expect(html).not.toContain('alice@example.test');
  });

  test('a later receipt at the callback: refused when forged or unsigned, recorded when signed, refused the second time; completion waits for it', async () => {
    const crm = await fakeSystem();
    const { secret } = await register({ name: 'CRM', kind: 'webhook', webhookUrl: crm.url });
    const delivered = crm.nextRequest();
    const { id } = await started('erasure', 'bob@example.test');
    const callbackUrl = JSON.parse((await delivered).body).data.receipt.callbackUrl.replace(/^https?:\/\/[^/]+/, s.t.url);

    // Delivered and waiting: the request cannot be completed.
    const early = await call(await operator(), OperatorEvent.privacyAct, { id, action: 'complete' });
    expect(errorCode(early)).toBe('invalid_state');
    expect(early.ok ? '' : early.error.message).toMatch(/CRM \(no answer yet\)/);

    const body = JSON.stringify({ outcome: 'kept', legalBasis: 'gdpr_17_3_b', reason: 'Invoices kept 10 years' });
    const post = (signature?: string, text = body) =>
      fetch(callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature ? { 'x-cw-signature': signature } : {}) },
        body: text,
      });
    expect((await post()).status).toBe(401);
    expect((await post(sign('not the secret', body))).status).toBe(401);
    expect((await post(sign(secret!, body), body.replace('kept', 'done'))).status).toBe(401);
    expect((await requestOf(id)).systems[0].state).toBe('pending');
    // Kept with no legal basis is not a receipt we take.
    const noBasis = JSON.stringify({ outcome: 'kept' });
    expect((await post(sign(secret!, noBasis), noBasis)).status).toBe(422);

    expect((await post(sign(secret!, body))).status).toBe(200);
    expect((await requestOf(id)).systems[0]).toMatchObject({
      state: 'kept',
      legalBasis: 'gdpr_17_3_b',
      note: 'Invoices kept 10 years',
      answeredBy: 'webhook receipt (callback)',
    });
    expect((await post(sign(secret!, body))).status).toBe(409);
    await ok(await operator(), OperatorEvent.privacyAct, { id, action: 'complete' });
    expect(requestRow(id).state).toBe('completed');
  });

  test('an answer whose receipt is not signed is not taken: the row stays pending and shows why', async () => {
    const tool = await fakeSystem();
    await register({ name: 'Mailing tool', kind: 'webhook', webhookUrl: tool.url });
    tool.respond = () => ({ status: 200, body: JSON.stringify({ outcome: 'done' }) });
    const delivered = tool.nextRequest();
    const { id } = await started('erasure', 'carol@example.test');
    await delivered;
    const op = await operator();
    let row = (await requestOf(id)).systems[0];
    while (!row.deliveryError) {
      await next(op, 'privacy:upserts', (batch: Array<{ id: number }>) => batch.some((r) => r.id === id));
      row = (await requestOf(id)).systems[0];
    }
    expect(row).toMatchObject({ state: 'pending', deliveryError: expect.stringMatching(/not signed/) });
  });
});

describe('data systems: a webhook that cannot be reached', () => {
  test('the retries are shown with their next time; once they give up, the operator sends it again and the answer is in the reply', async () => {
    const shop = await fakeSystem();
    const { secret } = await register({ name: 'Shop', kind: 'webhook', webhookUrl: shop.url });
    shop.respond = () => ({ status: 503 });
    const { id } = await started('erasure', 'dora@example.test');
    const systems = s.t.app.services.dataSystems;
    // The first delivery went when the request started; the pass that carried it is awaited here.
    await systems.tick();
    let [row] = (await requestOf(id)).systems;
    expect(row).toMatchObject({ state: 'pending', deliveryError: 'HTTP 503', attempts: 1, nextAttemptAt: s.clock.now() + BACKOFF_MS[0] });
    const early = await call(await operator(), OperatorEvent.privacySystemResend, { id, entryId: row.id });
    expect(errorCode(early)).toBe('invalid_state');

    for (const wait of BACKOFF_MS) {
      s.clock.advance(wait);
      await systems.tick();
    }
    [row] = (await requestOf(id)).systems;
    expect(row).toMatchObject({ state: 'pending', deliveryError: 'HTTP 503', attempts: BACKOFF_MS.length + 1, nextAttemptAt: null });
    expect(shop.received).toHaveLength(BACKOFF_MS.length + 1);

    // The system is back, and answers at once: the operator's reply already carries the outcome.
    shop.respond = (body) => {
      const receipt = JSON.stringify({ outcome: 'done', counts: { orders: 2 } });
      expect(JSON.parse(body).data.email).toBe('dora@example.test');
      return { status: 200, body: receipt, signature: sign(secret!, receipt) };
    };
    const { request } = await ok(await operator(), OperatorEvent.privacySystemResend, { id, entryId: row.id });
    expect(request.systems).toEqual([expect.objectContaining({ name: 'Shop', state: 'done', deliveryError: null, counts: { orders: 2 } })]);
    const again = await call(await operator(), OperatorEvent.privacySystemResend, { id, entryId: row.id });
    expect(errorCode(again)).toBe('invalid_state');
    const { audit } = await ok(await operator(), OperatorEvent.privacyGet, { id });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['system unreachable', 'system sent again', 'system answered']));
    expect(audit.find((e) => e.action === 'system sent again')).toMatchObject({ actor: expect.stringMatching(/^operator #\d+/) });
  });
});

describe('data systems: processor e-mail and manual task', () => {
  test('the processor gets a one-time link; its page refuses "kept" without a basis, records the outcome once, then is spent', async () => {
    await register({ name: 'Payment processor', kind: 'processor_email', contactEmail: 'dpo@processor.test' });
    const { id } = await started('erasure', 'dave@example.test');
    const mail = await mailTo('dpo@processor.test', /Privacy request PR-/);
    expect(mail.body).toContain('dave@example.test');
    const link = /https?:\/\/\S+\/privacy\/processor\/([A-Za-z0-9_-]{24})\?t=([A-Za-z0-9_-]+)/.exec(mail.body)!;
    const pageUrl = `${s.t.url}/privacy/processor/${link[1]}`;
    const t = link[2];

    const form = await fetch(`${pageUrl}?t=${t}`);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('dave@example.test');
    expect(html).toMatch(/<label for="note">/);
    expect((await fetch(`${pageUrl}?t=${'x'.repeat(43)}`)).status).toBe(410);

    const submit = (fields: Record<string, string>) =>
      fetch(pageUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    const noBasis = await submit({ t, outcome: 'kept', legalBasis: '', note: 'Payment records kept' });
    expect(noBasis.status).toBe(400);
    expect(await noBasis.text()).toMatch(/legal basis|legalBasis/);
    expect((await requestOf(id)).systems[0].state).toBe('pending');

    const done = await submit({ t, outcome: 'kept', legalBasis: 'fz152_law', note: 'Payment records kept for 5 years (402-FZ)' });
    expect(done.status).toBe(200);
    expect((await requestOf(id)).systems[0]).toMatchObject({
      state: 'kept',
      legalBasis: 'fz152_law',
      answeredBy: 'processor (dpo@processor.test)',
      note: 'Payment records kept for 5 years (402-FZ)',
    });
    expect((await submit({ t, outcome: 'done', note: 'again' })).status).toBe(410);
    expect((await fetch(`${pageUrl}?t=${t}`)).status).toBe(410);
  });

  test('a processor link expires', async () => {
    await register({ name: 'Courier', kind: 'processor_email', contactEmail: 'privacy@courier.test' });
    await started('erasure', 'erin@example.test');
    const mail = await mailTo('privacy@courier.test', /Privacy request PR-/);
    const [url] = /https?:\/\/\S+\/privacy\/processor\/\S+/.exec(mail.body)!;
    const local = url.replace(/^https?:\/\/[^/]+/, s.t.url);
    expect((await fetch(local)).status).toBe(200);
    s.clock.advance(31 * DAY);
    const gone = await fetch(local);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toMatch(/expired/);
  });

  test('a manual task needs the operator’s evidence; until every row is answered the request cannot be completed', async () => {
    const op = await operator();
    const me = (await ok(op, OperatorEvent.teamList, {})).team[0];
    await register({ name: 'Paper archive', kind: 'manual', assigneeId: me.id, requestTypes: ['erasure'] });
    const { id } = await started('erasure', 'frank@example.test');
    const [row] = (await requestOf(id)).systems;
    expect(row).toMatchObject({ name: 'Paper archive', kind: 'manual', state: 'pending', assigneeId: me.id });
    expect(errorCode(await call(op, OperatorEvent.privacyAct, { id, action: 'complete' }))).toBe('invalid_state');
    expect(errorCode(await call(op, OperatorEvent.privacySystemRecord, { id, entryId: row.id, outcome: 'done', note: '  ' }))).toBe(
      'invalid_payload',
    );
    const answered = await ok(op, OperatorEvent.privacySystemRecord, {
      id,
      entryId: row.id,
      outcome: 'done',
      note: 'Shredded folder 12, witnessed by B.',
    });
    expect(answered.request.systems[0]).toMatchObject({
      state: 'done',
      note: 'Shredded folder 12, witnessed by B.',
      answeredBy: expect.stringMatching(/^operator #/),
    });
    expect(errorCode(await call(op, OperatorEvent.privacySystemRecord, { id, entryId: row.id, outcome: 'done', note: 'twice' }))).toBe(
      'conflict',
    );
    await ok(op, OperatorEvent.privacyAct, { id, action: 'complete' });
    expect(requestRow(id).state).toBe('completed');
  });
});

describe('data systems: what the requester sees, access data, objections, reminders', () => {
  test('the requester sees each system’s progress, and an access request’s export carries what the system sent back', async () => {
    const shop = await fakeSystem();
    const { secret } = await register({ name: 'Shop', kind: 'webhook', webhookUrl: shop.url });
    await register({ name: 'Paper archive', kind: 'manual', requestTypes: ['access'] });
    shop.respond = () => {
      const body = JSON.stringify({ outcome: 'done', data: { orders: [{ number: 'A-17', total: '42.00' }] } });
      return { status: 200, body, signature: sign(secret!, body) };
    };
    const { id, visitor, requestToken } = await started('access', 'gina@example.test');
    const status = async () =>
      (await ok(visitor.socket, VisitorEvent.privacyStatus, { requestTokens: [requestToken] })).requests[0].request as VisitorRequestDto;
    const rows = await rowsUntil(id, (states) => states.includes('done'));
    expect((await status()).systems).toEqual(
      [
        { name: 'Paper archive', state: 'pending', legalBasis: null },
        { name: 'Shop', state: 'done', legalBasis: null },
      ].sort((a, b) => rows.findIndex((r) => r.name === a.name) - rows.findIndex((r) => r.name === b.name)),
    );

    const pushed = next<VisitorRequestDto>(visitor.socket, VisitorPush.privacyUpdate, (r) => r.systems.every((x) => x.state !== 'pending'));
    const archive = rows.find((r) => r.name === 'Paper archive')!;
    await ok(await operator(), OperatorEvent.privacySystemRecord, {
      id,
      entryId: archive.id,
      outcome: 'not_found',
      note: 'Checked the 2025 and 2026 binders.',
    });
    // Nothing but names and outcomes reaches the requester.
    expect(JSON.stringify(await pushed)).not.toContain('binders');

    await ok(await operator(), OperatorEvent.privacyAct, { id, action: 'complete' });
    const mail = await mailTo('gina@example.test', /copy of your data|ready/i);
    const download = /\/privacy\/export\/([A-Za-z0-9_-]+)/.exec(mail.body)![1];
    const exported = (await (await fetch(`${s.t.url}/privacy/export/${download}`)).json()) as {
      otherSystems: Array<Record<string, unknown>>;
    };
    expect(exported.otherSystems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ system: 'Shop', outcome: 'done', data: { orders: [{ number: 'A-17', total: '42.00' }] } }),
        expect.objectContaining({ system: 'Paper archive', outcome: 'not_found' }),
      ]),
    );
    // Once closed, the returned data is not kept with the row.
    expect(s.t.db.prepare('SELECT count(*) FROM request_systems WHERE data_json IS NOT NULL').pluck().get()).toBe(0);
  });

  test('an objection a system must act on stays open until it answers, instead of completing by itself', async () => {
    await register({ name: 'Newsletter', kind: 'manual', requestTypes: ['objection'] });
    const { id } = await started('objection', 'hana@example.test');
    expect(requestRow(id).state).toBe('in_progress');
    const [row] = (await requestOf(id)).systems;
    await ok(await operator(), OperatorEvent.privacySystemRecord, {
      id,
      entryId: row.id,
      outcome: 'done',
      note: 'Unsubscribed in the newsletter tool.',
    });
    await ok(await operator(), OperatorEvent.privacyAct, { id, action: 'complete' });
    expect(requestRow(id).state).toBe('completed');
  });

  test('the owner of a system that has not answered is reminded before the deadline, once a day', async () => {
    await register({ name: 'Warehouse', kind: 'manual', ownerEmail: 'warehouse@example.test' });
    const { id } = await started('erasure', 'ivan@example.test');
    const due = requestRow(id).due_at as number;
    const reminders = () => s.t.smtp.mailsTo('warehouse@example.test').length;
    await s.t.app.services.dataSystems.remind();
    expect(reminders()).toBe(0);
    s.clock.t = due - REMIND_BEFORE_MS + 1000;
    await s.t.app.services.dataSystems.remind();
    const mail = await mailTo('warehouse@example.test', /Reminder: Warehouse/);
    expect(mail.body).not.toContain('ivan@example.test');
    await s.t.app.services.dataSystems.remind();
    s.clock.advance(DAY + 1000);
    await s.t.app.services.dataSystems.remind();
    await mailTo('warehouse@example.test', /Reminder: Warehouse/, 1);
    expect(reminders()).toBe(2);
  });

  test('the register: webhook systems need a URL, processors a contact; an archived system is asked no more', async () => {
    const op = await operator();
    // A webhook system without its URL, a processor without its contact.
    for (const kind of ['webhook', 'processor_email'] as const) {
      const answer = await call(op, OperatorEvent.dataSystemSave, {
        name: 'X',
        requestTypes: ['erasure'],
        ownerEmail: 'o@example.test',
        kind,
      });
      expect(errorCode(answer), kind).toBe('invalid_payload');
    }
    const { system } = await register({ name: 'Old CRM', kind: 'manual' });
    expect((await ok(op, OperatorEvent.dataSystemList, {})).systems.map((x) => x.name)).toEqual(['Old CRM']);
    await ok(op, OperatorEvent.dataSystemDelete, { id: system.id });
    expect((await ok(op, OperatorEvent.dataSystemList, {})).systems).toEqual([]);
    const { id } = await started('erasure', 'jan@example.test');
    expect((await requestOf(id)).systems).toEqual([]);
  });
});
