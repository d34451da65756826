/**
 * Memory under malformed input: `node --expose-gc --import tsx test/bench/fuzz-memory.ts`.
 * Runs the real app in this process (temp database, dev outbox), throws rounds of 10,000 malformed
 * payloads at every event of both namespaces (the generator of test/integration/fuzz.test.ts), and
 * measures the heap after a full GC once a warm-up round is done and after each round. Memory is flat
 * when the heap after the last round is within the budget of the heap after the warm-up; exits non-zero
 * otherwise. (Kept out of the test suite: memory figures belong in benchmarks, not in timed tests.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { startApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openDatabase } from '../../server/db/open';
import { operatorEventSchemas, visitorEventSchemas } from '../../shared/event-schemas';
import { OPERATOR_NAMESPACE, OperatorEvent, VISITOR_NAMESPACE, VisitorEvent } from '../../shared/protocol';
import { fieldsOf, poisoned, prng } from '../helpers/fuzz-payloads';

const ROUNDS = Number(process.env.ROUNDS ?? 4);
const PER_ROUND = 10_000;
const BUDGET_MB = Number(process.env.BUDGET_MB ?? 8);
const ADMIN = { email: 'admin@example.test', password: 'correct horse battery staple' };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('Run with node --expose-gc --import tsx test/bench/fuzz-memory.ts');
  process.exit(2);
}
const heapMb = () => {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-fuzz-mem-'));
const config = loadConfig({ PORT: '0', DATABASE_PATH: path.join(dir, 'chat.db'), LOG_LEVEL: 'silent' });
const db = openDatabase(config.databasePath);
const app = await startApp({ config, db, port: 0, host: '127.0.0.1' });
await app.services.auth.ensureFirstAdmin(ADMIN.email, ADMIN.password);
const url = app.config.publicUrl;

const login = await fetch(`${url}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(ADMIN),
});
const cookie = login.headers.get('set-cookie')!.split(';')[0];
const open = (namespace: string, headers: Record<string, string> = {}) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(`${url}${namespace}`, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: headers });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
const visitor = await open(VISITOR_NAMESPACE);
await new Promise((resolve) => visitor.emit(VisitorEvent.hello, {}, resolve));
const admin = await open(OPERATOR_NAMESPACE, { cookie });
const targets = [
  ...Object.values(VisitorEvent).map((event) => ({
    socket: visitor,
    event,
    fields: fieldsOf(visitorEventSchemas[event as keyof typeof visitorEventSchemas]),
  })),
  ...Object.values(OperatorEvent).map((event) => ({
    socket: admin,
    event,
    fields: fieldsOf(operatorEventSchemas[event as keyof typeof operatorEventSchemas]),
  })),
];

const r = prng(7);
async function round(): Promise<number> {
  let answeredOk = 0;
  let sent = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (sent < PER_ROUND) {
        sent++;
        const target = r.pick(targets);
        let payload = poisoned(r, target.fields);
        while (Buffer.byteLength(JSON.stringify(payload)) > 48_000) payload = poisoned(r, target.fields);
        const ack = await new Promise<{ ok: boolean }>((resolve) => target.socket.emit(target.event, payload, resolve));
        if (ack.ok) answeredOk++;
      }
    }),
  );
  return answeredOk;
}

const started = Date.now();
if ((await round()) > 0) throw new Error('a malformed payload was accepted');
const baseline = heapMb();
const heaps: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  if ((await round()) > 0) throw new Error('a malformed payload was accepted');
  heaps.push(heapMb());
}
const growth = heaps[heaps.length - 1] - baseline;
const rss = process.memoryUsage().rss / 2 ** 20;
console.log(
  JSON.stringify(
    {
      payloads: PER_ROUND * (ROUNDS + 1),
      seconds: (Date.now() - started) / 1000,
      heapAfterWarmupMb: +baseline.toFixed(1),
      heapAfterRoundsMb: heaps.map((h) => +h.toFixed(1)),
      growthMb: +growth.toFixed(2),
      budgetMb: BUDGET_MB,
      rssMb: +rss.toFixed(0),
    },
    null,
    1,
  ),
);
visitor.close();
admin.close();
await app.close();
db.close();
fs.rmSync(dir, { recursive: true, force: true });
if (growth > BUDGET_MB) {
  console.error(`heap grew ${growth.toFixed(2)} MB over ${ROUNDS} rounds, over the ${BUDGET_MB} MB budget`);
  process.exit(1);
}
