/**
 * The message write alone: `npx tsx test/bench/writer-only.ts [batch=50] [writes=20000] [conversations=10000]`.
 * Runs the real write procedure (`visitorMessage`) through group commit (`commitBatch`, as the writer thread
 * calls it) on a real file in a temp directory (WAL, synchronous=FULL, as the server), `batch` writes per
 * transaction, to conversations picked at random among `conversations` that each already hold a message
 * (the bench's steady phase).
 * Prints the CPU and wall time per write and the WAL pages each write adds (measured with automatic
 * checkpoints off; then the same with them on, as the server runs). No threads, no sockets: what the
 * writer thread's share of a message costs, without the hand-off. Not part of `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createChatWrites } from '../../server/chat/chat-writes';
import { openDatabase } from '../../server/db/open';
import { createRepositories } from '../../server/db/repositories/index';
import { commitBatch, type WriteJob } from '../../server/writer/group-commit';
import { UNGUARDED_WRITES } from '../../server/writer/procedures';
import { sqliteTransactions } from '../../server/writer/transaction';

const [batch, writes, conversations] = [50, 20_000, 10_000].map((fallback, i) => Number(process.argv[2 + i] ?? fallback));
const PAGE_BYTES = 4096;
const T0 = 1_780_000_000_000;

async function run(checkpoints: boolean): Promise<{ cpuUs: number; wallUs: number; walPages: number | null }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-writer-only-'));
  const file = path.join(dir, 'chat.db');
  const db = openDatabase(file);
  try {
    const unlimited = { limit: Number.MAX_SAFE_INTEGER, windowMs: 1_000 };
    const procedures = createChatWrites(createRepositories(db), { burst: unlimited, sustained: unlimited });
    let now = T0;
    const visitorIds: number[] = [];
    const transactions = sqliteTransactions(db);
    await transactions.transaction(async () => {
      for (let i = 0; i < conversations; i++) {
        const visitor = await procedures.visitorCreate({
          tokenHash: i.toString(16).padStart(64, '0'),
          label: `Visitor ${i}`,
          lang: 'en',
          now,
        });
        visitorIds.push(visitor.id);
        await procedures.visitorMessage({
          visitorId: visitor.id,
          clientId: `first-${i}`,
          text: 'Hello',
          page: { url: 'https://shop.example/', title: 'Shop' },
          now,
        });
      }
    });
    db.pragma('wal_checkpoint(TRUNCATE)');
    if (!checkpoints) db.pragma('wal_autocheckpoint = 0');
    let failed = 0;
    let jobs: WriteJob[] = [];
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < writes; i++) {
      const visitorId = visitorIds[Math.floor(Math.random() * visitorIds.length)];
      jobs.push({
        id: i,
        name: 'visitorMessage',
        args: { visitorId, clientId: `m-${i}`, text: `A question about order ${i}`, page: null, now: ++now },
      });
      if (jobs.length === batch || i === writes - 1) {
        failed += (await commitBatch(transactions, procedures, jobs, UNGUARDED_WRITES)).filter((o) => !o.ok).length;
        jobs = [];
      }
    }
    const wallUs = ((performance.now() - started) * 1000) / writes;
    const used = process.cpuUsage(cpu);
    if (failed > 0) throw new Error(`${failed} of ${writes} writes failed`);
    return {
      cpuUs: (used.user + used.system) / writes,
      wallUs,
      walPages: checkpoints ? null : fs.statSync(`${file}-wal`).size / PAGE_BYTES / writes,
    };
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`writer only: ${writes} visitor messages in batches of ${batch}, ${conversations} conversations`);
const off = await run(false);
console.log(
  `  checkpoints off: ${off.cpuUs.toFixed(1)} µs CPU, ${off.wallUs.toFixed(1)} µs wall per write; ${off.walPages?.toFixed(2)} WAL pages per write`,
);
const on = await run(true);
console.log(`  checkpoints on:  ${on.cpuUs.toFixed(1)} µs CPU, ${on.wallUs.toFixed(1)} µs wall per write`);
