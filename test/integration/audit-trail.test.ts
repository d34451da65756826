import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { connected, ok, operatorClient, signIn, startTestApp, visitorClient, type TestApp } from '../helpers/test-app';

let t: TestApp;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await t?.close();
});

function audit(): Array<{ request_id: number | null; actor: string; action: string; detail: string | null }> {
  return t.db.prepare('SELECT request_id, actor, action, detail FROM audit_log ORDER BY id').all() as never;
}

describe('the audit log records every view of requester data and every export', () => {
  test('listing, opening, the register, the closure record and the requester’s download each leave an entry naming who', async () => {
    t = await startTestApp({ env: { SMTP_URL: '' } });
    const cookie = await signIn(t.url);
    const op = operatorClient(t.url, cookie);
    sockets.push(op);
    await connected(op);
    const visitor = visitorClient(t.url);
    sockets.push(visitor);
    await ok(visitor, VisitorEvent.hello, {});
    const email = 'audit.me@example.test';
    const started = await ok(visitor, VisitorEvent.privacyStart, { type: 'access', email });
    if (started.status !== 'code_sent') throw new Error('expected a code');
    await t.app.services.mail.idle();
    const code = /\b(\d{6})\b/.exec(t.db.prepare('SELECT body FROM mail_outbox WHERE to_address = ?').pluck().get(email) as string)![1];
    const filed = await ok(visitor, VisitorEvent.privacyVerify, { verificationId: started.verificationId, code });
    const id = t.db.prepare('SELECT id FROM privacy_requests WHERE reference = ?').pluck().get(filed.request.reference) as number;
    const admin = 'operator #1 (Admin)';
    const mark = audit().length;

    const listed = await ok(op, OperatorEvent.privacyList, { state: 'verified' });
    expect(listed.requests.map((r) => r.email)).toEqual([email]);
    expect(audit().slice(mark)).toEqual([
      { request_id: null, actor: admin, action: 'listed requests', detail: JSON.stringify({ count: 1, state: 'verified' }) },
    ]);

    await ok(op, OperatorEvent.privacyGet, { id });
    expect(audit().at(-1)).toMatchObject({ request_id: id, actor: admin, action: 'viewed' });

    await ok(op, OperatorEvent.privacyAct, { id, action: 'start' });
    await ok(op, OperatorEvent.privacyAct, { id, action: 'complete' });
    await t.app.services.mail.idle();

    expect((await fetch(`${t.url}/api/admin/privacy-register.csv`, { headers: { cookie } })).status).toBe(200);
    expect(audit().at(-1)).toMatchObject({ request_id: null, actor: admin, action: 'register exported' });

    expect((await fetch(`${t.url}/api/admin/privacy-requests/${id}/record.json`, { headers: { cookie } })).status).toBe(200);
    expect(audit().at(-1)).toMatchObject({ request_id: id, actor: admin, action: 'record exported' });

    const ready = t.db
      .prepare(`SELECT body FROM mail_outbox WHERE to_address = ? AND subject LIKE 'Your data is ready%'`)
      .pluck()
      .get(email) as string;
    const exportUrl = /(http\S+\/privacy\/export\/\S+)/.exec(ready)![1];
    expect((await fetch(exportUrl)).status).toBe(200);
    expect(audit().at(-1)).toMatchObject({ request_id: id, actor: 'requester', action: 'export downloaded' });
    // A spent link is no download and leaves no entry.
    const entries = audit().length;
    expect((await fetch(exportUrl)).status).toBe(410);
    expect(audit()).toHaveLength(entries);
  });
});
