import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { PgCannedReplyRepository } from '../../server/db/pg/repositories/canned-reply-repository';
import { PgConversationRepository } from '../../server/db/pg/repositories/conversation-repository';
import { PgMailRepository } from '../../server/db/pg/repositories/mail-repository';
import { PgNoteRepository } from '../../server/db/pg/repositories/note-repository';
import { PgOperatorRepository } from '../../server/db/pg/repositories/operator-repository';
import { PgPrivacyMessageRepository } from '../../server/db/pg/repositories/privacy-message-repository';
import { PgPrivacyRepository } from '../../server/db/pg/repositories/privacy-repository';
import { PgRatingRepository } from '../../server/db/pg/repositories/rating-repository';
import { PgVerificationRepository } from '../../server/db/pg/repositories/verification-repository';
import { PgVisitorRepository } from '../../server/db/pg/repositories/visitor-repository';
import { CannedReplyRepository } from '../../server/db/repositories/canned-reply-repository';
import { ConversationRepository } from '../../server/db/repositories/conversation-repository';
import { MailRepository } from '../../server/db/repositories/mail-repository';
import { NoteRepository } from '../../server/db/repositories/note-repository';
import { OperatorRepository } from '../../server/db/repositories/operator-repository';
import { PrivacyMessageRepository } from '../../server/db/repositories/privacy-message-repository';
import { type NewRequest, PrivacyRepository, type PrivacyRequestRow } from '../../server/db/repositories/privacy-repository';
import { RatingRepository } from '../../server/db/repositories/rating-repository';
import { VerificationRepository } from '../../server/db/repositories/verification-repository';
import { VisitorRepository } from '../../server/db/repositories/visitor-repository';
import { isUniqueViolation } from '../../server/db/store';
import { contractStores, failure, type Opened } from '../helpers/contract-stores';

/**
 * The contract of the privacy-side repositories (and the console's notes, canned replies and ratings), run
 * against both stores as test/integration/repository-contract.test.ts runs the chat's. `await` takes a
 * SQLite method's value and a PostgreSQL one's promise alike.
 */
const {
  stores,
  freshPgPool,
  begin: beginOn,
} = contractStores('cw-contract-privacy-', {
  visitors: [VisitorRepository, PgVisitorRepository],
  conversations: [ConversationRepository, PgConversationRepository],
  operators: [OperatorRepository, PgOperatorRepository],
  verifications: [VerificationRepository, PgVerificationRepository],
  requests: [PrivacyRepository, PgPrivacyRepository],
  requestMessages: [PrivacyMessageRepository, PgPrivacyMessageRepository],
  mail: [MailRepository, PgMailRepository],
  notes: [NoteRepository, PgNoteRepository],
  canned: [CannedReplyRepository, PgCannedReplyRepository],
  ratings: [RatingRepository, PgRatingRepository],
});

const hash = (n: number) => Buffer.alloc(32, n);
const T0 = 1_780_000_000_000;
const reference = (id: number) => `PR-2026-${String(id).padStart(5, '0')}`;

function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
  return {
    type: 'erasure',
    jurisdiction: 'gdpr',
    source: 'chat',
    email: 'ann@example.com',
    emailHash: hash(1),
    name: 'Ann',
    details: 'Please erase my chats.',
    lang: 'en',
    visitorId: null,
    receivedAt: T0,
    ...overrides,
  };
}

describe.each(stores)('privacy repositories on $name', (store) => {
  let s: Opened<typeof store>;
  beforeEach(async () => {
    s = await store.open();
  });

  const fileRequest = (overrides: Partial<NewRequest> = {}) => s.requests.insert(newRequest(overrides), reference);

  async function conversationOf(n: number) {
    const visitor = await s.visitors.create(hash(n), `Visitor ${n}`, 'en', T0);
    return s.conversations.create(`conv-${n}`, visitor.id, null, T0);
  }

  const operator = (email: string, name: string) => s.operators.create({ email, name, role: 'operator', passwordHash: 'x', now: T0 });

  describe('verifications', () => {
    const verification = (id: string, requestId: number, n = 1) => ({
      id,
      requestId,
      kind: 'code' as const,
      secretHash: hash(100 + n),
      emailHash: hash(n),
      createdAt: T0,
      expiresAt: T0 + 600_000,
    });

    it('a new verification comes back as stored, untried, sent once and unused; an unknown id is null', async () => {
      const request = await fileRequest();
      await s.verifications.insert(verification('v-1', request.id));
      expect(await s.verifications.byId('v-1')).toStrictEqual({
        ...verification('v-1', request.id),
        attempts: 0,
        sends: 1,
        consumedAt: null,
      });
      expect(await s.verifications.byId('v-2')).toBeNull();
    });

    it('a second verification with the same id is a unique violation', async () => {
      const request = await fileRequest();
      await s.verifications.insert(verification('v-1', request.id));
      expect(isUniqueViolation(await failure(() => s.verifications.insert(verification('v-1', request.id, 2))))).toBe(true);
    });

    it('each wrong try is counted and the count so far returned', async () => {
      const request = await fileRequest();
      await s.verifications.insert(verification('v-1', request.id));
      expect(await s.verifications.countAttempt('v-1')).toBe(1);
      expect(await s.verifications.countAttempt('v-1')).toBe(2);
      expect(await s.verifications.countAttempt('v-1')).toBe(3);
      expect(await s.verifications.byId('v-1')).toMatchObject({ attempts: 3, consumedAt: null });
    });

    it('only the first use consumes it; a second finds it used and keeps the first time', async () => {
      const request = await fileRequest();
      await s.verifications.insert(verification('v-1', request.id));
      expect(await s.verifications.consume('v-1', T0 + 5)).toBe(true);
      expect(await s.verifications.consume('v-1', T0 + 9)).toBe(false);
      expect(await s.verifications.consume('v-unknown', T0 + 9)).toBe(false);
      expect((await s.verifications.byId('v-1'))?.consumedAt).toBe(T0 + 5);
    });

    it('a renewal replaces the secret and expiry, clears the tries and counts the send', async () => {
      const request = await fileRequest();
      await s.verifications.insert(verification('v-1', request.id));
      await s.verifications.countAttempt('v-1');
      await s.verifications.renew('v-1', hash(200), T0 + 999);
      expect(await s.verifications.byId('v-1')).toMatchObject({ secretHash: hash(200), expiresAt: T0 + 999, attempts: 0, sends: 2 });
      await s.verifications.renew('v-1', hash(201), T0 + 1999);
      expect(await s.verifications.byId('v-1')).toMatchObject({ secretHash: hash(201), sends: 3, consumedAt: null, createdAt: T0 });
    });

    it("voiding a request's verifications consumes its unused ones only, and no other request's", async () => {
      const a = await fileRequest();
      const b = await fileRequest({ emailHash: hash(2) });
      await s.verifications.insert(verification('a-1', a.id));
      await s.verifications.insert(verification('a-2', a.id));
      await s.verifications.insert(verification('b-1', b.id, 2));
      await s.verifications.consume('a-1', T0 + 1);
      await s.verifications.consumeAllFor(a.id, T0 + 7);
      expect((await s.verifications.byId('a-1'))?.consumedAt).toBe(T0 + 1);
      expect((await s.verifications.byId('a-2'))?.consumedAt).toBe(T0 + 7);
      expect((await s.verifications.byId('b-1'))?.consumedAt).toBeNull();
    });

    it('sends are counted per address, strictly after the given time', async () => {
      await s.verifications.logSend(hash(1), T0);
      await s.verifications.logSend(hash(1), T0 + 10);
      await s.verifications.logSend(hash(1), T0 + 20);
      await s.verifications.logSend(hash(2), T0 + 20);
      expect(await s.verifications.sendsSince(hash(1), T0 - 1)).toBe(3);
      expect(await s.verifications.sendsSince(hash(1), T0)).toBe(2);
      expect(await s.verifications.sendsSince(hash(1), T0 + 20)).toBe(0);
      expect(await s.verifications.sendsSince(hash(2), T0)).toBe(1);
      expect(await s.verifications.sendsSince(hash(3), 0)).toBe(0);
    });
  });

  describe('privacy requests', () => {
    it('a new request awaits verification, carries its reference and what was given, and is found by id and reference', async () => {
      const visitor = await s.visitors.create(hash(50), 'Visitor 50', 'en', T0);
      const row = await fileRequest({ visitorId: visitor.id, lang: 'ru', jurisdiction: '152fz' });
      const expected: PrivacyRequestRow = {
        id: row.id,
        reference: reference(row.id),
        type: 'erasure',
        state: 'awaiting_verification',
        jurisdiction: '152fz',
        source: 'chat',
        email: 'ann@example.com',
        emailHash: hash(1),
        name: 'Ann',
        details: 'Please erase my chats.',
        lang: 'ru',
        visitorId: visitor.id,
        duplicateOf: null,
        receivedAt: T0,
        verifiedAt: null,
        ackDueAt: null,
        dueAt: null,
        extended: 0,
        extensionReason: null,
        rejectionReason: null,
        retainedNote: null,
        resultJson: null,
        completedAt: null,
        updatedAt: T0,
      };
      expect(row).toStrictEqual(expected);
      expect(typeof row.id).toBe('number');
      expect(await s.requests.byId(row.id)).toStrictEqual(expected);
      expect(await s.requests.byReference(reference(row.id))).toStrictEqual(expected);
      const next = await fileRequest({ type: null, source: 'email', email: null, name: null, details: null, receivedAt: T0 + 1 });
      expect(next).toMatchObject({ id: row.id + 1, reference: reference(row.id + 1), type: null, source: 'email', email: null });
    });

    it('unknown ids, references and watcher tokens find no request (null)', async () => {
      await fileRequest();
      expect(await s.requests.byId(999)).toBeNull();
      expect(await s.requests.byReference('PR-2026-99999')).toBeNull();
      expect(await s.requests.byWatcher(hash(9))).toBeNull();
    });

    it('save stores every field it changes, and only on its own request', async () => {
      const row = await fileRequest();
      const other = await fileRequest({ emailHash: hash(2) });
      const saved: PrivacyRequestRow = {
        ...row,
        type: 'access',
        state: 'completed',
        email: null,
        name: null,
        details: null,
        duplicateOf: other.id,
        verifiedAt: T0 + 1,
        ackDueAt: T0 + 2,
        dueAt: T0 + 3,
        extended: 1,
        extensionReason: 'Complex',
        rejectionReason: 'Duplicate',
        retainedNote: 'Invoices kept',
        resultJson: '{"messages":3}',
        completedAt: T0 + 4,
        updatedAt: T0 + 5,
      };
      await s.requests.save(saved);
      expect(await s.requests.byId(row.id)).toStrictEqual(saved);
      expect(await s.requests.byId(other.id)).toStrictEqual(other);
    });

    it('the list: no duplicates, open first, then by due date (none last), then newest; filters by state and type', async () => {
      const mk = async (state: PrivacyRequestRow['state'], dueAt: number | null, type: PrivacyRequestRow['type'] = 'erasure') => {
        const row = await fileRequest({ type });
        await s.requests.save({ ...row, state, dueAt });
        return row.id;
      };
      const openNoDue = await mk('awaiting_verification', null);
      const openLate = await mk('verified', T0 + 200, 'access');
      const openSoon = await mk('in_progress', T0 + 100);
      const closedSoon = await mk('completed', T0 + 50);
      const closedNoDueOld = await mk('rejected', null);
      const closedNoDueNew = await mk('expired', null);
      const dup = await fileRequest();
      await s.requests.save({ ...dup, state: 'rejected', duplicateOf: openSoon });
      const ids = async (filter: Parameters<typeof s.requests.list>[0]) => (await s.requests.list(filter)).map((r) => r.id);
      expect(await ids({})).toEqual([openSoon, openLate, openNoDue, closedSoon, closedNoDueNew, closedNoDueOld]);
      expect(await ids({ state: 'rejected' })).toEqual([closedNoDueOld]);
      expect(await ids({ type: 'access' })).toEqual([openLate]);
      expect(await ids({ state: 'verified', type: 'erasure' })).toEqual([]);
      expect((await s.requests.all()).map((r) => r.id)).toEqual([
        openNoDue,
        openLate,
        openSoon,
        closedSoon,
        closedNoDueOld,
        closedNoDueNew,
        dup.id,
      ]);
    });

    it('an open duplicate is a verified or in-progress request of the same requester and type, never the request itself', async () => {
      const self = await fileRequest();
      expect(await s.requests.openDuplicate(hash(1), 'erasure', self.id)).toBeNull();
      const verified = await fileRequest();
      expect(await s.requests.openDuplicate(hash(1), 'erasure', self.id)).toBeNull();
      await s.requests.save({ ...verified, state: 'verified' });
      expect(await s.requests.openDuplicate(hash(1), 'erasure', self.id)).toMatchObject({ id: verified.id, state: 'verified' });
      expect(await s.requests.openDuplicate(hash(1), 'erasure', verified.id)).toBeNull();
      expect(await s.requests.openDuplicate(hash(1), 'access', self.id)).toBeNull();
      expect(await s.requests.openDuplicate(hash(2), 'erasure', self.id)).toBeNull();
      await s.requests.save({ ...verified, state: 'in_progress' });
      expect(await s.requests.openDuplicate(hash(1), 'erasure', self.id)).toMatchObject({ id: verified.id });
      await s.requests.save({ ...verified, state: 'completed' });
      expect(await s.requests.openDuplicate(hash(1), 'erasure', self.id)).toBeNull();
    });

    it('a watcher token finds its request; a token used twice is a unique violation', async () => {
      const a = await fileRequest();
      const b = await fileRequest({ emailHash: hash(2) });
      await s.requests.addWatcher(hash(10), a.id);
      await s.requests.addWatcher(hash(11), b.id);
      await s.requests.addWatcher(hash(12), b.id);
      expect(await s.requests.byWatcher(hash(10))).toStrictEqual(a);
      expect((await s.requests.byWatcher(hash(12)))?.id).toBe(b.id);
      expect(isUniqueViolation(await failure(() => s.requests.addWatcher(hash(10), b.id)))).toBe(true);
    });

    it('a marketing suppression is kept once per address: a second one changes nothing and does not fail', async () => {
      const a = await fileRequest();
      const b = await fileRequest();
      await s.requests.suppressMarketing(hash(1), a.id, T0 + 1);
      await s.requests.suppressMarketing(hash(1), b.id, T0 + 2);
      await s.requests.suppressMarketing(hash(2), b.id, T0 + 3);
      expect(await s.rows('SELECT email_hash, request_id, created_at FROM marketing_suppressions ORDER BY created_at')).toEqual([
        { email_hash: hash(1), request_id: a.id, created_at: T0 + 1 },
        { email_hash: hash(2), request_id: b.id, created_at: T0 + 3 },
      ]);
    });

    it("a requester's requests by address hash come in id order; stale ones are those still unverified received before the time", async () => {
      const a = await fileRequest({ receivedAt: T0 });
      const other = await fileRequest({ emailHash: hash(2), receivedAt: T0 });
      const b = await fileRequest({ receivedAt: T0 + 10 });
      const verified = await fileRequest({ receivedAt: T0 });
      await s.requests.save({ ...verified, state: 'verified' });
      expect((await s.requests.byEmailHash(hash(1))).map((r) => r.id)).toEqual([a.id, b.id, verified.id]);
      expect(await s.requests.byEmailHash(hash(3))).toEqual([]);
      const stale = async (before: number) => (await s.requests.awaitingSince(before)).map((r) => r.id).sort((x, y) => x - y);
      expect(await stale(T0 + 10)).toEqual([a.id, other.id]);
      expect(await stale(T0 + 11)).toEqual([a.id, other.id, b.id]);
      expect(await stale(T0)).toEqual([]);
      expect((await s.requests.awaitingSince(T0 + 1))[0]).toStrictEqual(a);
    });
  });

  describe("privacy requests' mail threads", () => {
    const mail = (requestId: number, direction: 'in' | 'out', at: number, operatorId: number | null = null) => ({
      requestId,
      direction,
      kind: direction === 'in' ? ('request' as const) : ('answer' as const),
      operatorId,
      subject: `Mail at ${at}`,
      body: `Body ${at}`,
      messageId: direction === 'in' ? `<m-${at}@example.com>` : null,
      createdAt: at,
    });

    it('a stored mail comes back with its id and the operator name of an answer; the thread is in order and its own', async () => {
      const request = await fileRequest();
      const other = await fileRequest({ emailHash: hash(2) });
      const ann = await operator('ann@example.com', 'Ann Lee');
      const first = await s.requestMessages.insert(mail(request.id, 'in', T0 + 1));
      expect(first).toStrictEqual({ id: first.id, ...mail(request.id, 'in', T0 + 1), operatorName: null });
      const answer = await s.requestMessages.insert(mail(request.id, 'out', T0 + 2, ann.id));
      expect(answer).toStrictEqual({ id: answer.id, ...mail(request.id, 'out', T0 + 2, ann.id), operatorName: 'Ann Lee' });
      await s.requestMessages.insert(mail(other.id, 'in', T0 + 3));
      expect(answer.id).toBeGreaterThan(first.id);
      expect(await s.requestMessages.forRequest(request.id)).toStrictEqual([first, answer]);
      expect(await s.requestMessages.forRequest(999)).toEqual([]);
    });

    it("the last inbound mail is the requester's latest, never an answer; none when the requester wrote nothing", async () => {
      const request = await fileRequest();
      expect(await s.requestMessages.lastInbound(request.id)).toBeNull();
      await s.requestMessages.insert(mail(request.id, 'out', T0 + 1));
      expect(await s.requestMessages.lastInbound(request.id)).toBeNull();
      await s.requestMessages.insert(mail(request.id, 'in', T0 + 2));
      const latest = await s.requestMessages.insert(mail(request.id, 'in', T0 + 3));
      await s.requestMessages.insert(mail(request.id, 'out', T0 + 4));
      expect(await s.requestMessages.lastInbound(request.id)).toStrictEqual(latest);
    });

    it("deleting a request's thread counts its mails and leaves other requests' alone", async () => {
      const request = await fileRequest();
      const other = await fileRequest({ emailHash: hash(2) });
      await s.requestMessages.insert(mail(request.id, 'in', T0 + 1));
      await s.requestMessages.insert(mail(request.id, 'out', T0 + 2));
      const kept = await s.requestMessages.insert(mail(other.id, 'in', T0 + 3));
      expect(await s.requestMessages.deleteFor(request.id)).toBe(2);
      expect(await s.requestMessages.deleteFor(request.id)).toBe(0);
      expect(await s.requestMessages.forRequest(request.id)).toEqual([]);
      expect(await s.requestMessages.forRequest(other.id)).toStrictEqual([kept]);
    });
  });

  describe('mail outbox', () => {
    it('mails are listed newest first, as stored, at most 200', async () => {
      const first = await s.mail.insert('ann@example.com', 'Hello', 'Text 1', T0);
      const second = await s.mail.insert('bob@example.com', 'Again', 'Text 2', T0 + 1);
      expect(second).toBeGreaterThan(first);
      expect(await s.mail.list()).toStrictEqual([
        { id: second, to: 'bob@example.com', subject: 'Again', text: 'Text 2', createdAt: T0 + 1 },
        { id: first, to: 'ann@example.com', subject: 'Hello', text: 'Text 1', createdAt: T0 },
      ]);
      for (let i = 0; i < 200; i++) await s.mail.insert('eve@example.com', `S${i}`, 'T', T0 + 2 + i);
      const list = await s.mail.list();
      expect(list).toHaveLength(200);
      expect(list[0].subject).toBe('S199');
      expect(list.some((m) => m.id === first)).toBe(false);
    });

    it('mails to an address are counted and deleted regardless of case, others kept', async () => {
      await s.mail.insert('Ann@Example.com', 'A', 'a', T0);
      await s.mail.insert('ann@example.com', 'B', 'b', T0);
      const kept = await s.mail.insert('bob@example.com', 'C', 'c', T0);
      expect(await s.mail.countTo('ANN@example.COM')).toBe(2);
      expect(await s.mail.countTo('nobody@example.com')).toBe(0);
      expect(await s.mail.deleteTo('ann@EXAMPLE.com')).toBe(2);
      expect(await s.mail.deleteTo('ann@example.com')).toBe(0);
      expect((await s.mail.list()).map((m) => m.id)).toEqual([kept]);
    });
  });

  describe('notes', () => {
    const note = (conversationRowId: number, operatorId: number, clientId: string, afterSeq: number, at = T0) => ({
      conversationRowId,
      operatorId,
      clientId,
      afterSeq,
      text: `Note ${clientId}`,
      at,
    });

    it('a note is found by its client id in its conversation only, with its author and the public id', async () => {
      const c = await conversationOf(1);
      const d = await conversationOf(2);
      const ann = await operator('ann@example.com', 'Ann Lee');
      await s.notes.insert(note(c.rowId, ann.id, 'n-1', 4, T0 + 5));
      const found = await s.notes.byClientId(c.rowId, c.id, 'n-1');
      expect(found).toStrictEqual({
        id: found!.id,
        conversationId: c.id,
        clientId: 'n-1',
        afterSeq: 4,
        operatorName: 'Ann Lee',
        text: 'Note n-1',
        createdAt: T0 + 5,
      });
      expect(await s.notes.byClientId(d.rowId, d.id, 'n-1')).toBeNull();
      expect(await s.notes.byClientId(c.rowId, c.id, 'n-2')).toBeNull();
    });

    it('a client id used twice in one conversation is a unique violation; another conversation may reuse it', async () => {
      const c = await conversationOf(1);
      const d = await conversationOf(2);
      const ann = await operator('ann@example.com', 'Ann Lee');
      await s.notes.insert(note(c.rowId, ann.id, 'n-1', 0));
      expect(isUniqueViolation(await failure(() => s.notes.insert(note(c.rowId, ann.id, 'n-1', 1))))).toBe(true);
      await s.notes.insert(note(d.rowId, ann.id, 'n-1', 0));
      expect(await s.notes.countByConversation(d.rowId)).toBe(1);
    });

    it("the list is by the message each note follows, then by when it was added; counting and deleting are the conversation's", async () => {
      const c = await conversationOf(1);
      const d = await conversationOf(2);
      const ann = await operator('ann@example.com', 'Ann Lee');
      await s.notes.insert(note(c.rowId, ann.id, 'late', 7));
      await s.notes.insert(note(c.rowId, ann.id, 'early-1', 2));
      await s.notes.insert(note(c.rowId, ann.id, 'early-2', 2));
      await s.notes.insert(note(d.rowId, ann.id, 'other', 1));
      const list = await s.notes.list(c.rowId, c.id);
      expect(list.map((n) => n.clientId)).toEqual(['early-1', 'early-2', 'late']);
      expect(list.every((n) => n.conversationId === c.id)).toBe(true);
      expect(await s.notes.countByConversation(c.rowId)).toBe(3);
      expect(await s.notes.deleteByConversation(c.rowId)).toBe(3);
      expect(await s.notes.deleteByConversation(c.rowId)).toBe(0);
      expect(await s.notes.list(c.rowId, c.id)).toEqual([]);
      expect((await s.notes.list(d.rowId, d.id)).map((n) => n.clientId)).toEqual(['other']);
    });
  });

  describe('canned replies', () => {
    it('a reply is found by id and by shortcut in any case; unknown ones are null', async () => {
      const id = await s.canned.insert('hello', 'Hello! How can I help?', T0);
      expect(await s.canned.byId(id)).toStrictEqual({ id, shortcut: 'hello', text: 'Hello! How can I help?' });
      expect(await s.canned.byShortcut('HeLLo')).toStrictEqual({ id, shortcut: 'hello', text: 'Hello! How can I help?' });
      expect(await s.canned.byId(id + 1)).toBeNull();
      expect(await s.canned.byShortcut('bye')).toBeNull();
    });

    it('a shortcut taken in another case is a unique violation, also by update', async () => {
      await s.canned.insert('hello', 'A', T0);
      const bye = await s.canned.insert('bye', 'B', T0);
      expect(isUniqueViolation(await failure(() => s.canned.insert('HELLO', 'C', T0)))).toBe(true);
      expect(isUniqueViolation(await failure(() => s.canned.update(bye, 'Hello', 'C', T0)))).toBe(true);
    });

    it('the list is by shortcut, ASCII letters without case, everything else byte by byte', async () => {
      for (const shortcut of ['zeta', 'Alpha', '_x', '9a', 'beta', '-dash', 'Beta2']) await s.canned.insert(shortcut, shortcut, T0);
      expect((await s.canned.list()).map((r) => r.shortcut)).toEqual(['-dash', '9a', '_x', 'Alpha', 'beta', 'Beta2', 'zeta']);
    });

    it('update and delete say whether the reply existed', async () => {
      const id = await s.canned.insert('hello', 'A', T0);
      expect(await s.canned.update(id, 'hi', 'B', T0 + 1)).toBe(true);
      expect(await s.canned.byId(id)).toStrictEqual({ id, shortcut: 'hi', text: 'B' });
      expect(await s.canned.update(id + 1, 'x', 'y', T0 + 1)).toBe(false);
      expect(await s.canned.delete(id)).toBe(true);
      expect(await s.canned.delete(id)).toBe(false);
      expect(await s.canned.list()).toEqual([]);
    });
  });

  describe('ratings', () => {
    it("a conversation's rating comes back as stored, as a list of one; a second is a unique violation", async () => {
      const c = await conversationOf(1);
      const d = await conversationOf(2);
      expect(await s.ratings.byConversation(c.rowId)).toEqual([]);
      await s.ratings.insert({
        conversationRowId: c.rowId,
        operatorId: null,
        scale: 'stars',
        score: 4,
        comment: 'Quick',
        createdAt: T0 + 1,
      });
      await s.ratings.insert({ conversationRowId: d.rowId, operatorId: null, scale: 'thumbs', score: 0, comment: null, createdAt: T0 + 2 });
      expect(await s.ratings.byConversation(c.rowId)).toStrictEqual([{ scale: 'stars', score: 4, comment: 'Quick', createdAt: T0 + 1 }]);
      expect(await s.ratings.byConversation(d.rowId)).toStrictEqual([{ scale: 'thumbs', score: 0, comment: null, createdAt: T0 + 2 }]);
      const again = () =>
        s.ratings.insert({ conversationRowId: c.rowId, operatorId: null, scale: 'thumbs', score: 1, comment: null, createdAt: T0 });
      expect(isUniqueViolation(await failure(again))).toBe(true);
    });

    it("counting and deleting are the conversation's own", async () => {
      const c = await conversationOf(1);
      const d = await conversationOf(2);
      await s.ratings.insert({ conversationRowId: c.rowId, operatorId: null, scale: 'thumbs', score: 1, comment: null, createdAt: T0 });
      await s.ratings.insert({ conversationRowId: d.rowId, operatorId: null, scale: 'thumbs', score: 1, comment: null, createdAt: T0 });
      expect(await s.ratings.countByConversation(c.rowId)).toBe(1);
      expect(await s.ratings.deleteByConversation(c.rowId)).toBe(1);
      expect(await s.ratings.deleteByConversation(c.rowId)).toBe(0);
      expect(await s.ratings.countByConversation(c.rowId)).toBe(0);
      expect(await s.ratings.countByConversation(d.rowId)).toBe(1);
    });

    it('the report counts per operator, scale and score in [from, to): no operator first, then by name byte by byte', async () => {
      const zoe = await operator('zoe@example.com', 'Zoe');
      const ann = await operator('ann@example.com', 'ann');
      const bob = await operator('bob@example.com', 'Bob');
      const rate = async (n: number, operatorId: number | null, scale: 'thumbs' | 'stars', score: number, at: number) => {
        const c = await conversationOf(n);
        await s.ratings.insert({ conversationRowId: c.rowId, operatorId, scale, score, comment: null, createdAt: at });
      };
      await rate(1, zoe.id, 'stars', 5, T0);
      await rate(2, zoe.id, 'stars', 5, T0 + 1);
      await rate(3, zoe.id, 'thumbs', 1, T0 + 2);
      await rate(4, ann.id, 'stars', 3, T0 + 3);
      await rate(5, null, 'thumbs', 0, T0 + 4);
      await rate(6, bob.id, 'thumbs', 1, T0 + 5);
      await rate(7, bob.id, 'thumbs', 1, T0 + 100); // outside: `to` is excluded
      await rate(8, ann.id, 'stars', 1, T0 - 1); // outside: before `from`
      const counts = await s.ratings.counts(T0, T0 + 100);
      // Uppercase sorts before lowercase byte by byte: Bob, Zoe, ann. Within one operator the order is no part of it.
      expect(counts.map((r) => r.operatorName).filter((name, i, all) => all.indexOf(name) === i)).toEqual([null, 'Bob', 'Zoe', 'ann']);
      const key = (r: { operatorId: number | null; scale: string; score: number }) => `${r.operatorId}:${r.scale}:${r.score}`;
      expect([...counts].sort((x, y) => key(x).localeCompare(key(y)))).toStrictEqual(
        [
          { operatorId: null, operatorName: null, scale: 'thumbs', score: 0, n: 1 },
          { operatorId: bob.id, operatorName: 'Bob', scale: 'thumbs', score: 1, n: 1 },
          { operatorId: zoe.id, operatorName: 'Zoe', scale: 'stars', score: 5, n: 2 },
          { operatorId: zoe.id, operatorName: 'Zoe', scale: 'thumbs', score: 1, n: 1 },
          { operatorId: ann.id, operatorName: 'ann', scale: 'stars', score: 3, n: 1 },
        ].sort((x, y) => key(x).localeCompare(key(y))),
      );
      expect(await s.ratings.counts(T0 + 200, T0 + 300)).toEqual([]);
    });

    it('recent ratings in [from, to) come newest first (ties by the later rating), with conversation, visitor and operator', async () => {
      const ann = await operator('ann@example.com', 'Ann Lee');
      const c1 = await conversationOf(1);
      const c2 = await conversationOf(2);
      const c3 = await conversationOf(3);
      const c4 = await conversationOf(4);
      await s.ratings.insert({
        conversationRowId: c1.rowId,
        operatorId: ann.id,
        scale: 'stars',
        score: 5,
        comment: 'Great',
        createdAt: T0 + 1,
      });
      await s.ratings.insert({
        conversationRowId: c2.rowId,
        operatorId: null,
        scale: 'thumbs',
        score: 0,
        comment: null,
        createdAt: T0 + 2,
      });
      await s.ratings.insert({
        conversationRowId: c3.rowId,
        operatorId: ann.id,
        scale: 'thumbs',
        score: 1,
        comment: null,
        createdAt: T0 + 2,
      });
      await s.ratings.insert({
        conversationRowId: c4.rowId,
        operatorId: ann.id,
        scale: 'thumbs',
        score: 1,
        comment: null,
        createdAt: T0 + 50,
      });
      const recent = await s.ratings.recent(T0, T0 + 50, 10);
      expect(recent.map((r) => r.conversationId)).toEqual([c3.id, c2.id, c1.id]);
      expect(recent[2]).toStrictEqual({
        scale: 'stars',
        score: 5,
        comment: 'Great',
        createdAt: T0 + 1,
        conversationId: c1.id,
        visitorLabel: 'Visitor 1',
        operatorName: 'Ann Lee',
      });
      expect(recent[1].operatorName).toBeNull();
      expect((await s.ratings.recent(T0, T0 + 51, 2)).map((r) => r.conversationId)).toEqual([c4.id, c3.id]);
    });
  });
});

/** What only PostgreSQL has: writers on several connections at once, each bound to its transaction with `lockForWrite`. */
describe('postgres with concurrent writers', () => {
  let pool: pg.Pool;
  beforeEach(async () => {
    pool = await freshPgPool();
  });

  /** A transaction on its own client with locking repositories, committed by `commit()` (or rolled back after the test). */
  async function begin() {
    const { client, commit } = await beginOn(pool);
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    return {
      pid,
      requests: new PgPrivacyRepository(client, { lockForWrite: true }),
      verifications: new PgVerificationRepository(client, { lockForWrite: true }),
      commit,
    };
  }

  /** Resolves once backend `pid` waits for a lock (polled, up to 10 s): the statement it runs is blocked, not slow. */
  async function waitsForLock(pid: number): Promise<void> {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const { rows } = await pool.query<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (rows[0]?.w === 'Lock') return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`backend ${pid} never waited for a lock`);
  }

  const file = (emailHash = hash(1)) => new PgPrivacyRepository(pool).insert(newRequest({ emailHash }), reference);

  it('a second writer reading a request to change waits for the first, then reads the state it committed', async () => {
    const request = await file();
    const first = await begin();
    const second = await begin();
    const row = (await first.requests.byId(request.id))!;
    const read = second.requests.byId(request.id);
    await waitsForLock(second.pid);
    await first.requests.save({ ...row, state: 'verified', verifiedAt: T0 + 1, updatedAt: T0 + 1 });
    await first.commit();
    expect(await read).toMatchObject({ state: 'verified', verifiedAt: T0 + 1 });
  });

  it('expiry waits for a request being verified and then leaves it out: it no longer awaits verification', async () => {
    const verifying = await file();
    const untouched = await file(hash(2));
    const first = await begin();
    const second = await begin();
    const row = (await first.requests.byReference(verifying.reference))!;
    const stale = second.requests.awaitingSince(T0 + 1);
    await waitsForLock(second.pid);
    await first.requests.save({ ...row, state: 'verified', updatedAt: T0 + 1 });
    await first.commit();
    expect((await stale).map((r) => r.id)).toEqual([untouched.id]);
  });

  it("two of one requester's requests verified at once: the second waits and finds the first as its open duplicate", async () => {
    const a = await file();
    const b = await file();
    const other = await file(hash(2));
    const first = await begin();
    const second = await begin();
    expect(await first.requests.openDuplicate(hash(1), 'erasure', a.id)).toBeNull();
    const duplicate = second.requests.openDuplicate(hash(1), 'erasure', b.id);
    await waitsForLock(second.pid);
    // Another requester's check is not held up by this one.
    expect(await (await begin()).requests.openDuplicate(hash(2), 'erasure', other.id)).toBeNull();
    await first.requests.save({ ...a, state: 'verified', updatedAt: T0 + 1 });
    await first.commit();
    expect(await duplicate).toMatchObject({ id: a.id, state: 'verified' });
  });

  it("sends to one address are counted one writer at a time: the second counts the first's send", async () => {
    const first = await begin();
    const second = await begin();
    expect(await first.verifications.sendsSince(hash(1), 0)).toBe(0);
    const count = second.verifications.sendsSince(hash(1), 0);
    await waitsForLock(second.pid);
    expect(await (await begin()).verifications.sendsSince(hash(2), 0)).toBe(0);
    await first.verifications.logSend(hash(1), T0);
    await first.commit();
    expect(await count).toBe(1);
  });

  it('a verification read to be used waits for the writer using it, which alone consumes it', async () => {
    const request = await file();
    const setup = new PgVerificationRepository(pool);
    await setup.insert({
      id: 'v-1',
      requestId: request.id,
      kind: 'code',
      secretHash: hash(3),
      emailHash: hash(1),
      createdAt: T0,
      expiresAt: T0 + 1,
    });
    const first = await begin();
    const second = await begin();
    expect(await first.verifications.byId('v-1')).toMatchObject({ consumedAt: null });
    const read = second.verifications.byId('v-1');
    await waitsForLock(second.pid);
    expect(await first.verifications.consume('v-1', T0 + 1)).toBe(true);
    await first.commit();
    expect(await read).toMatchObject({ consumedAt: T0 + 1 });
    expect(await second.verifications.consume('v-1', T0 + 2)).toBe(false);
  });
});
