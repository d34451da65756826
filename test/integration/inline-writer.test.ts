import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { openDatabase } from '../../server/db/open';
import { VisitorRepository } from '../../server/db/repositories/visitor-repository';
import { InlineWriter } from '../../server/writer/inline';
import { AppError } from '../../shared/errors';
import { cleanupStack } from '../helpers/cleanup';

const cleanup = cleanupStack('cw-inline-');
afterEach(cleanup.runAll);

test('writes asked at once of the inline writer (the admin command) run one after the other, each in its own transaction, even when they await', async () => {
  const db = openDatabase(path.join(cleanup.tempDir(), 'chat.db'));
  cleanup.push(() => db.close());
  const repo = new VisitorRepository(db);
  const order: string[] = [];
  const procedures = {
    slowStore: async (args: { n: number }) => {
      order.push(`start ${args.n}`);
      repo.create(Buffer.alloc(32, args.n), `inline-${args.n}`, null, 0);
      await new Promise((resolve) => setTimeout(resolve, 10));
      order.push(`end ${args.n}`);
      if (args.n === 2) throw new AppError('conflict', 'Refused after writing.');
      return args.n;
    },
  };
  const writer = new InlineWriter(db, procedures);
  const results = await Promise.allSettled([1, 2, 3].map((n) => writer.run('slowStore', { n })));
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as AppError).code))).toEqual([1, 'conflict', 3]);
  expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  // The refused write's savepoint was rolled back; the others committed.
  expect(db.prepare("SELECT label FROM visitors WHERE label LIKE 'inline-%' ORDER BY label").pluck().all()).toEqual([
    'inline-1',
    'inline-3',
  ]);
  expect(db.inTransaction).toBe(false);
});
