import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { OperatorEvent } from '../../shared/protocol';
import { privacySuite } from '../helpers/privacy';
import { ok } from '../helpers/test-app';

// Request events delivered to registered webhooks.

const httpServers: http.Server[] = [];
const { s, newVisitor, operator, fileVerified, keyedEmailHash } = privacySuite(async () => {
  for (const server of httpServers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('webhooks', () => {
  test('a request event is POSTed to the registered endpoint with a valid HMAC signature', async () => {
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    let wake: () => void = () => {};
    const hook = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
        wake();
      });
    });
    httpServers.push(hook);
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

    const op = await operator();
    const { webhook, secret } = await ok(op, OperatorEvent.webhookCreate, { url: hookUrl });
    expect(webhook.url).toBe(hookUrl);

    const { socket } = await newVisitor();
    const filed = await fileVerified(socket, 'erasure', 'alice@example.test');

    const deadline = Date.now() + 15_000;
    while (!received.some((r) => r.headers['x-cw-event'] === 'privacy_request.verified')) {
      if (Date.now() > deadline) throw new Error('no webhook delivery within 15 s');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const delivery = received.find((r) => r.headers['x-cw-event'] === 'privacy_request.verified')!;
    expect(delivery.headers['content-type']).toMatch(/application\/json/);

    // Recompute the signature independently: HMAC-SHA256 over "<t>.<body>" with the endpoint's secret.
    const header = String(delivery.headers['x-cw-signature']);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    const timestamp = match![1];
    const expected = crypto.createHmac('sha256', secret).update(`${timestamp}.${delivery.body}`).digest('hex');
    expect(match![2]).toBe(expected);
    expect(Number(timestamp)).toBe(s.clock.now());
    // A different body would not carry this signature.
    expect(crypto.createHmac('sha256', secret).update(`${timestamp}.${delivery.body} `).digest('hex')).not.toBe(match![2]);

    const payload = JSON.parse(delivery.body) as { event: string; data: { reference: string; state: string; requesterHash: string } };
    expect(payload).toMatchObject({ event: 'privacy_request.verified', data: { reference: filed.request.reference, state: 'verified' } });
    expect(payload.data.requesterHash).toBe(keyedEmailHash('alice@example.test').toString('hex'));

    // The delivery is recorded as delivered.
    const pollDeadline = Date.now() + 15_000;
    for (;;) {
      const { webhooks } = await ok(op, OperatorEvent.webhookList, {});
      const recorded = webhooks[0].deliveries.find((d) => d.event === 'privacy_request.verified');
      if (recorded?.status === 'delivered') {
        expect(recorded.attempts).toBe(1);
        break;
      }
      if (Date.now() > pollDeadline) throw new Error(`delivery not marked delivered: ${JSON.stringify(recorded)}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
});
