import crypto from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { OperatorEvent } from '../../shared/protocol';
import { rows } from '../helpers/db-snapshot';
import { privacySuite, sha256 } from '../helpers/privacy';
import { linkIn } from '../helpers/smtp';
import { ok } from '../helpers/test-app';

// Requests that do not start in the chat: filed by an operator, or through the REST API.

const { s, operator, mailTo, pushedRequest, requestRow } = privacySuite();

describe('requests filed by an operator', () => {
  test('the requester confirms through the mailed link, by POST only', async () => {
    const op = await operator();
    const filed = (await ok(op, OperatorEvent.privacyFile, { type: 'access', email: 'erin@example.test', name: 'Erin', lang: 'en' }))
      .request;
    expect(filed).toMatchObject({ state: 'awaiting_verification', source: 'operator', email: 'erin@example.test' });

    const link = new URL(linkIn(await mailTo('erin@example.test', /confirm/i)));
    expect(link.origin).toBe(s.t.url);
    const secret = link.searchParams.get('t')!;
    expect(secret).toBeTruthy();

    // Following the link only shows a button: a mail scanner's prefetch verifies nothing.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect(requestRow(filed.id).state).toBe('awaiting_verification');

    const upsert = pushedRequest(op, (r) => r.id === filed.id && r.state === 'verified');
    const confirm = await fetch(`${link.origin}${link.pathname}`, { method: 'POST', body: new URLSearchParams({ t: secret }) });
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain(filed.reference);
    expect(requestRow(filed.id)).toMatchObject({ state: 'verified', verified_at: s.clock.now() });
    expect(await upsert).toMatchObject({ state: 'verified' });

    const replay = await fetch(`${link.origin}${link.pathname}`, { method: 'POST', body: new URLSearchParams({ t: secret }) });
    expect(replay.status).toBe(410);
  });

  test('a link with the wrong secret does not verify', async () => {
    const op = await operator();
    const filed = (await ok(op, OperatorEvent.privacyFile, { type: 'erasure', email: 'erin@example.test', lang: 'en' })).request;
    const link = new URL(linkIn(await mailTo('erin@example.test', /confirm/i)));
    const res = await fetch(`${link.origin}${link.pathname}`, {
      method: 'POST',
      body: new URLSearchParams({ t: crypto.randomBytes(24).toString('base64url') }),
    });
    expect(res.status).toBe(410);
    expect(requestRow(filed.id).state).toBe('awaiting_verification');
  });
});

describe('REST API', () => {
  test('creating a request without an API key is 401', async () => {
    const res = await fetch(`${s.t.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'erasure', email: 'frank@example.test' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(rows(s.t.db, 'SELECT id FROM privacy_requests')).toEqual([]);

    const bogus = await fetch(`${s.t.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer cwk_${crypto.randomBytes(32).toString('base64url')}` },
      body: JSON.stringify({ type: 'erasure', email: 'frank@example.test' }),
    });
    expect(bogus.status).toBe(401);
  });

  test('with an admin-issued key a request is created (201) and can be read back by reference', async () => {
    const op = await operator();
    const { key, secret } = await ok(op, OperatorEvent.apiKeyCreate, { label: 'crm' });
    expect(key.label).toBe('crm');
    expect(rows(s.t.db, 'SELECT key_hash FROM api_keys')).toEqual([{ key_hash: sha256(secret) }]);
    const auth = { authorization: `Bearer ${secret}` };

    const created = await fetch(`${s.t.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ type: 'erasure', email: 'frank@example.test', name: 'Frank' }),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { ok: true; data: { request: { reference: string; state: string; type: string } } };
    expect(body.data.request).toMatchObject({
      type: 'erasure',
      state: 'awaiting_verification',
      reference: expect.stringMatching(/^PR-\d{4}-\d{6}$/),
    });
    await mailTo('frank@example.test', /confirm/i);

    const read = await fetch(`${s.t.url}/api/v1/privacy-requests/${body.data.request.reference}`, { headers: auth });
    expect(read.status).toBe(200);
    const status = (await read.json()) as { ok: true; data: { request: Record<string, unknown> } };
    expect(status.data.request).toMatchObject({ reference: body.data.request.reference, source: 'api', state: 'awaiting_verification' });
    expect(status.data.request).not.toHaveProperty('email');
    expect(status.data.request).not.toHaveProperty('name');

    expect((await fetch(`${s.t.url}/api/v1/privacy-requests/${body.data.request.reference}`)).status).toBe(401);
    expect((await fetch(`${s.t.url}/api/v1/privacy-requests/PR-2026-999999`, { headers: auth })).status).toBe(404);

    // A revoked key stops working.
    await ok(op, OperatorEvent.apiKeyRevoke, { id: key.id });
    expect((await fetch(`${s.t.url}/api/v1/privacy-requests/${body.data.request.reference}`, { headers: auth })).status).toBe(401);
  });

  test('an API body with unknown fields is 400 invalid_payload', async () => {
    const { secret } = await ok(await operator(), OperatorEvent.apiKeyCreate, { label: 'crm' });
    const res = await fetch(`${s.t.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ type: 'erasure', email: 'frank@example.test', state: 'completed' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(rows(s.t.db, 'SELECT id FROM privacy_requests')).toEqual([]);
  });
});
