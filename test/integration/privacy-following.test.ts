import crypto from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent, VisitorPush } from '../../shared/protocol';
import type { VisitorRequestDto } from '../../shared/types';
import { rows } from '../helpers/db-snapshot';
import { privacySuite } from '../helpers/privacy';
import { next, ok, visitorClient } from '../helpers/test-app';

// One open request per address and type, and a requester following its request live.

const { s, sockets, newVisitor, operator, startWithCode, fileVerified, act } = privacySuite();

describe('duplicate requests', () => {
  test('a second erasure request for an address with one open returns the open one', async () => {
    const first = await newVisitor();
    const original = await fileVerified(first.socket, 'erasure', 'alice@example.test');

    const second = await newVisitor();
    const { verificationId, code } = await startWithCode(second.socket, 'erasure', 'Alice@Example.test');
    const repeat = await ok(second.socket, VisitorEvent.privacyVerify, { verificationId, code });
    expect(repeat.alreadyOpen).toBe(true);
    expect(repeat.request.reference).toBe(original.request.reference);
    expect(repeat.request.state).toBe('verified');

    const duplicates = rows(s.t.db, 'SELECT state, duplicate_of, email FROM privacy_requests WHERE duplicate_of IS NOT NULL');
    expect(duplicates).toEqual([{ state: 'rejected', duplicate_of: original.id, email: null }]);
    // The operator's list shows one ticket, not two.
    const list = await ok(await operator(), OperatorEvent.privacyList, {});
    expect(list.requests.map((r) => r.reference)).toEqual([original.request.reference]);
    // The repeat's status token follows the open request.
    const status = await ok(second.socket, VisitorEvent.privacyStatus, { requestTokens: [repeat.requestToken] });
    expect(status.requests.map((r) => r.request.reference)).toEqual([original.request.reference]);
  });

  test('a request of another type for the same address is not a duplicate', async () => {
    const { socket } = await newVisitor();
    await fileVerified(socket, 'erasure', 'alice@example.test');
    const access = await fileVerified(socket, 'access', 'alice@example.test');
    expect(access.alreadyOpen).toBe(false);
    expect(rows(s.t.db, 'SELECT id FROM privacy_requests WHERE duplicate_of IS NULL')).toHaveLength(2);
  });
});

describe('following a request', () => {
  test('privacy:status with a request token returns the live status', async () => {
    const first = await newVisitor();
    const filed = await fileVerified(first.socket, 'access', 'alice@example.test');
    first.socket.close();

    const later = await newVisitor();
    const unknownToken = crypto.randomBytes(24).toString('base64url');
    const before = await ok(later.socket, VisitorEvent.privacyStatus, { requestTokens: [filed.requestToken, unknownToken] });
    expect(before.requests).toEqual([{ requestToken: filed.requestToken, request: filed.request }]);

    await act(filed.id, 'start');
    const after = await ok(later.socket, VisitorEvent.privacyStatus, { requestTokens: [filed.requestToken] });
    expect(after.requests[0].request.state).toBe('in_progress');

    // Asking for the status also subscribes to live updates.
    const update = next<VisitorRequestDto>(later.socket, VisitorPush.privacyUpdate, (r) => r.state === 'completed');
    await act(filed.id, 'complete');
    expect(await update).toMatchObject({ reference: filed.request.reference, state: 'completed' });
  });

  test('the visitor socket that verified a request receives privacy:update when the operator completes it', async () => {
    const { socket } = await newVisitor();
    const filed = await fileVerified(socket, 'rectification', 'alice@example.test');
    const started = next<VisitorRequestDto>(socket, VisitorPush.privacyUpdate, (r) => r.state === 'in_progress');
    await act(filed.id, 'start');
    expect(await started).toMatchObject({ reference: filed.request.reference, state: 'in_progress' });
    const completed = next<VisitorRequestDto>(socket, VisitorPush.privacyUpdate, (r) => r.state === 'completed');
    await act(filed.id, 'complete', { note: 'Address corrected' });
    const update = await completed;
    expect(update).toMatchObject({ reference: filed.request.reference, type: 'rectification', state: 'completed' });
    // What a visitor sees carries no contact data.
    expect(Object.keys(update)).not.toContain('email');
  });

  test('hello with request tokens subscribes a returning visitor to its requests', async () => {
    const first = await newVisitor();
    const filed = await fileVerified(first.socket, 'access', 'alice@example.test');
    const returning = sockets.track(visitorClient(s.t.url));
    await ok(returning, VisitorEvent.hello, { requestTokens: [filed.requestToken] });
    const update = next<VisitorRequestDto>(returning, VisitorPush.privacyUpdate, (r) => r.state === 'in_progress');
    await act(filed.id, 'start');
    expect(await update).toMatchObject({ reference: filed.request.reference });
  });
});
