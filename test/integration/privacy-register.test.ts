import { describe, expect, test } from 'vitest';
import { VisitorEvent } from '../../shared/protocol';
import { rows } from '../helpers/db-snapshot';
import { privacySuite } from '../helpers/privacy';
import { say, unwrap } from '../helpers/sockets';
import { ok, signIn } from '../helpers/test-app';

// The admin exports: the request register and destruction records.

const { s, newVisitor, fileVerified, act } = privacySuite();

describe('request register export', () => {
  test('the CSV register needs an admin cookie and lists references without e-mail addresses', async () => {
    const { socket } = await newVisitor();
    const filed = await fileVerified(socket, 'access', 'alice@example.test', { name: 'Alice Liddell' });
    await ok(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'bob@example.test' });

    const anonymous = await fetch(`${s.t.url}/api/admin/privacy-register.csv`);
    expect(anonymous.status).toBe(401);

    await s.t.app.services.auth.createOperator({ email: 'op@example.test', name: 'Op', role: 'operator', password: 'operator password 1' });
    const notAdmin = await fetch(`${s.t.url}/api/admin/privacy-register.csv`, {
      headers: { cookie: await signIn(s.t.url, 'op@example.test', 'operator password 1') },
    });
    expect(notAdmin.status).toBe(403);

    const res = await fetch(`${s.t.url}/api/admin/privacy-register.csv`, { headers: { cookie: await signIn(s.t.url) } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const csv = await res.text();
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0].split(',')).toContain('reference');
    expect(lines).toHaveLength(3);
    expect(csv).toContain(filed.request.reference);
    expect(csv).not.toContain('@');
    expect(csv).not.toContain('Alice Liddell');
    expect(rows(s.t.db, `SELECT action FROM audit_log WHERE action = 'register exported'`)).toHaveLength(1);
  });

  test('a completed erasure has a destruction record with its event log, and no address in it', async () => {
    const { socket } = await newVisitor();
    await say(socket, 'please forget me');
    const { id, request } = await fileVerified(socket, 'erasure', 'alice@example.test');
    const cookie = await signIn(s.t.url);
    const url = `${s.t.url}/api/admin/privacy-requests/${id}/record.json`;

    const whileOpen = await fetch(url, { headers: { cookie } });
    expect(whileOpen.status).toBe(409);
    expect((await fetch(url)).status).toBe(401);

    await act(id, 'start');
    unwrap(await act(id, 'complete', { note: 'Invoices are kept for 5 years under tax law.' }));
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const record = JSON.parse(text) as {
      reference: string;
      result: Record<string, number>;
      retained: string;
      events: Array<{ action: string; actor: string }>;
      auditChain: { intact: boolean; entries: number; head: string };
      method: string;
    };
    expect(record.reference).toBe(request.reference);
    expect(record.result).toMatchObject({ visitors: 1, conversations: 1, messages: 1 });
    expect(record.retained).toBe('Invoices are kept for 5 years under tax law.');
    expect(record.method).toMatch(/one transaction/);
    expect(record.events.map((e) => e.action)).toEqual(expect.arrayContaining(['received', 'verified', 'started', 'completed']));
    expect(record.events.find((e) => e.action === 'completed')!.actor).toMatch(/^operator #1/);
    // The whole log's chain as of the record: intact, with the head an auditor can compare later.
    expect(record.auditChain).toMatchObject({ intact: true, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(record.auditChain.entries).toBeGreaterThanOrEqual(record.events.length);
    expect(text).not.toContain('alice@example.test');
    expect(rows(s.t.db, `SELECT action FROM audit_log WHERE request_id = ? AND action = 'record exported'`, id)).toHaveLength(1);
    // The record and the register name the requester by the same hash, so an auditor can match them.
    const csv = await (await fetch(`${s.t.url}/api/admin/privacy-register.csv`, { headers: { cookie } })).text();
    const [header, ...lines] = csv
      .trim()
      .split(/\r\n/)
      .map((line) => line.split(','));
    const line = lines.find((cells) => cells[0] === request.reference)!;
    expect(line[header.indexOf('requester_hash')]).toBe((JSON.parse(text) as { requesterHash: string }).requesterHash);
  });
});
