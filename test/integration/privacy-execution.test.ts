import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { AuditRepository } from '../../server/db/repositories/audit-repository';
import { OperatorEvent, VisitorEvent, VisitorPush } from '../../shared/protocol';
import type { VisitorRequestDto } from '../../shared/types';
import { allStoredValues, rows } from '../helpers/db-snapshot';
import { privacySuite } from '../helpers/privacy';
import { linkIn } from '../helpers/smtp';
import { errorCode, say, unwrap } from '../helpers/sockets';
import { call, next, ok } from '../helpers/test-app';

// Carrying a privacy request out: erasure, access, objection to marketing.

const { s, newVisitor, operator, mailTo, startWithCode, fileVerified, requestIdOf, requestRow, act, keyedEmailHash, signatureFor } =
  privacySuite();

describe('erasure', () => {
  test("completing an erasure deletes the requester's chat and leaves everyone else's untouched", async () => {
    const op = await operator();
    const a = await newVisitor();
    const b = await newVisitor();
    const aConversation = await say(a.socket, 'Alice here, please forget me');
    await say(a.socket, 'my order number is 12345');
    const bConversation = await say(b.socket, 'Bob here, keep my chat');
    await ok(op, OperatorEvent.messageSend, { conversationId: bConversation, clientId: 'reply-to-bob-1', text: 'Hello Bob' });
    await ok(op, OperatorEvent.messageSend, { conversationId: aConversation, clientId: 'reply-to-alice', text: 'Hello Alice' });
    await ok(op, OperatorEvent.noteAdd, {
      conversationId: aConversation,
      clientId: 'note-on-alice',
      text: 'Alice is a returning customer',
    });
    await ok(op, OperatorEvent.noteAdd, { conversationId: bConversation, clientId: 'note-on-bob-1', text: 'Bob prefers e-mail' });

    const { id } = await fileVerified(a.socket, 'erasure', 'alice@example.test', { name: 'Alice A.' });
    const bRows = () => ({
      visitors: rows(s.t.db, 'SELECT * FROM visitors WHERE id = ?', b.visitorId),
      conversations: rows(s.t.db, 'SELECT * FROM conversations WHERE visitor_id = ?', b.visitorId),
      messages: rows(
        s.t.db,
        'SELECT * FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?) ORDER BY id',
        b.visitorId,
      ),
      notes: rows(
        s.t.db,
        'SELECT * FROM conversation_notes WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?) ORDER BY id',
        b.visitorId,
      ),
    });
    const bBefore = bRows();
    expect(bBefore.messages).toHaveLength(2);
    expect(bBefore.notes).toHaveLength(1);
    const aConversationRow = s.t.db.prepare('SELECT id FROM conversations WHERE visitor_id = ?').pluck().get(a.visitorId) as number;

    expect((await ok(op, OperatorEvent.conversationSearch, { query: 'forget' })).hits).toHaveLength(1);
    const completedPush = next<VisitorRequestDto>(a.socket, VisitorPush.privacyUpdate, (r) => r.state === 'completed');
    await ok(op, OperatorEvent.privacyAct, { id, action: 'start' });
    // The console's confirmation names what will go; counting it deletes nothing.
    const stored = allStoredValues(s.t.db).length;
    const { preview } = await ok(op, OperatorEvent.privacyPreview, { id });
    expect(preview).toEqual({
      visitors: 1,
      conversations: 1,
      messages: 3,
      notes: 1,
      ratings: 0,
      attachments: 0,
      prechatAnswers: 0,
      consents: 0,
      mails: 0,
      webhookCopies: 0,
    });
    expect(allStoredValues(s.t.db)).toHaveLength(stored);
    expect(bRows()).toEqual(bBefore);
    const done = unwrap(await act(id, 'complete')).request;
    expect(done).toMatchObject({ state: 'completed', email: null, name: null, result: { visitors: 1, conversations: 1, messages: 3 } });
    expect(done.result).toEqual(preview);
    expect(done.retainedNote).toBeTruthy();
    expect(await completedPush).toMatchObject({ state: 'completed' });

    // A is gone…
    expect(rows(s.t.db, 'SELECT id FROM visitors WHERE id = ?', a.visitorId)).toEqual([]);
    expect(rows(s.t.db, 'SELECT id FROM conversations WHERE visitor_id = ?', a.visitorId)).toEqual([]);
    expect(rows(s.t.db, 'SELECT id FROM messages WHERE conversation_id = ?', aConversationRow)).toEqual([]);
    expect(rows(s.t.db, 'SELECT id FROM conversation_notes WHERE conversation_id = ?', aConversationRow)).toEqual([]);
    // Search can no longer find what was erased, and still finds the rest.
    const { hits } = await ok(op, OperatorEvent.conversationSearch, { query: 'forget' });
    expect(hits).toEqual([]);
    // …B is byte for byte what it was.
    expect(bRows()).toEqual(bBefore);
    expect(rows(s.t.db, 'SELECT id FROM visitors')).toEqual([{ id: b.visitorId }]);

    // The ticket keeps only the keyed hash of the address, and what was erased.
    const ticket = requestRow(id);
    expect(ticket).toMatchObject({ state: 'completed', email: null, name: null, details: null, visitor_id: null });
    expect((ticket.email_hash as Buffer).equals(keyedEmailHash('alice@example.test'))).toBe(true);
    const erased = {
      visitors: 1,
      conversations: 1,
      messages: 3,
      notes: 1,
      attachments: 0,
      ratings: 0,
      prechatAnswers: 0,
      consents: 0,
      mails: 0,
      webhookCopies: 0,
    };
    expect(JSON.parse(ticket.result_json as string)).toEqual(erased);
    expect(
      allStoredValues(s.t.db).some((v) => typeof v === 'string' && /alice@example\.test|Alice A\.|forget me|returning customer/.test(v)),
    ).toBe(false);

    // The destruction is on record.
    const audit = rows(s.t.db, 'SELECT actor, action, detail FROM audit_log WHERE request_id = ? ORDER BY id', id);
    expect(audit.map((e) => e.action)).toEqual(['received', 'verified', 'started', 'completed']);
    const completed = audit[3];
    expect(completed.actor).toMatch(/^operator #1/);
    expect(JSON.parse(completed.detail as string).result).toEqual(erased);

    // And the requester is told, with what had to be kept.
    const mail = await mailTo('alice@example.test', /completed/i);
    expect(mail.body).toContain(done.reference);
  });

  test('an erasure also reaches the chat of a visitor the site identified with that address', async () => {
    const identified = await newVisitor();
    await ok(identified.socket, VisitorEvent.identify, { email: 'alice@example.test', signature: signatureFor('alice@example.test') });
    await say(identified.socket, 'chat on the shop site');
    const other = await newVisitor();
    await say(other.socket, 'someone else');

    const requester = await newVisitor();
    const { id } = await fileVerified(requester.socket, 'erasure', 'alice@example.test');
    await act(id, 'start');
    expect(unwrap(await act(id, 'complete')).request.result).toMatchObject({ visitors: 2, conversations: 1, messages: 1 });
    expect(rows(s.t.db, 'SELECT id FROM visitors ORDER BY id')).toEqual([{ id: other.visitorId }]);
  });

  test('an erasure also reaches a browser that verified a duplicate request for the same address', async () => {
    const laptop = await newVisitor();
    const phone = await newVisitor();
    await say(laptop.socket, 'from the laptop');
    await say(phone.socket, 'from the phone');
    const first = await fileVerified(laptop.socket, 'erasure', 'alice@example.test');
    const second = await fileVerified(phone.socket, 'erasure', 'alice@example.test');
    expect(second.alreadyOpen).toBe(true);

    await act(first.id, 'start');
    expect(unwrap(await act(first.id, 'complete')).request.result).toMatchObject({ visitors: 2, conversations: 2, messages: 2 });
    expect(rows(s.t.db, 'SELECT id FROM visitors')).toEqual([]);
  });

  test("an erasure removes the requester's address from stored webhook payloads too", async () => {
    const op = await operator();
    // Port 1 on loopback refuses connections: deliveries stay stored, waiting for a retry.
    await ok(op, OperatorEvent.webhookCreate, { url: 'http://127.0.0.1:1/hook' });
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'erasure', 'alice@example.test');
    await act(id, 'start');
    const payloads = () => rows(s.t.db, 'SELECT payload FROM webhook_deliveries').map((r) => String(r.payload));
    expect(payloads().some((p) => p.includes('alice@example.test'))).toBe(true);

    expect((await ok(op, OperatorEvent.privacyPreview, { id })).preview).toMatchObject({ webhookCopies: 2 });
    const done = unwrap(await act(id, 'complete')).request;
    expect(done.result).toMatchObject({ webhookCopies: 2 });
    expect(payloads().length).toBeGreaterThan(2);
    expect(payloads().some((p) => p.includes('alice@example.test'))).toBe(false);
  });

  test('only an open erasure request has an erasure preview', async () => {
    const op = await operator();
    const { socket } = await newVisitor();
    const access = await fileVerified(socket, 'access', 'alice@example.test');
    expect(errorCode(await call(op, OperatorEvent.privacyPreview, { id: access.id }))).toBe('invalid_state');
    const erasure = await fileVerified(socket, 'erasure', 'alice@example.test');
    await act(erasure.id, 'reject', { reason: 'We could not match the address to an account.' });
    expect(errorCode(await call(op, OperatorEvent.privacyPreview, { id: erasure.id }))).toBe('invalid_state');
    expect(errorCode(await call(op, OperatorEvent.privacyPreview, { id: 999_999 }))).toBe('not_found');
  });

  test('the audit log refuses UPDATE and DELETE', async () => {
    const { socket } = await newVisitor();
    await fileVerified(socket, 'access', 'alice@example.test');
    const before = rows(s.t.db, 'SELECT * FROM audit_log ORDER BY id');
    expect(before.length).toBeGreaterThan(0);
    expect(() => s.t.db.prepare(`UPDATE audit_log SET actor = 'someone else'`).run()).toThrow(/append-only/);
    expect(() => s.t.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(() => s.t.db.prepare('DELETE FROM audit_log WHERE id = ?').run(before[0].id)).toThrow(/append-only/);
    expect(rows(s.t.db, 'SELECT * FROM audit_log ORDER BY id')).toEqual(before);
    // An entry must carry its place in the chain; appending through the repository keeps the chain whole.
    expect(() => s.t.db.prepare(`INSERT INTO audit_log (request_id, at, actor, action) VALUES (NULL, 0, 'test', 'x')`).run()).toThrow(
      /chain hashes/,
    );
    new AuditRepository(s.t.db).append(null, 0, 'test', 'appended', null);
    expect(rows(s.t.db, 'SELECT id FROM audit_log')).toHaveLength(before.length + 1);
    expect(new AuditRepository(s.t.db).verifyChain()).toMatchObject({ intact: true, entries: before.length + 1, brokenAt: null });
  });

  test('the audit log is hash-chained: a changed entry breaks the chain there, and `npm run admin -- verify-audit` says where', async () => {
    const { socket } = await newVisitor();
    await fileVerified(socket, 'access', 'alice@example.test');
    const audit = new AuditRepository(s.t.db);
    const intact = audit.verifyChain();
    expect(intact).toMatchObject({ intact: true, brokenAt: null });
    expect(intact.entries).toBeGreaterThanOrEqual(2);
    const verify = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', path.resolve('server/cli/admin-cli.ts'), 'verify-audit'], {
        env: { ...process.env, DATABASE_PATH: s.t.config.databasePath },
      });
    expect((await verify()).stdout).toContain(`intact: ${intact.entries} entries. Head: ${intact.head}`);

    // Someone with the database file in hand drops the trigger and rewrites who did something.
    const second = rows(s.t.db, 'SELECT id FROM audit_log ORDER BY id')[1] as { id: number };
    s.t.db.exec('DROP TRIGGER audit_log_no_update');
    s.t.db.prepare(`UPDATE audit_log SET actor = 'nobody' WHERE id = ?`).run(second.id);
    expect(audit.verifyChain()).toMatchObject({ intact: false, brokenAt: second.id });
    const refused = await verify().then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain(`broken at entry #${second.id}`);
  });
});

describe('access requests', () => {
  test("completing an access request mails a one-time link to a JSON copy of the requester's chat", async () => {
    const op = await operator();
    const a = await newVisitor();
    const b = await newVisitor();
    const aConversation = await say(a.socket, 'Alice asks about shipping');
    await ok(op, OperatorEvent.messageSend, { conversationId: aConversation, clientId: 'reply-alice-1', text: 'It ships tomorrow' });
    await ok(op, OperatorEvent.noteAdd, { conversationId: aConversation, clientId: 'note-alice-1', text: 'Asked twice about shipping' });
    await say(b.socket, 'Bob secret message');

    const { id, request } = await fileVerified(a.socket, 'access', 'alice@example.test');
    await act(id, 'start');
    const done = unwrap(await act(id, 'complete')).request;
    expect(done.result).toMatchObject({ visitors: 1, messages: 2 });

    const mail = await mailTo('alice@example.test', /data is ready/i);
    const link = linkIn(mail);
    expect(link.startsWith(`${s.t.url}/privacy/export/`)).toBe(true);

    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const text = await res.text();
    const data = JSON.parse(text) as {
      request: string;
      subject: { email: string };
      visitors: Array<{
        conversation: { messages: Array<{ from: string; text: string }>; operatorNotes: Array<{ by: string; text: string }> };
      }>;
    };
    expect(data.request).toBe(request.reference);
    expect(data.subject.email).toBe('alice@example.test');
    expect(data.visitors).toHaveLength(1);
    expect(data.visitors[0].conversation.messages.map((m) => [m.from, m.text])).toEqual([
      ['visitor', 'Alice asks about shipping'],
      ['operator Admin', 'It ships tomorrow'],
    ]);
    expect(data.visitors[0].conversation.operatorNotes).toEqual([
      expect.objectContaining({ by: 'Admin', text: 'Asked twice about shipping' }),
    ]);
    expect(text).not.toContain('Bob secret message');

    const second = await fetch(link);
    expect(second.status).toBe(410);
    const audit = rows(s.t.db, 'SELECT action FROM audit_log WHERE request_id = ? ORDER BY id', id).map((r) => r.action);
    expect(audit).toContain('export downloaded');
  });
});

describe('objection to marketing', () => {
  test('an objection completes at once on verification and suppresses marketing for the address', async () => {
    const identified = await newVisitor();
    await ok(identified.socket, VisitorEvent.identify, { email: 'alice@example.test', signature: signatureFor('alice@example.test') });
    s.t.db.prepare('UPDATE visitors SET marketing_consent = 1 WHERE id = ?').run(identified.visitorId);

    const { socket } = await newVisitor();
    const { verificationId, code } = await startWithCode(socket, 'objection', 'alice@example.test');
    const filed = await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
    expect(filed.request).toMatchObject({ type: 'objection', state: 'completed' });
    expect(filed.request.completedAt).toBe(s.clock.now());

    const id = requestIdOf(filed.request.reference);
    expect(rows(s.t.db, 'SELECT email_hash, request_id FROM marketing_suppressions')).toEqual([
      { email_hash: keyedEmailHash('alice@example.test'), request_id: id },
    ]);
    expect(rows(s.t.db, 'SELECT marketing_consent FROM visitors WHERE id = ?', identified.visitorId)).toEqual([{ marketing_consent: 0 }]);
    expect(requestRow(id)).toMatchObject({ email: null, state: 'completed' });
  });
});
