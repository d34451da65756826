import { describe, expect, test } from 'vitest';
import { VisitorEvent, VisitorPush } from '../../shared/protocol';
import type { VisitorRequestDto } from '../../shared/types';
import { privacySuite } from '../helpers/privacy';
import { errorCode, unwrap } from '../helpers/sockets';
import { next, ok, startTestApp, TestClock } from '../helpers/test-app';

// What an operator may do with a privacy request, and when.

const { s, forgetOperator, newVisitor, signOutOperator, mailTo, fileVerified, requestRow, act } = privacySuite();

describe('operator actions on a request', () => {
  test('a verified request must be started before it is completed', async () => {
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'rectification', 'alice@example.test', { details: 'my name is misspelt' });
    expect(errorCode(await act(id, 'complete', { note: 'fixed' }))).toBe('invalid_state');
    expect(unwrap(await act(id, 'start')).request.state).toBe('in_progress');
    expect(errorCode(await act(id, 'start'))).toBe('invalid_state');
    expect(errorCode(await act(id, 'complete'))).toBe('invalid_payload'); // a correction says what was corrected
    const done = unwrap(await act(id, 'complete', { note: 'Name corrected to Alice' })).request;
    expect(done).toMatchObject({ state: 'completed', email: null, result: { corrected: 1 } });
  });

  test('a request awaiting verification cannot be started, but can be rejected', async () => {
    const { socket } = await newVisitor();
    await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: 'alice@example.test' });
    expect(errorCode(await act(1, 'start'))).toBe('invalid_state');
    expect(errorCode(await act(1, 'extend', { reason: 'complex' }))).toBe('invalid_state');
    expect(unwrap(await act(1, 'reject', { reason: 'We could not confirm the address' })).request.state).toBe('rejected');
  });

  test('a rejection needs a reason, which the requester sees with the right to complain', async () => {
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'access', 'alice@example.test');
    expect(errorCode(await act(id, 'reject'))).toBe('invalid_payload');
    expect(errorCode(await act(id, 'reject', { reason: '   ' }))).toBe('invalid_payload');
    expect(requestRow(id).state).toBe('verified');

    const update = next<VisitorRequestDto>(socket, VisitorPush.privacyUpdate, (r) => r.state === 'rejected');
    const skip = s.t.smtp.mailsTo('alice@example.test').length;
    const rejected = unwrap(await act(id, 'reject', { reason: 'Manifestly unfounded' })).request;
    expect(rejected).toMatchObject({ state: 'rejected', rejectionReason: 'Manifestly unfounded', email: null });
    expect(await update).toMatchObject({ state: 'rejected', rejectionReason: 'Manifestly unfounded' });
    const mail = await mailTo('alice@example.test', /declined/i, skip);
    expect(mail.body).toContain('Manifestly unfounded');
    expect(mail.body).toMatch(/complaint/i);
    expect(errorCode(await act(id, 'start'))).toBe('invalid_state');
  });

  test('an extension needs a reason and is allowed once', async () => {
    const { socket } = await newVisitor();
    const { id, request } = await fileVerified(socket, 'access', 'alice@example.test');
    expect(errorCode(await act(id, 'extend'))).toBe('invalid_payload');
    const extended = unwrap(await act(id, 'extend', { reason: 'Many systems to search' })).request;
    expect(extended).toMatchObject({ extended: true, extensionReason: 'Many systems to search', state: 'verified' });
    expect(extended.dueAt).toBeGreaterThan(request.dueAt!);
    await mailTo('alice@example.test', /more time/i);
    expect(errorCode(await act(id, 'extend', { reason: 'Even more time' }))).toBe('invalid_state');
    expect(requestRow(id)).toMatchObject({ extension_reason: 'Many systems to search', due_at: extended.dueAt });
  });

  test('an extension after the original due date is refused', async () => {
    const { socket } = await newVisitor();
    const { id, request } = await fileVerified(socket, 'erasure', 'alice@example.test');
    await act(id, 'start');
    s.clock.t = request.dueAt! + 1;
    // A month on, the operator's session has long ended: sign in afresh.
    signOutOperator();
    expect(errorCode(await act(id, 'extend', { reason: 'Too late now' }))).toBe('invalid_state');
    expect(requestRow(id)).toMatchObject({ extended: 0, due_at: request.dueAt });
  });

  test('a closed request takes no further action', async () => {
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'rectification', 'alice@example.test');
    await act(id, 'start');
    await act(id, 'complete', { note: 'done' });
    for (const [action, extra] of [
      ['start', {}],
      ['complete', { note: 'again' }],
      ['reject', { reason: 'late' }],
      ['extend', { reason: 'late' }],
    ] as const) {
      expect({ action, code: errorCode(await act(id, action, extra)) }).toEqual({ action, code: 'invalid_state' });
    }
  });

  test('an action on a request that does not exist is not_found', async () => {
    expect(errorCode(await act(999, 'start'))).toBe('not_found');
  });
});

describe('152-FZ requests', () => {
  test('a correction under 152-FZ cannot be extended', async () => {
    await s.t.close();
    s.clock = new TestClock();
    s.t = await startTestApp({ clock: s.clock, env: { PRIVACY_JURISDICTION: '152fz' } });
    forgetOperator();
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'rectification', 'ivan@example.test');
    expect(requestRow(id).jurisdiction).toBe('152fz');
    expect(errorCode(await act(id, 'extend', { reason: 'need more time' }))).toBe('invalid_state');
  });
});
