import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { PgAttachmentRepository } from '../../server/db/pg/repositories/attachment-repository';
import { PgConversationRepository } from '../../server/db/pg/repositories/conversation-repository';
import { PgDataSystemRepository } from '../../server/db/pg/repositories/data-system-repository';
import { PgExportRepository } from '../../server/db/pg/repositories/export-repository';
import { PgIntegrationRepository } from '../../server/db/pg/repositories/integration-repository';
import { PgMessageRepository } from '../../server/db/pg/repositories/message-repository';
import { PgOfflineReplyRepository } from '../../server/db/pg/repositories/offline-reply-repository';
import { PgOperatorRepository } from '../../server/db/pg/repositories/operator-repository';
import { PgPrechatRepository } from '../../server/db/pg/repositories/prechat-repository';
import { PgRetentionRepository } from '../../server/db/pg/repositories/retention-repository';
import { PgTranscriptRepository } from '../../server/db/pg/repositories/transcript-repository';
import { PgVisitorRepository } from '../../server/db/pg/repositories/visitor-repository';
import { AttachmentRepository } from '../../server/db/repositories/attachment-repository';
import { ConversationRepository } from '../../server/db/repositories/conversation-repository';
import { DataSystemRepository, type SystemFields } from '../../server/db/repositories/data-system-repository';
import { ExportRepository } from '../../server/db/repositories/export-repository';
import { IntegrationRepository } from '../../server/db/repositories/integration-repository';
import { MessageRepository } from '../../server/db/repositories/message-repository';
import { OfflineReplyRepository } from '../../server/db/repositories/offline-reply-repository';
import { OperatorRepository } from '../../server/db/repositories/operator-repository';
import { PrechatRepository } from '../../server/db/repositories/prechat-repository';
import { RetentionRepository } from '../../server/db/repositories/retention-repository';
import { TranscriptRepository } from '../../server/db/repositories/transcript-repository';
import { VisitorRepository } from '../../server/db/repositories/visitor-repository';
import { isUniqueViolation } from '../../server/db/store';
import { contractStores, failure, type Opened } from '../helpers/contract-stores';

/**
 * The contract of the privacy desk's and the chat's remaining repositories, run against both stores, as
 * repository-contract.test.ts does for the chat's core: a store that differs fails here.
 */
const {
  stores,
  freshPgPool,
  begin: beginOn,
} = contractStores('cw-contract-systems-', {
  visitors: [VisitorRepository, PgVisitorRepository],
  conversations: [ConversationRepository, PgConversationRepository],
  messages: [MessageRepository, PgMessageRepository],
  operators: [OperatorRepository, PgOperatorRepository],
  systems: [DataSystemRepository, PgDataSystemRepository],
  retention: [RetentionRepository, PgRetentionRepository],
  exports: [ExportRepository, PgExportRepository],
  integrations: [IntegrationRepository, PgIntegrationRepository],
  offlineReplies: [OfflineReplyRepository, PgOfflineReplyRepository],
  attachments: [AttachmentRepository, PgAttachmentRepository],
  prechat: [PrechatRepository, PgPrechatRepository],
  transcripts: [TranscriptRepository, PgTranscriptRepository],
});

const hash = (n: number) => Buffer.alloc(32, n);
const T0 = 1_780_000_000_000;

describe.each(stores)('system repositories on $name', (store) => {
  let s: Opened<typeof store>;
  beforeEach(async () => {
    s = await store.open();
  });

  const visitor = (n: number, lastSeenAt = T0) => s.visitors.create(hash(n), `Visitor ${n}`, 'en', lastSeenAt);
  async function conversation(n: number) {
    const v = await visitor(n);
    return s.conversations.create(`pub-${n}`, v.id, null, T0);
  }
  const message = (conversationRowId: number, seq: number, at = T0) =>
    s.messages.insert({ conversationRowId, seq, clientId: `m${seq}`, author: 'visitor', operatorId: null, text: `text ${seq}`, at });
  async function request(reference: string, dueAt: number | null = null): Promise<number> {
    await s.exec(
      `INSERT INTO privacy_requests (reference, type, state, jurisdiction, source, email_hash, lang, received_at, due_at, updated_at)
       VALUES (?, 'erasure', 'in_progress', 'gdpr', 'chat', ?, 'en', ?, ?, ?)`,
      reference,
      hash(9),
      T0,
      dueAt,
      T0,
    );
    return (await s.rows<{ id: number }>('SELECT id FROM privacy_requests WHERE reference = ?', reference))[0].id;
  }
  const count = async (table: string) => (await s.rows<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0].n;

  describe('data systems', () => {
    const fields = (name: string, extra: Partial<SystemFields> = {}): SystemFields => ({
      name,
      purpose: `${name} purpose`,
      requestTypes: ['erasure', 'access'],
      ownerEmail: 'owner@example.com',
      kind: 'webhook',
      webhookUrl: 'https://crm.example.com/hook',
      secret: 'whsec',
      contactEmail: null,
      assigneeId: null,
      ...extra,
    });

    it('a system comes back as stored, request types as a list; an unknown id is null', async () => {
      const id = await s.systems.insert(fields('CRM', { kind: 'manual', webhookUrl: null, requestTypes: ['objection'] }), T0);
      expect(await s.systems.byId(id)).toEqual({
        id,
        name: 'CRM',
        purpose: 'CRM purpose',
        requestTypes: ['objection'],
        ownerEmail: 'owner@example.com',
        kind: 'manual',
        webhookUrl: null,
        secret: 'whsec',
        contactEmail: null,
        assigneeId: null,
        createdAt: T0,
      });
      expect(await s.systems.byId(id + 100)).toBeNull();
    });

    it('the list leaves archived systems out, by name with ASCII case folded, then id; byId still finds archived ones', async () => {
      const ids: Record<string, number> = {};
      // Byte order would put 'Alpha' and 'Zulu' before 'alpha', ICU's 'Émile' among the E's.
      for (const name of ['beta', 'Émile', 'alpha', 'zeta', 'Alpha', 'Zulu']) ids[name] = await s.systems.insert(fields(name), T0);
      const archived = await s.systems.insert(fields('Archived'), T0);
      expect(await s.systems.archive(archived, T0 + 1)).toBe(true);
      expect(await s.systems.archive(archived, T0 + 2)).toBe(false);
      expect((await s.systems.list()).map((x) => x.name)).toEqual(['alpha', 'Alpha', 'beta', 'zeta', 'Zulu', 'Émile']);
      expect((await s.systems.list()).map((x) => x.id).slice(0, 2)).toEqual([ids.alpha, ids.Alpha]);
      expect((await s.systems.byId(archived))?.name).toBe('Archived');
    });

    it('update changes a live system (keeping its secret) and refuses an archived or unknown one', async () => {
      const id = await s.systems.insert(fields('CRM'), T0);
      const { secret: _secret, ...rest } = fields('CRM 2', { requestTypes: ['rectification'], contactEmail: 'dpo@example.com' });
      expect(await s.systems.update(id, rest)).toBe(true);
      expect(await s.systems.byId(id)).toMatchObject({
        name: 'CRM 2',
        requestTypes: ['rectification'],
        contactEmail: 'dpo@example.com',
        secret: 'whsec',
      });
      expect(await s.systems.update(id + 100, rest)).toBe(false);
      await s.systems.archive(id, T0);
      expect(await s.systems.update(id, { ...rest, name: 'CRM 3' })).toBe(false);
      expect((await s.systems.byId(id))?.name).toBe('CRM 2');
    });

    it("a request's rows come back in id order with their defaults, the link hash and the system's assignee; by id and receipt too", async () => {
      const operator = await s.operators.create({ email: 'ann@example.com', name: 'Ann', role: 'operator', passwordHash: 'x', now: T0 });
      const a = await s.systems.insert(fields('A', { kind: 'manual', assigneeId: operator.id }), T0);
      const b = await s.systems.insert(fields('B'), T0);
      const req = await request('R-1');
      const other = await request('R-2');
      const e2 = await s.systems.addEntry({
        requestId: req,
        systemId: b,
        receiptId: 'rcpt-b',
        name: 'B',
        kind: 'webhook',
        linkHash: null,
        linkExpiresAt: null,
        nextAttemptAt: T0 + 5,
        createdAt: T0,
      });
      const e1 = await s.systems.addEntry({
        requestId: req,
        systemId: a,
        receiptId: 'rcpt-a',
        name: 'A',
        kind: 'manual',
        linkHash: hash(7),
        linkExpiresAt: T0 + 100,
        nextAttemptAt: null,
        createdAt: T0 + 1,
      });
      await s.systems.addEntry({
        requestId: other,
        systemId: a,
        receiptId: 'rcpt-o',
        name: 'A',
        kind: 'manual',
        linkHash: null,
        linkExpiresAt: null,
        nextAttemptAt: null,
        createdAt: T0,
      });
      const entries = await s.systems.entries(req);
      expect(entries.map((e) => e.id)).toEqual([e2, e1]);
      expect(entries[1]).toEqual({
        id: e1,
        requestId: req,
        systemId: a,
        receiptId: 'rcpt-a',
        name: 'A',
        kind: 'manual',
        state: 'pending',
        legalBasis: null,
        note: null,
        countsJson: null,
        dataJson: null,
        answeredBy: null,
        answeredAt: null,
        linkHash: hash(7),
        linkExpiresAt: T0 + 100,
        attempts: 0,
        nextAttemptAt: null,
        deliveryError: null,
        remindedAt: null,
        createdAt: T0 + 1,
        assigneeId: operator.id,
      });
      expect(await s.systems.entry(e1)).toEqual(entries[1]);
      expect(await s.systems.byReceipt('rcpt-b')).toEqual(entries[0]);
      expect(await s.systems.entry(e1 + 100)).toBeNull();
      expect(await s.systems.byReceipt('nope')).toBeNull();
      const again = {
        requestId: other,
        systemId: b,
        receiptId: 'rcpt-a',
        name: 'B',
        kind: 'webhook' as const,
        linkHash: null,
        linkExpiresAt: null,
        nextAttemptAt: null,
        createdAt: T0,
      };
      expect(isUniqueViolation(await failure(() => s.systems.addEntry(again)))).toBe(true);
    });

    it('an answer records the outcome and ends the link and retries; a delivery attempt changes only a pending row', async () => {
      const sys = await s.systems.insert(fields('A'), T0);
      const req = await request('R-1');
      const id = await s.systems.addEntry({
        requestId: req,
        systemId: sys,
        receiptId: 'r',
        name: 'A',
        kind: 'webhook',
        linkHash: hash(3),
        linkExpiresAt: T0 + 9,
        nextAttemptAt: T0,
        createdAt: T0,
      });
      await s.systems.delivery(id, { attempts: 1, nextAttemptAt: T0 + 60, deliveryError: 'HTTP 500' });
      expect(await s.systems.entry(id)).toMatchObject({ attempts: 1, nextAttemptAt: T0 + 60, deliveryError: 'HTTP 500' });
      const answer = {
        state: 'kept' as const,
        legalBasis: 'gdpr_17_3_b' as const,
        note: 'tax',
        countsJson: '{"orders":2}',
        dataJson: '{"x":1}',
        answeredBy: 'webhook',
        answeredAt: T0 + 70,
      };
      await s.systems.answer(id, answer);
      expect(await s.systems.entry(id)).toMatchObject({
        ...answer,
        linkHash: null,
        nextAttemptAt: null,
        deliveryError: null,
        attempts: 1,
        linkExpiresAt: T0 + 9,
      });
      await s.systems.delivery(id, { attempts: 2, nextAttemptAt: T0 + 120, deliveryError: 'late' });
      expect(await s.systems.entry(id)).toMatchObject({ attempts: 1, nextAttemptAt: null, deliveryError: null });
    });

    it('due: pending rows whose next attempt has come (now included), earliest first; answered, unscheduled and future ones are not', async () => {
      const sys = await s.systems.insert(fields('A'), T0);
      const entry = async (n: number, nextAttemptAt: number | null) => {
        const req = await request(`R-${n}`);
        return s.systems.addEntry({
          requestId: req,
          systemId: sys,
          receiptId: `r${n}`,
          name: 'A',
          kind: 'webhook',
          linkHash: null,
          linkExpiresAt: null,
          nextAttemptAt,
          createdAt: T0,
        });
      };
      const late = await entry(1, T0 + 10);
      const early = await entry(2, T0 + 1);
      await entry(3, null);
      await entry(4, T0 + 11);
      const answered = await entry(5, T0);
      await s.systems.answer(answered, {
        state: 'done',
        legalBasis: null,
        note: null,
        countsJson: null,
        dataJson: null,
        answeredBy: 'x',
        answeredAt: T0,
      });
      expect((await s.systems.due(T0 + 10)).map((e) => e.id)).toEqual([early, late]);
      expect(await s.systems.due(T0)).toEqual([]);
    });

    it('toRemind: pending rows of requests due by the horizon not reminded since, soonest first; reminded() moves a row out', async () => {
      const sys = await s.systems.insert(fields('A', { ownerEmail: 'crm-owner@example.com' }), T0);
      const entry = async (n: number, dueAt: number | null) => {
        const req = await request(`R-${n}`, dueAt);
        const id = await s.systems.addEntry({
          requestId: req,
          systemId: sys,
          receiptId: `r${n}`,
          name: 'A',
          kind: 'manual',
          linkHash: null,
          linkExpiresAt: null,
          nextAttemptAt: null,
          createdAt: T0,
        });
        return { id, req };
      };
      const later = await entry(1, T0 + 200);
      const sooner = await entry(2, T0 + 100);
      await entry(3, T0 + 1000);
      await entry(4, null);
      expect(await s.systems.toRemind(T0 + 200, T0)).toEqual([
        { id: sooner.id, name: 'A', requestId: sooner.req, reference: 'R-2', dueAt: T0 + 100, ownerEmail: 'crm-owner@example.com' },
        { id: later.id, name: 'A', requestId: later.req, reference: 'R-1', dueAt: T0 + 200, ownerEmail: 'crm-owner@example.com' },
      ]);
      await s.systems.reminded(sooner.id, T0 + 50);
      expect(await s.systems.entry(sooner.id)).toMatchObject({ remindedAt: T0 + 50 });
      expect((await s.systems.toRemind(T0 + 200, T0 + 49)).map((r) => r.id)).toEqual([later.id]);
      // Reminded at or before `since`: due for another reminder.
      expect((await s.systems.toRemind(T0 + 200, T0 + 50)).map((r) => r.id)).toEqual([sooner.id, later.id]);
    });

    it("clear drops a request's returned data, links and retries, keeps outcomes, and leaves other requests alone", async () => {
      const sys = await s.systems.insert(fields('A'), T0);
      const sys2 = await s.systems.insert(fields('B'), T0);
      const req = await request('R-1');
      const other = await request('R-2');
      const add = (requestId: number, systemId: number, receiptId: string) =>
        s.systems.addEntry({
          requestId,
          systemId,
          receiptId,
          name: 'A',
          kind: 'webhook',
          linkHash: hash(1),
          linkExpiresAt: T0 + 9,
          nextAttemptAt: T0 + 9,
          createdAt: T0,
        });
      const answered = await add(req, sys, 'a');
      const pending = await add(req, sys2, 'b');
      const untouched = await add(other, sys, 'c');
      await s.systems.answer(answered, {
        state: 'done',
        legalBasis: null,
        note: 'n',
        countsJson: '{}',
        dataJson: '{"d":1}',
        answeredBy: 'x',
        answeredAt: T0,
      });
      await s.systems.clear(req);
      expect(await s.systems.entry(answered)).toMatchObject({ state: 'done', note: 'n', countsJson: '{}', dataJson: null, linkHash: null });
      expect(await s.systems.entry(pending)).toMatchObject({
        state: 'pending',
        linkHash: null,
        nextAttemptAt: null,
        linkExpiresAt: T0 + 9,
      });
      expect(await s.systems.entry(untouched)).toMatchObject({ linkHash: hash(1), nextAttemptAt: T0 + 9 });
    });
  });

  describe('retention', () => {
    /** A visitor's upload `n` to the conversation: its id is `att-${n}` and its storage key `key-${n}`. */
    const upload = (
      conversationRowId: number,
      n: number | string,
      file: Omit<Parameters<typeof s.attachments.insert>[0], 'id' | 'conversationRowId' | 'uploader' | 'operatorId' | 'storageKey'>,
    ) =>
      s.attachments.insert({ id: `att-${n}`, conversationRowId, uploader: 'visitor', operatorId: null, storageKey: `key-${n}`, ...file });

    it('stale resolved conversations go with their messages, ratings and attachments, each counted; newer and open ones stay', async () => {
      const old = await conversation(1);
      const recent = await conversation(2);
      const open = await conversation(3);
      const edge = await conversation(4);
      const sentIn = async (c: { rowId: number }, n: number) => {
        const m = await message(c.rowId, 1);
        await message(c.rowId, 2);
        const rowId = await upload(c.rowId, n, {
          clientId: `f${n}`,
          name: 'a.png',
          type: 'image/png',
          size: 10,
          sha256: 'aa',
          createdAt: T0,
        });
        await s.attachments.link(rowId, m);
        await s.exec(`INSERT INTO conversation_ratings (conversation_id, scale, score, created_at) VALUES (?, 'stars', 4, ?)`, c.rowId, T0);
      };
      for (const [c, n] of [
        [old, 1],
        [recent, 2],
        [open, 3],
        [edge, 4],
      ] as const)
        await sentIn(c, n);
      // An upload of the stale conversation never sent: it goes with it too.
      await upload(old.rowId, 'unsent', { clientId: 'fu', name: 'b.pdf', type: 'application/pdf', size: 5, sha256: 'bb', createdAt: T0 });
      await s.transcripts.wish(old.rowId, 'en', T0);
      await s.conversations.setStatus(old.rowId, 'resolved', T0);
      await s.conversations.setStatus(recent.rowId, 'resolved', T0 + 20);
      await s.conversations.setStatus(edge.rowId, 'resolved', T0 + 10);
      expect(await s.retention.deleteResolvedConversations(T0 + 10)).toEqual({ conversations: 1, messages: 2, ratings: 1, attachments: 2 });
      expect(await s.conversations.byRowId(old.rowId)).toBeNull();
      for (const c of [recent, open, edge]) {
        expect(await s.messages.count(c.rowId)).toBe(2);
        expect(await s.attachments.countByConversation(c.rowId)).toBe(1);
      }
      expect(await count('conversation_ratings')).toBe(3);
      expect(await s.transcripts.wishFor(old.rowId)).toBeNull();
      expect(await s.attachments.trash()).toEqual(['key-1', 'key-unsent']);
      expect(await s.retention.deleteResolvedConversations(T0 + 10)).toEqual({ conversations: 0, messages: 0, ratings: 0, attachments: 0 });
    });

    it('unsent attachments uploaded before the cut go; newer and sent ones stay', async () => {
      const c = await conversation(1);
      const png = (n: number, createdAt: number) =>
        upload(c.rowId, n, { clientId: `f${n}`, name: 'a.png', type: 'image/png', size: 1, sha256: 's', createdAt });
      await png(1, T0);
      await png(2, T0 + 10);
      const sent = await png(3, T0);
      await s.attachments.link(sent, await message(c.rowId, 1));
      expect(await s.retention.deleteUnsentAttachments(T0 + 10)).toBe(1);
      expect((await s.attachments.byConversation(c.rowId)).map((a) => a.id)).toEqual(['att-2', 'att-3']);
      expect(await s.attachments.trash()).toEqual(['key-1']);
    });

    it('idle visitors without a conversation go, with what they gave; seen since the cut or with a conversation they stay', async () => {
      const idle = await visitor(1, T0);
      await visitor(2, T0 + 10);
      const talking = await visitor(3, T0);
      await s.conversations.create('pub-3', talking.id, null, T0);
      await s.prechat.insertSubmission(idle.id, [{ key: 'topic', label: 'Topic', value: 'x' }], T0);
      await s.offlineReplies.queue(idle.id, 1, T0);
      expect(await s.retention.deleteIdleVisitors(T0 + 10)).toBe(1);
      expect(await s.visitors.findById(idle.id)).toBeNull();
      expect(await count('visitors')).toBe(2);
      expect(await s.prechat.submissionOf(idle.id)).toBeNull();
      expect(await s.offlineReplies.of(idle.id)).toBeNull();
    });

    it('verifications, sends, outbox mails, exports and sessions go strictly before the cut, each counted', async () => {
      const req = await request('R-1');
      const op = await s.operators.create({ email: 'ann@example.com', name: 'Ann', role: 'operator', passwordHash: 'x', now: T0 });
      for (const [i, at] of [T0 - 1, T0, T0 + 1].entries()) {
        await s.exec(
          `INSERT INTO verifications (id, request_id, kind, secret_hash, email_hash, created_at, expires_at) VALUES (?, ?, 'code', ?, ?, ?, ?)`,
          `v${i}`,
          req,
          hash(i),
          hash(i),
          T0 - 10,
          at,
        );
        await s.exec('INSERT INTO verification_sends (email_hash, sent_at) VALUES (?, ?)', hash(i), at);
        await s.exec(`INSERT INTO mail_outbox (to_address, subject, body, created_at) VALUES ('a@example.com', 's', 'b', ?)`, at);
        await s.exports.insert(hash(i), req, 'payload', T0 - 10, at);
        await s.operators.createSession(hash(i), op.id, T0 - 10, at);
      }
      // Two rows before the cut of each kind: the one at it stays.
      expect(await s.retention.deleteVerificationsExpiredBefore(T0 + 1)).toBe(2);
      expect(await s.retention.deleteVerificationSendsBefore(T0 + 1)).toBe(2);
      expect(await s.retention.deleteOutboxMailsBefore(T0 + 1)).toBe(2);
      expect(await s.retention.deleteExportsExpiredBefore(T0 + 1)).toBe(2);
      expect(await s.retention.deleteSessionsExpiredBefore(T0 + 1)).toBe(2);
      for (const table of ['verifications', 'verification_sends', 'mail_outbox', 'data_exports', 'operator_sessions']) {
        expect(await count(table)).toBe(1);
      }
      expect(await s.rows('SELECT expires_at AS at FROM operator_sessions')).toEqual([{ at: T0 + 1 }]);
      expect(await s.retention.deleteSessionsExpiredBefore(T0 + 1)).toBe(0);
    });
  });

  describe('exports', () => {
    it('a link hands out its payload once, then nothing; the payload is dropped as it goes', async () => {
      const req = await request('R-1');
      await s.exports.insert(hash(1), req, '{"visitor":"data"}', T0, T0 + 100);
      expect(await s.exports.consume(hash(2), T0 + 1)).toBeNull();
      expect(await s.exports.consume(hash(1), T0 + 1)).toEqual({ requestId: req, payload: '{"visitor":"data"}' });
      expect(await s.exports.consume(hash(1), T0 + 2)).toBeNull();
      expect(await s.rows('SELECT payload, consumed_at AS at FROM data_exports')).toEqual([{ payload: '', at: T0 + 1 }]);
    });

    it('an expired link (expiring now included) hands out nothing and stays unconsumed', async () => {
      const req = await request('R-1');
      await s.exports.insert(hash(1), req, 'p', T0, T0 + 100);
      expect(await s.exports.consume(hash(1), T0 + 100)).toBeNull();
      expect(await s.rows('SELECT payload, consumed_at AS at FROM data_exports')).toEqual([{ payload: 'p', at: null }]);
      expect(await s.exports.consume(hash(1), T0 + 99)).toEqual({ requestId: req, payload: 'p' });
    });

    it('downloads at once: exactly one gets the payload', async () => {
      const req = await request('R-1');
      await s.exports.insert(hash(1), req, 'p', T0, T0 + 100);
      const results = await Promise.all(Array.from({ length: 6 }, () => s.exports.consume(hash(1), T0 + 1)));
      expect(results.filter((r) => r !== null)).toEqual([{ requestId: req, payload: 'p' }]);
    });
  });

  describe('integrations', () => {
    it('API keys: listed in id order, found while active by hash, revoked once; a hash used twice is a unique violation', async () => {
      const op = await s.operators.create({ email: 'ann@example.com', name: 'Ann', role: 'admin', passwordHash: 'x', now: T0 });
      const first = await s.integrations.insertKey('CRM', 'cwk_ab', hash(1), op.id, T0);
      const second = await s.integrations.insertKey('Shop', 'cwk_cd', hash(2), op.id, T0 + 1);
      expect(await s.integrations.listKeys()).toEqual([
        { id: first, label: 'CRM', prefix: 'cwk_ab', createdAt: T0, revokedAt: null },
        { id: second, label: 'Shop', prefix: 'cwk_cd', createdAt: T0 + 1, revokedAt: null },
      ]);
      expect(await s.integrations.activeKey(hash(1))).toEqual({ id: first, label: 'CRM' });
      expect(await s.integrations.activeKey(hash(3))).toBeNull();
      expect(await s.integrations.revokeKey(first, T0 + 5)).toBe(true);
      expect(await s.integrations.revokeKey(first, T0 + 6)).toBe(false);
      expect(await s.integrations.revokeKey(second + 100, T0 + 6)).toBe(false);
      expect(await s.integrations.activeKey(hash(1))).toBeNull();
      expect((await s.integrations.listKeys())[0].revokedAt).toBe(T0 + 5);
      expect(isUniqueViolation(await failure(() => s.integrations.insertKey('Again', 'cwk_ef', hash(2), op.id, T0)))).toBe(true);
    });

    it('webhooks: an insert returns the row, listed in id order; deleting one says whether it existed and takes its deliveries', async () => {
      const a = await s.integrations.insertWebhook('https://a.example.com', 'sa', T0);
      const b = await s.integrations.insertWebhook('https://b.example.com', 'sb', T0 + 1);
      expect(a).toEqual({ id: a.id, url: 'https://a.example.com', secret: 'sa', createdAt: T0 });
      expect(await s.integrations.webhook(b.id)).toEqual(b);
      expect(await s.integrations.webhook(b.id + 100)).toBeNull();
      expect(await s.integrations.webhooks()).toEqual([a, b]);
      await s.integrations.enqueueDelivery(a.id, 'request.created', '{}', T0);
      expect(await s.integrations.deleteWebhook(a.id)).toBe(true);
      expect(await s.integrations.deleteWebhook(a.id)).toBe(false);
      expect(await s.integrations.webhooks()).toEqual([b]);
      expect(await s.integrations.deliveriesOf(a.id)).toEqual([]);
      expect(await count('webhook_deliveries')).toBe(0);
    });

    it('deliveries: pending ones due by now come earliest first; an update takes one out; a hook lists its newest first', async () => {
      const hook = await s.integrations.insertWebhook('https://a.example.com', 's', T0);
      await s.integrations.enqueueDelivery(hook.id, 'e1', '{"n":1}', T0 + 5);
      await s.integrations.enqueueDelivery(hook.id, 'e2', '{"n":2}', T0 + 1);
      await s.integrations.enqueueDelivery(hook.id, 'e3', '{"n":3}', T0 + 50);
      const due = await s.integrations.dueDeliveries(T0 + 5);
      expect(due.map((d) => d.event)).toEqual(['e2', 'e1']);
      expect(due[0]).toEqual({
        id: due[0].id,
        webhookId: hook.id,
        event: 'e2',
        payload: '{"n":2}',
        status: 'pending',
        attempts: 0,
        nextAttemptAt: T0 + 1,
        lastError: null,
        updatedAt: T0 + 1,
      });
      await s.integrations.updateDelivery({
        id: due[0].id,
        status: 'delivered',
        attempts: 1,
        nextAttemptAt: null,
        lastError: null,
        updatedAt: T0 + 6,
      });
      await s.integrations.updateDelivery({
        id: due[1].id,
        status: 'pending',
        attempts: 1,
        nextAttemptAt: T0 + 60,
        lastError: 'HTTP 502',
        updatedAt: T0 + 6,
      });
      expect(await s.integrations.dueDeliveries(T0 + 5)).toEqual([]);
      expect((await s.integrations.dueDeliveries(T0 + 60)).map((d) => d.event)).toEqual(['e3', 'e1']);
      const listed = await s.integrations.deliveriesOf(hook.id);
      expect(listed.map((d) => d.event)).toEqual(['e3', 'e2', 'e1']);
      expect(listed[1]).toMatchObject({ status: 'delivered', attempts: 1, nextAttemptAt: null, updatedAt: T0 + 6 });
      expect(listed[2]).toMatchObject({ status: 'pending', lastError: 'HTTP 502', nextAttemptAt: T0 + 60 });
    });

    it('an address is counted and scrubbed in stored payloads exactly as written (case matters, as JSON keeps it)', async () => {
      const hook = await s.integrations.insertWebhook('https://a.example.com', 's', T0);
      const payload = (email: string) => JSON.stringify({ email, cc: [email] });
      await s.integrations.enqueueDelivery(hook.id, 'e1', payload('bob@example.com'), T0);
      await s.integrations.enqueueDelivery(hook.id, 'e2', payload('bob@example.com'), T0);
      await s.integrations.enqueueDelivery(hook.id, 'e3', payload('Bob@example.com'), T0);
      await s.integrations.enqueueDelivery(hook.id, 'e4', payload('bob@example.community'), T0);
      expect(await s.integrations.countEmail('bob@example.com')).toBe(2);
      expect(await s.integrations.scrubEmail('bob@example.com')).toBe(2);
      expect(await s.integrations.countEmail('bob@example.com')).toBe(0);
      const byEvent = Object.fromEntries((await s.integrations.deliveriesOf(hook.id)).map((d) => [d.event, d.payload]));
      expect(JSON.parse(byEvent.e1)).toEqual({ email: '[erased]', cc: ['[erased]'] });
      expect(byEvent.e3).toBe(payload('Bob@example.com'));
      expect(byEvent.e4).toBe(payload('bob@example.community'));
      expect(await s.integrations.scrubEmail('bob@example.com')).toBe(0);
    });
  });

  describe('offline replies', () => {
    it('the first queued wait wins and is kept as it started; all come by due time; an unknown visitor has none', async () => {
      const a = await visitor(1);
      const b = await visitor(2);
      expect(await s.offlineReplies.queue(a.id, 3, T0 + 20)).toBe(true);
      expect(await s.offlineReplies.queue(a.id, 5, T0 + 1)).toBe(false);
      expect(await s.offlineReplies.queue(b.id, 1, T0 + 10)).toBe(true);
      expect(await s.offlineReplies.of(a.id)).toEqual({ visitorId: a.id, fromSeq: 3, dueAt: T0 + 20, attempts: 0 });
      expect(await s.offlineReplies.of(b.id + 100)).toBeNull();
      expect((await s.offlineReplies.all()).map((r) => r.visitorId)).toEqual([b.id, a.id]);
    });

    it('queueing at once starts exactly one wait', async () => {
      const a = await visitor(1);
      const started = await Promise.all([1, 2, 3, 4, 5].map((seq) => s.offlineReplies.queue(a.id, seq, T0)));
      expect(started.filter(Boolean)).toHaveLength(1);
      expect((await s.offlineReplies.of(a.id))?.fromSeq).toBe(started.indexOf(true) + 1);
    });

    it('a retry counts the attempt and moves the time, and removal ends the wait, only for the wait they name', async () => {
      const a = await visitor(1);
      await s.offlineReplies.queue(a.id, 3, T0);
      await s.offlineReplies.retryAt(a.id, 4, T0 + 99);
      expect(await s.offlineReplies.of(a.id)).toMatchObject({ attempts: 0, dueAt: T0 });
      await s.offlineReplies.retryAt(a.id, 3, T0 + 60);
      await s.offlineReplies.retryAt(a.id, 3, T0 + 120);
      expect(await s.offlineReplies.of(a.id)).toEqual({ visitorId: a.id, fromSeq: 3, dueAt: T0 + 120, attempts: 2 });
      await s.offlineReplies.remove(a.id, 4);
      expect(await s.offlineReplies.of(a.id)).not.toBeNull();
      await s.offlineReplies.remove(a.id, 3);
      expect(await s.offlineReplies.of(a.id)).toBeNull();
      expect(await s.offlineReplies.all()).toEqual([]);
    });

    it('of several claims for the due time the row says, exactly one wins and moves it; a stale or ended one loses', async () => {
      const a = await visitor(1);
      await s.offlineReplies.queue(a.id, 3, T0);
      const won = await Promise.all([1, 2, 3, 4].map((n) => s.offlineReplies.claim(a.id, 3, T0, T0 + 1000 * n)));
      expect(won.filter(Boolean)).toHaveLength(1);
      const until = T0 + 1000 * (won.indexOf(true) + 1);
      expect(await s.offlineReplies.of(a.id)).toEqual({ visitorId: a.id, fromSeq: 3, dueAt: until, attempts: 0 });
      // The old due time, another wait's seq, or a wait that has ended: nothing to take.
      expect(await s.offlineReplies.claim(a.id, 3, T0, T0 + 9)).toBe(false);
      expect(await s.offlineReplies.claim(a.id, 4, until, T0 + 9)).toBe(false);
      expect(await s.offlineReplies.claim(a.id, 3, until, until + 5)).toBe(true);
      await s.offlineReplies.remove(a.id, 3);
      expect(await s.offlineReplies.claim(a.id, 3, until + 5, until + 6)).toBe(false);
    });
  });

  describe('attachments', () => {
    const upload = (
      conversationRowId: number,
      n: number,
      extra: { operatorId?: number | null; uploader?: 'visitor' | 'operator' } = {},
    ) => ({
      id: `att-${n}`,
      conversationRowId,
      clientId: `f${n}`,
      uploader: extra.uploader ?? ('visitor' as const),
      operatorId: extra.operatorId ?? null,
      storageKey: `key-${n}`,
      name: `file ${n}.png`,
      type: 'image/png' as const,
      size: 1000 + n,
      sha256: `sha-${n}`,
      createdAt: T0 + n,
    });

    it('an upload comes back as stored, by public id, by client id and with its conversation in id order; unknown ones are null', async () => {
      const c = await conversation(1);
      const other = await conversation(2);
      const second = await s.attachments.insert(upload(c.rowId, 2));
      const first = await s.attachments.insert(upload(c.rowId, 1, { uploader: 'operator' }));
      await s.attachments.insert(upload(other.rowId, 3));
      const expected = {
        rowId: second,
        id: 'att-2',
        conversationRowId: c.rowId,
        conversationId: 'pub-1',
        visitorId: c.visitorId,
        messageId: null,
        clientId: 'f2',
        uploader: 'visitor',
        storageKey: 'key-2',
        name: 'file 2.png',
        type: 'image/png',
        size: 1002,
        sha256: 'sha-2',
        createdAt: T0 + 2,
      };
      expect(await s.attachments.byPublicId('att-2')).toEqual(expected);
      expect(await s.attachments.byClientId(c.rowId, 'f2')).toEqual(expected);
      expect(await s.attachments.byClientId(other.rowId, 'f2')).toBeNull();
      expect(await s.attachments.byPublicId('nope')).toBeNull();
      expect((await s.attachments.byConversation(c.rowId)).map((a) => [a.rowId, a.uploader])).toEqual([
        [second, 'visitor'],
        [first, 'operator'],
      ]);
      expect(await s.attachments.countByConversation(c.rowId)).toBe(2);
      expect(await s.attachments.storedKeys()).toEqual([
        { key: 'key-2', sha256: 'sha-2' },
        { key: 'key-1', sha256: 'sha-1' },
        { key: 'key-3', sha256: 'sha-3' },
      ]);
      expect(await s.attachments.keyExists('key-3')).toBe(true);
      expect(await s.attachments.keyExists('key-9')).toBe(false);
      expect(isUniqueViolation(await failure(() => s.attachments.insert({ ...upload(c.rowId, 4), clientId: 'f2' })))).toBe(true);
    });

    it('an upload links to one message only: a second link is refused and changes nothing', async () => {
      const c = await conversation(1);
      const rowId = await s.attachments.insert(upload(c.rowId, 1));
      const m1 = await message(c.rowId, 1);
      const m2 = await message(c.rowId, 2);
      expect(await s.attachments.link(rowId, m1)).toBe(true);
      expect(await s.attachments.link(rowId, m2)).toBe(false);
      expect((await s.attachments.byPublicId('att-1'))?.messageId).toBe(m1);
    });

    it('deletes by conversation or by cascade are counted where asked and leave every key in the trash, in key order, until untrashed', async () => {
      const c = await conversation(1);
      const other = await conversation(2);
      for (const n of [3, 1]) await s.attachments.insert(upload(c.rowId, n));
      const sent = await s.attachments.insert(upload(other.rowId, 2));
      await s.attachments.link(sent, await message(other.rowId, 1));
      expect(await s.attachments.trash()).toEqual([]);
      expect(await s.attachments.deleteByConversation(c.rowId)).toBe(2);
      expect(await s.attachments.deleteByConversation(c.rowId)).toBe(0);
      // The message's file goes with it (cascade), and its key to the trash all the same.
      expect(await s.messages.deleteByConversation(other.rowId)).toBe(1);
      expect(await s.attachments.countByConversation(other.rowId)).toBe(0);
      expect(await s.attachments.trash()).toEqual(['key-1', 'key-2', 'key-3']);
      expect(await s.attachments.trash(2)).toEqual(['key-1', 'key-2']);
      await s.attachments.untrash(['key-1', 'key-3', 'key-none']);
      await s.attachments.untrash([]);
      expect(await s.attachments.trash()).toEqual(['key-2']);
      expect(await s.attachments.keyExists('key-2')).toBe(false);
    });
  });

  describe('prechat', () => {
    it('consent versions: the newest per language is in force, the register lists newest first with acceptances; (lang, version) is unique', async () => {
      const en1 = await s.prechat.insertVersion(1, 'en', 'Text 1', T0);
      const ru1 = await s.prechat.insertVersion(1, 'ru', 'Текст 1', T0 + 1);
      const en2 = await s.prechat.insertVersion(2, 'en', 'Text 2', T0 + 1);
      const a = await visitor(1);
      const b = await visitor(2);
      await s.prechat.insertConsent(a.id, en2, 'en', T0 + 5);
      await s.prechat.insertConsent(b.id, en2, 'en', T0 + 5);
      await s.prechat.insertConsent(b.id, en1, 'en', T0 + 4);
      expect(await s.prechat.latestVersion('en')).toEqual({
        id: en2,
        version: 2,
        lang: 'en',
        text: 'Text 2',
        createdAt: T0 + 1,
        acceptances: 2,
      });
      expect(await s.prechat.versionById(en1)).toEqual({ id: en1, version: 1, lang: 'en', text: 'Text 1', createdAt: T0, acceptances: 1 });
      expect(await s.prechat.versionById(en2 + 100)).toBeNull();
      expect((await s.prechat.versions()).map((v) => [v.id, v.acceptances])).toEqual([
        [en2, 2],
        [ru1, 0],
        [en1, 1],
      ]);
      expect(isUniqueViolation(await failure(() => s.prechat.insertVersion(2, 'en', 'Other', T0 + 2)))).toBe(true);
    });

    it('with no version in a language, none is in force', async () => {
      await s.prechat.insertVersion(1, 'en', 'Text 1', T0);
      expect(await s.prechat.latestVersion('ru')).toBeNull();
      expect(await s.prechat.versions()).toHaveLength(1);
    });

    it("a visitor's acceptances come newest first with the text accepted; accepting again keeps the first time", async () => {
      const v1 = await s.prechat.insertVersion(1, 'en', 'Text 1', T0);
      const v2 = await s.prechat.insertVersion(2, 'en', 'Text 2', T0);
      const a = await visitor(1);
      await s.prechat.insertConsent(a.id, v1, 'en', T0 + 1);
      await s.prechat.insertConsent(a.id, v2, 'ru', T0 + 2);
      await s.prechat.insertConsent(a.id, v1, 'ru', T0 + 3);
      expect(await s.prechat.consentsOf(a.id)).toEqual([
        { version: 2, lang: 'ru', text: 'Text 2', acceptedAt: T0 + 2 },
        { version: 1, lang: 'en', text: 'Text 1', acceptedAt: T0 + 1 },
      ]);
      expect(await s.prechat.consentsOf(a.id + 100)).toEqual([]);
    });

    it('answers come back as given, once per visitor (a second submission is a unique violation); none is null', async () => {
      const a = await visitor(1);
      const answers = [
        { key: 'topic', label: 'Topic', value: 'Доставка' },
        { key: 'order', label: 'Order', value: '' },
      ];
      await s.prechat.insertSubmission(a.id, answers, T0);
      expect(await s.prechat.submissionOf(a.id)).toEqual({ answers, submittedAt: T0 });
      expect(await s.prechat.submissionOf(a.id + 100)).toBeNull();
      expect(isUniqueViolation(await failure(() => s.prechat.insertSubmission(a.id, [], T0 + 1)))).toBe(true);
    });

    it('the form fills the contact name and e-mail, keeps what it leaves out, and never replaces a verified address', async () => {
      const a = await visitor(1);
      const b = await visitor(2);
      await s.prechat.setContact(a.id, 'ann@example.com', 'Ann');
      await s.prechat.setContact(a.id, null, null);
      expect(await s.visitors.findById(a.id)).toMatchObject({ email: 'ann@example.com', name: 'Ann', emailVerified: false });
      await s.prechat.setContact(a.id, 'ann2@example.com', null);
      expect(await s.visitors.findById(a.id)).toMatchObject({ email: 'ann2@example.com', name: 'Ann' });
      await s.visitors.setIdentity(b.id, 'bob@shop.example', 'Bob', true);
      await s.prechat.setContact(b.id, 'typed@example.com', 'Robert');
      expect(await s.visitors.findById(b.id)).toMatchObject({ email: 'bob@shop.example', name: 'Robert', emailVerified: true });
    });

    it("deleting a visitor's answers and acceptances counts them and leaves other visitors' alone", async () => {
      const v1 = await s.prechat.insertVersion(1, 'en', 'Text 1', T0);
      const v2 = await s.prechat.insertVersion(2, 'en', 'Text 2', T0);
      const a = await visitor(1);
      const b = await visitor(2);
      for (const v of [a, b]) {
        await s.prechat.insertSubmission(v.id, [], T0);
        await s.prechat.insertConsent(v.id, v1, 'en', T0);
        await s.prechat.insertConsent(v.id, v2, 'en', T0);
      }
      expect(await s.prechat.countByVisitor(a.id)).toEqual({ prechatAnswers: 1, consents: 2 });
      expect(await s.prechat.deleteByVisitor(a.id)).toEqual({ prechatAnswers: 1, consents: 2 });
      expect(await s.prechat.deleteByVisitor(a.id)).toEqual({ prechatAnswers: 0, consents: 0 });
      expect(await s.prechat.countByVisitor(a.id)).toEqual({ prechatAnswers: 0, consents: 0 });
      expect(await s.prechat.countByVisitor(b.id)).toEqual({ prechatAnswers: 1, consents: 2 });
      expect((await s.prechat.versionById(v1))?.acceptances).toBe(1);
    });
  });

  describe('transcripts', () => {
    it('a wish keeps its latest language; clearing it is true once; none is null; it goes with its conversation', async () => {
      const c = await conversation(1);
      const other = await conversation(2);
      expect(await s.transcripts.wishFor(c.rowId)).toBeNull();
      await s.transcripts.wish(c.rowId, 'en', T0);
      await s.transcripts.wish(c.rowId, 'ru', T0 + 1);
      await s.transcripts.wish(other.rowId, 'en', T0);
      expect(await s.transcripts.wishFor(c.rowId)).toBe('ru');
      expect(await s.rows('SELECT created_at AS at FROM transcript_wishes WHERE conversation_id = ?', c.rowId)).toEqual([{ at: T0 }]);
      expect(await s.transcripts.clear(c.rowId)).toBe(true);
      expect(await s.transcripts.clear(c.rowId)).toBe(false);
      expect(await s.transcripts.wishFor(c.rowId)).toBeNull();
      await s.conversations.deleteByVisitor(other.visitorId);
      expect(await s.transcripts.wishFor(other.rowId)).toBeNull();
      expect(await count('transcript_wishes')).toBe(0);
    });

    it('clearing at once: only one caller is told it cleared the wish', async () => {
      const c = await conversation(1);
      await s.transcripts.wish(c.rowId, 'en', T0);
      const cleared = await Promise.all([1, 2, 3, 4].map(() => s.transcripts.clear(c.rowId)));
      expect(cleared.filter(Boolean)).toHaveLength(1);
    });
  });
});

/** What only PostgreSQL has: job runners on several nodes at once. */
describe('postgres with concurrent job runners', () => {
  let pool: pg.Pool;
  beforeEach(async () => {
    pool = await freshPgPool();
  });

  /** A transaction on its own client, rolled back after the test unless committed. */
  const begin = () => beginOn(pool);

  it("rows one node's transaction took as due are skipped by another's, and due again once it ends", async () => {
    await pool.query(
      `INSERT INTO privacy_requests (reference, type, state, jurisdiction, source, email_hash, lang, received_at, updated_at)
      VALUES ('R-1', 'erasure', 'in_progress', 'gdpr', 'chat', $1, 'en', $2, $2), ('R-2', 'erasure', 'in_progress', 'gdpr', 'chat', $1, 'en', $2, $2)`,
      [hash(1), T0],
    );
    const systems = new PgDataSystemRepository(pool);
    const sys = await systems.insert(
      {
        name: 'A',
        purpose: '',
        requestTypes: ['erasure'],
        ownerEmail: 'o@example.com',
        kind: 'webhook',
        webhookUrl: 'https://a.example.com',
        secret: 's',
        contactEmail: null,
        assigneeId: null,
      },
      T0,
    );
    const entry = (requestId: number, receiptId: string, nextAttemptAt: number) =>
      systems.addEntry({
        requestId,
        systemId: sys,
        receiptId,
        name: 'A',
        kind: 'webhook',
        linkHash: null,
        linkExpiresAt: null,
        nextAttemptAt,
        createdAt: T0,
      });
    const e1 = await entry(1, 'r1', T0);
    const e2 = await entry(2, 'r2', T0 + 1);
    const first = await begin();
    expect((await new PgDataSystemRepository(first.client).due(T0)).map((e) => e.id)).toEqual([e1]);
    const second = await begin();
    expect((await new PgDataSystemRepository(second.client).due(T0 + 1)).map((e) => e.id)).toEqual([e2]);
    await new PgDataSystemRepository(first.client).delivery(e1, { attempts: 1, nextAttemptAt: T0 + 60, deliveryError: 'HTTP 500' });
    await first.commit();
    expect((await systems.due(T0 + 60)).map((e) => e.id)).toEqual([e1]);
  });

  it("webhook deliveries one node's transaction took as due are skipped by another's", async () => {
    const integrations = new PgIntegrationRepository(pool);
    const hook = await integrations.insertWebhook('https://a.example.com', 's', T0);
    await integrations.enqueueDelivery(hook.id, 'e1', '{}', T0);
    await integrations.enqueueDelivery(hook.id, 'e2', '{}', T0 + 1);
    const first = await begin();
    const taken = await new PgIntegrationRepository(first.client).dueDeliveries(T0 + 1);
    expect(taken.map((d) => d.event)).toEqual(['e1', 'e2']);
    const second = await begin();
    expect(await new PgIntegrationRepository(second.client).dueDeliveries(T0 + 1)).toEqual([]);
    await new PgIntegrationRepository(first.client).updateDelivery({ ...taken[0], status: 'delivered', updatedAt: T0 + 2 });
    await first.commit();
    expect((await new PgIntegrationRepository(second.client).dueDeliveries(T0 + 1)).map((d) => d.event)).toEqual(['e2']);
  });
});
