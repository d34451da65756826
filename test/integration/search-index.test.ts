import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { openDatabase, type Db } from '../../server/db/open';
import { createRepositories } from '../../server/db/repositories/index';
import { createWriteProcedures } from '../../server/writer/procedures';
import { sqliteTransactions } from '../../server/writer/transaction';
import { cleanupStack } from '../helpers/cleanup';

const cleanup = cleanupStack('cw-search-');
afterEach(cleanup.runAll);

/** A migrated database in a temp dir with the app's write procedures run on it directly. */
function setup() {
  const db = openDatabase(path.join(cleanup.tempDir(), 'chat.db'));
  cleanup.push(() => db.close());
  const writes = createWriteProcedures(db, {
    limits: undefined,
    privacy: { hmacKey: Buffer.alloc(32, 7), jurisdiction: 'gdpr', mailDomain: 'example.test' },
    offlineReplyDelayMs: 60_000,
  });
  const repos = createRepositories(db);
  let n = 0;
  const visitor = () =>
    writes.visitorCreate({ tokenHash: (++n).toString(16).padStart(64, '0'), label: `Visitor ${n}`, lang: 'en', now: Date.now() });
  const transactions = sqliteTransactions(db);
  const say = (visitorId: number, text: string) =>
    transactions.transaction(() => writes.visitorMessage({ visitorId, clientId: `m-${++n}`, text, page: null, now: Date.now() }));
  const index = (limit: number) => transactions.transaction(() => writes.searchIndex({ limit }));
  const find = (word: string) => repos.inbox.search(`"${word}"*`, 20).map((hit) => hit.snippet.replace(/[\uE000\uE001]/g, ''));
  const integrity = () => db.prepare(`INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')`).run();
  return { db, writes, repos, visitor, say, index, find, integrity };
}

const indexedUpto = (db: Db) => db.prepare('SELECT indexed_upto FROM search_index_state').pluck().get() as number;

test('messages are searchable once a batch has indexed them, all of them, oldest first, in batches of the size asked', async () => {
  const s = setup();
  const v = await s.visitor();
  for (let i = 0; i < 7; i++) await s.say(v.id, `parcel number ${i}`);
  // Stored but not yet indexed: the batch is what puts them in.
  expect(s.find('parcel')).toEqual([]);
  expect(await s.index(5)).toBe(5);
  expect(s.find('parcel')).toHaveLength(5);
  expect(await s.index(5)).toBe(2);
  expect(s.find('parcel')).toHaveLength(7);
  expect(await s.index(5)).toBe(0);
  s.integrity();
});

test('messages deleted before their batch was indexed leave the index sound, and the rest is still found', async () => {
  const s = setup();
  const gone = await s.visitor();
  const kept = await s.visitor();
  await s.say(gone.id, 'indexed refund question');
  await s.index(100);
  await s.say(gone.id, 'unindexed refund detail');
  await s.say(kept.id, 'another refund please');
  const upto = indexedUpto(s.db);
  // An erasure (by cascade from the visitor) takes one indexed and one not yet indexed message.
  s.db.transaction(() => s.db.prepare('DELETE FROM visitors WHERE id = ?').run(gone.id))();
  expect(indexedUpto(s.db)).toBe(upto);
  s.integrity();
  expect(s.find('refund')).toEqual([]);
  expect(await s.index(100)).toBe(1);
  expect(s.find('refund')).toEqual(['another refund please']);
  s.integrity();
});
