import { describe, expect, test } from 'vitest';
import { type ConversationStatusPush, OperatorEvent, OperatorPush, VisitorEvent, VisitorPush } from '../../shared/protocol';
import type { ConversationDto } from '../../shared/types';
import { DEFAULT_WIDGET_SETTINGS, type RatingScale } from '../../shared/widget-settings';
import { rows } from '../helpers/db-snapshot';
import { privacySuite } from '../helpers/privacy';
import { linkIn } from '../helpers/smtp';
import { errorCode, say, signedInOperator, unwrap } from '../helpers/sockets';
import { call, next, ok, signIn, type OperatorClient, type VisitorClient } from '../helpers/test-app';

// Ratings: asked for on resolve, stored once, shown to operators, reported, reached by erasure, export and retention.

const { s, sockets, newVisitor, operator, signOutOperator, mailTo, fileVerified, act } = privacySuite();
const DAY = 24 * 60 * 60 * 1000;

async function useScale(op: OperatorClient, ratingScale: RatingScale): Promise<void> {
  await ok(op, OperatorEvent.widgetSettingsSave, { ...DEFAULT_WIDGET_SETTINGS, ratingScale });
}

/** A visitor with a conversation the operator answered and resolved; the visitor has been asked to rate it. */
async function resolvedConversation(op: OperatorClient, text = 'Where is my parcel?') {
  const visitor = await newVisitor();
  const conversationId = await say(visitor.socket, text);
  await ok(op, OperatorEvent.messageSend, { conversationId, clientId: `reply-${conversationId}`, text: 'On its way.' });
  const asked = next<ConversationStatusPush>(visitor.socket, VisitorPush.conversationStatus);
  await ok(op, OperatorEvent.conversationResolve, { conversationId });
  return { ...visitor, conversationId, asked: await asked };
}

const storedRatings = () => rows(s.t.db, 'SELECT * FROM conversation_ratings');

describe('asking for and storing a rating', () => {
  test('on resolve the visitor is asked on the admin’s scale; the rating is stored once, and a resend gets the same answer', async () => {
    const op = await operator();
    const { socket, token, conversationId, asked } = await resolvedConversation(op);
    expect(asked).toEqual({ status: 'resolved', ratingAsk: { conversationId, scale: 'thumbs' } });

    const upsert = next<ConversationDto>(op, OperatorPush.conversationUpsert, (c) => c.id === conversationId && c.rating !== null);
    const first = unwrap(await call(socket, VisitorEvent.ratingSubmit, { conversationId, score: 1, comment: '  Quick and kind  ' }));
    expect(first.rating).toMatchObject({ scale: 'thumbs', score: 1, comment: 'Quick and kind' });
    // The operators' inbox row carries it at once, and so does the conversation when opened.
    expect((await upsert).rating).toEqual(first.rating);
    expect((await ok(op, OperatorEvent.conversationOpen, { conversationId })).conversation.rating).toEqual(first.rating);

    // A resend (reconnect, second tab) is answered as before and stores nothing more.
    const again = unwrap(await call(socket, VisitorEvent.ratingSubmit, { conversationId, score: 1, comment: 'Quick and kind' }));
    expect(again).toEqual(first);
    // A second, different try is refused.
    expect(errorCode(await call(socket, VisitorEvent.ratingSubmit, { conversationId, score: 0 }))).toBe('conflict');
    expect(storedRatings()).toHaveLength(1);
    expect(storedRatings()[0]).toMatchObject({ scale: 'thumbs', score: 1, operator_id: 1 });

    // Two tabs sending at the same moment: still one.
    const { socket: other, conversationId: otherId } = await resolvedConversation(op, 'Second visitor');
    const acks = await Promise.all([1, 2, 3].map(() => call(other, VisitorEvent.ratingSubmit, { conversationId: otherId, score: 0 })));
    expect(acks.every((a) => a.ok)).toBe(true);
    expect(storedRatings()).toHaveLength(2);

    // Once rated, a later hello asks no more.
    expect((await ok(socket, VisitorEvent.hello, { token })).ratingAsk).toBeNull();
  });

  test('a conversation is not rated before it is resolved, nor by another visitor, nor off the scale', async () => {
    const op = await operator();
    const a = await newVisitor();
    const conversationId = await say(a.socket, 'Hello?');
    expect(errorCode(await call(a.socket, VisitorEvent.ratingSubmit, { conversationId, score: 1 }))).toBe('invalid_state');
    expect((await ok(a.socket, VisitorEvent.hello, { token: a.token })).ratingAsk).toBeNull();

    await ok(op, OperatorEvent.conversationResolve, { conversationId });
    const b = await newVisitor();
    await say(b.socket, 'I am someone else');
    expect(errorCode(await call(b.socket, VisitorEvent.ratingSubmit, { conversationId, score: 1 }))).toBe('not_found');

    // Stars: 1–5; a thumbs score of 0 is off this scale.
    await useScale(op, 'stars');
    expect((await ok(a.socket, VisitorEvent.hello, { token: a.token })).ratingAsk).toEqual({ conversationId, scale: 'stars' });
    expect(errorCode(await call(a.socket, VisitorEvent.ratingSubmit, { conversationId, score: 0 }))).toBe('invalid_payload');
    expect(errorCode(await call(a.socket, VisitorEvent.ratingSubmit, { conversationId, score: 6 }))).toBe('invalid_payload');
    expect(unwrap(await call(a.socket, VisitorEvent.ratingSubmit, { conversationId, score: 5 })).rating).toMatchObject({
      scale: 'stars',
      score: 5,
      comment: null,
    });

    // Switched off: nobody is asked, nothing is stored.
    await useScale(op, 'off');
    const later = await resolvedConversation(op);
    expect(later.asked.ratingAsk).toBeNull();
    expect(errorCode(await call(later.socket, VisitorEvent.ratingSubmit, { conversationId: later.conversationId, score: 1 }))).toBe(
      'invalid_state',
    );
    expect(storedRatings()).toHaveLength(1);
  });

  test('reopening tells the visitor the question is gone', async () => {
    const op = await operator();
    const { socket, conversationId } = await resolvedConversation(op);
    const reopened = next<ConversationStatusPush>(socket, VisitorPush.conversationStatus);
    await ok(op, OperatorEvent.conversationReopen, { conversationId });
    expect(await reopened).toEqual({ status: 'open', ratingAsk: null });
  });
});

describe('the ratings report', () => {
  test('counts and shares per operator over a date range in the team’s time zone; operators may read it', async () => {
    let admin = await operator();
    // A second operator, Olga, answers some conversations.
    await ok(admin, OperatorEvent.operatorCreate, {
      email: 'olga@example.test',
      name: 'Olga',
      role: 'operator',
      password: 'olga-password-1',
    });
    const signInOlga = async () => signedInOperator(s.t.url, sockets, await signIn(s.t.url, 'olga@example.test', 'olga-password-1'));
    let olga = await signInOlga();
    await ok(admin, OperatorEvent.widgetSettingsSave, { ...DEFAULT_WIDGET_SETTINGS, timezone: 'Europe/Moscow' });
    /** Days later: sessions (12 hours) have ended, both sign in again. */
    const daysLater = async (days: number) => {
      s.clock.advance(days * DAY);
      signOutOperator();
      olga.close();
      admin = await operator();
      olga = await signInOlga();
    };

    const rate = async (op: OperatorClient, score: number) => {
      const { socket, conversationId } = await resolvedConversation(op);
      await ok(socket as VisitorClient, VisitorEvent.ratingSubmit, { conversationId, score });
    };
    // 25 November 2026 13:00 Moscow: two good and one bad for the admin, one good for Olga.
    await rate(admin, 1);
    await rate(admin, 1);
    await rate(admin, 0);
    await rate(olga, 1);
    // The next day (26 November), one bad for Olga; then stars on 28 November.
    await daysLater(1);
    await rate(olga, 0);
    await daysLater(2);
    await ok(admin, OperatorEvent.widgetSettingsSave, { ...DEFAULT_WIDGET_SETTINGS, timezone: 'Europe/Moscow', ratingScale: 'stars' });
    await rate(olga, 4);

    const day = await ok(olga, OperatorEvent.ratingReport, { from: '2026-11-25', to: '2026-11-25' });
    expect(day.report.total).toEqual({ thumbs: [1, 3], stars: [0, 0, 0, 0, 0] });
    expect(day.report.byOperator).toEqual([
      { operatorId: 1, operatorName: 'Admin', thumbs: [1, 2], stars: [0, 0, 0, 0, 0] },
      { operatorId: 2, operatorName: 'Olga', thumbs: [0, 1], stars: [0, 0, 0, 0, 0] },
    ]);
    expect(day.report.recent).toHaveLength(4);

    const week = await ok(admin, OperatorEvent.ratingReport, { from: '2026-11-23', to: '2026-11-29' });
    expect(week.report.total).toEqual({ thumbs: [2, 3], stars: [0, 0, 0, 1, 0] });
    expect(week.report.byOperator.find((o) => o.operatorName === 'Olga')).toMatchObject({ thumbs: [1, 1], stars: [0, 0, 0, 1, 0] });
    expect(week.report.recent[0]).toMatchObject({ scale: 'stars', score: 4, operatorName: 'Olga' });

    // Day boundaries are the team's: 26 November in Moscow begins at 21:00 UTC on the 25th.
    expect((await ok(admin, OperatorEvent.ratingReport, { from: '2026-11-26', to: '2026-11-27' })).report.total.thumbs).toEqual([1, 0]);
    expect(errorCode(await call(admin, OperatorEvent.ratingReport, { from: '2026-11-27', to: '2026-11-26' }))).toBe('invalid_payload');
  });

  test('without dates the report covers the 30 days up to today in the team’s zone, which may be tomorrow in UTC', async () => {
    const admin = await operator();
    // 25 November 11:00 UTC is already 26 November, 01:00, on Kiritimati (UTC+14).
    s.clock.advance(60 * 60 * 1000);
    await ok(admin, OperatorEvent.widgetSettingsSave, { ...DEFAULT_WIDGET_SETTINGS, timezone: 'Pacific/Kiritimati' });
    const { socket, conversationId } = await resolvedConversation(admin);
    await ok(socket, VisitorEvent.ratingSubmit, { conversationId, score: 1 });

    const { report } = await ok(admin, OperatorEvent.ratingReport, {});
    expect({ from: report.from, to: report.to }).toEqual({ from: '2026-10-28', to: '2026-11-26' });
    expect(report.total.thumbs).toEqual([0, 1]);
    // Only `to` given: the 30 days up to it; the 25th there ended before the rating.
    const before = (await ok(admin, OperatorEvent.ratingReport, { to: '2026-11-25' })).report;
    expect({ from: before.from, to: before.to }).toEqual({ from: '2026-10-27', to: '2026-11-25' });
    expect(before.total.thumbs).toEqual([0, 0]);
    expect(errorCode(await call(admin, OperatorEvent.ratingReport, { from: '2026-11-01', to: 'today' }))).toBe('invalid_payload');
  });
});

describe('ratings are personal data', () => {
  test('erasure deletes the requester’s rating (counted), the access export contains it, retention reaches it', async () => {
    const op = await operator();
    const alice = await resolvedConversation(op, 'Alice here');
    await ok(alice.socket, VisitorEvent.ratingSubmit, { conversationId: alice.conversationId, score: 0, comment: 'Alice was unhappy' });
    const bob = await resolvedConversation(op, 'Bob here');
    await ok(bob.socket, VisitorEvent.ratingSubmit, { conversationId: bob.conversationId, score: 1, comment: 'Bob liked it' });

    // The access export carries the rating and its comment.
    const access = await fileVerified(alice.socket, 'access', 'alice@example.test');
    await act(access.id, 'start');
    unwrap(await act(access.id, 'complete'));
    const exported = await (await fetch(linkIn(await mailTo('alice@example.test', /data is ready/i)))).text();
    const data = JSON.parse(exported) as { visitors: Array<{ conversation: { rating: unknown } }> };
    expect(data.visitors[0].conversation.rating).toEqual({
      at: expect.any(String),
      scale: 'thumbs',
      score: 0,
      comment: 'Alice was unhappy',
    });
    expect(exported).not.toContain('Bob liked it');

    // Erasure: the preview names it, completing deletes it (only Alice's) and counts it.
    const erasure = await fileVerified(alice.socket, 'erasure', 'alice@example.test');
    await act(erasure.id, 'start');
    expect((await ok(op, OperatorEvent.privacyPreview, { id: erasure.id })).preview).toMatchObject({ ratings: 1 });
    const done = unwrap(await act(erasure.id, 'complete')).request;
    expect(done.result).toMatchObject({ ratings: 1 });
    expect(storedRatings().map((r) => r.comment)).toEqual(['Bob liked it']);

    // Retention: Bob's resolved conversation, long untouched, goes with its rating.
    s.clock.advance((s.t.config.retentionDays + 1) * DAY);
    expect(await s.t.app.services.retention.run()).toMatchObject({ conversations: 1, ratings: 1 });
    expect(storedRatings()).toEqual([]);
  });
});
