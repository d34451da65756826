import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../server/db/open';
import { migratePg } from '../../server/db/pg/migrate-pg';
import { openPgPool } from '../../server/db/pg/pg-pool';
import { PgVisitorRepository } from '../../server/db/pg/repositories/visitor-repository';
import { VisitorRepository } from '../../server/db/repositories/visitor-repository';
import { isUniqueViolation } from '../../server/db/store';
import { cleanupStack } from '../helpers/cleanup';
import { startPostgres, type TestPostgres } from '../helpers/postgres';

/**
 * One repository contract, run against both stores: SQLite (the default) and PostgreSQL (the cluster
 * profile). Every expectation is about behaviour a service relies on; a store that differs fails here.
 * A SQLite method answers at once and a PostgreSQL one with a promise: `await` takes either.
 */
type Either<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Awaited<R> | Promise<Awaited<R>> : never;
};

interface Stores {
  visitors: Either<VisitorRepository>;
  /** A statement for rows no repository under test writes (`?` placeholders), for fixtures only. */
  exec(sql: string, ...params: unknown[]): Promise<void>;
}

interface Store {
  name: string;
  open(): Promise<Stores>;
}

const cleanup = cleanupStack('cw-contract-');
let postgres: TestPostgres;

const sqlite: Store = {
  name: 'sqlite',
  async open() {
    const db: Db = openDatabase(`${cleanup.tempDir()}/chat.db`);
    cleanup.push(() => db.close());
    return {
      visitors: new VisitorRepository(db),
      async exec(sql, ...params) {
        db.prepare(sql).run(...params);
      },
    };
  },
};

const postgresStore: Store = {
  name: 'postgres',
  async open() {
    const pool = openPgPool(await postgres.createDatabase(), { max: 4 });
    pool.on('error', () => {});
    cleanup.push(() => pool.end());
    await migratePg(pool);
    return {
      visitors: new PgVisitorRepository(pool),
      async exec(sql, ...params) {
        let n = 0;
        await pool.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        );
      },
    };
  },
};

beforeAll(async () => {
  postgres = await startPostgres();
});

afterEach(cleanup.runAll);

afterAll(async () => {
  await postgres?.stop();
});

/** The error `promise` rejects (or a SQLite call throws) with. */
async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

const hash = (n: number) => Buffer.alloc(32, n);
const T0 = 1_780_000_000_000;

describe.each([sqlite, postgresStore])('repositories on $name', (store) => {
  let s: Stores;
  beforeEach(async () => {
    s = await store.open();
  });

  describe('visitors', () => {
    it('a new visitor is returned as stored, unverified and without consent, and found by token hash and id', async () => {
      const created = await s.visitors.create(hash(1), 'Visitor 4F2A', 'ru', T0);
      const expected = {
        id: created.id,
        label: 'Visitor 4F2A',
        lang: 'ru',
        email: null,
        name: null,
        emailVerified: false,
        marketingConsent: false,
        createdAt: T0,
        lastSeenAt: T0,
      };
      expect(created).toEqual(expected);
      expect(typeof created.id).toBe('number');
      expect(await s.visitors.findByTokenHash(hash(1))).toEqual(expected);
      expect(await s.visitors.findById(created.id)).toEqual(expected);
      expect(await s.visitors.create(hash(2), 'Visitor 0001', null, T0 + 1)).toMatchObject({ id: created.id + 1, lang: null });
    });

    it('an unknown token hash or id finds nobody (null)', async () => {
      await s.visitors.create(hash(1), 'Visitor A', 'en', T0);
      expect(await s.visitors.findByTokenHash(hash(9))).toBeNull();
      expect(await s.visitors.findById(999)).toBeNull();
    });

    it('a second visitor with the same token hash is a unique violation', async () => {
      await s.visitors.create(hash(1), 'Visitor A', 'en', T0);
      const err = await failure(() => s.visitors.create(hash(1), 'Visitor B', 'en', T0));
      expect(isUniqueViolation(err)).toBe(true);
      expect(isUniqueViolation(new Error('other'))).toBe(false);
    });

    it('touch moves last seen and changes the language only when one is given', async () => {
      const { id } = await s.visitors.create(hash(1), 'Visitor A', 'en', T0);
      await s.visitors.touch(id, null, T0 + 10);
      expect(await s.visitors.findById(id)).toMatchObject({ lang: 'en', lastSeenAt: T0 + 10, createdAt: T0 });
      await s.visitors.touch(id, 'ru', T0 + 20);
      expect(await s.visitors.findById(id)).toMatchObject({ lang: 'ru', lastSeenAt: T0 + 20 });
    });

    it('setIdentity stores the e-mail and whether it is verified, keeping a name already known when none is given', async () => {
      const { id } = await s.visitors.create(hash(1), 'Visitor A', 'en', T0);
      await s.visitors.setIdentity(id, 'ann@example.com', 'Ann', true);
      expect(await s.visitors.findById(id)).toMatchObject({ email: 'ann@example.com', name: 'Ann', emailVerified: true });
      await s.visitors.setIdentity(id, 'ann@example.org', null, false);
      expect(await s.visitors.findById(id)).toMatchObject({ email: 'ann@example.org', name: 'Ann', emailVerified: false });
    });

    it('visitors are found by e-mail regardless of case, in id order; emails() lists only visitors with one', async () => {
      const a = await s.visitors.create(hash(1), 'Visitor A', 'en', T0);
      const b = await s.visitors.create(hash(2), 'Visitor B', 'en', T0);
      const c = await s.visitors.create(hash(3), 'Visitor C', 'en', T0);
      await s.visitors.create(hash(4), 'Visitor D', 'en', T0);
      await s.visitors.setIdentity(c.id, 'Bob@Example.com', null, false);
      await s.visitors.setIdentity(a.id, 'bob@example.com', null, false);
      await s.visitors.setIdentity(b.id, 'eve@example.com', null, false);
      expect(await s.visitors.idsByEmail('BOB@example.COM')).toEqual([a.id, c.id]);
      expect(await s.visitors.idsByEmail('nobody@example.com')).toEqual([]);
      // Order is no part of emails(): its caller matches each against a set of hashes.
      const emails = [...(await s.visitors.emails())].sort((x, y) => x.id - y.id);
      expect(emails).toEqual([
        { id: a.id, email: 'bob@example.com' },
        { id: b.id, email: 'eve@example.com' },
        { id: c.id, email: 'Bob@Example.com' },
      ]);
    });

    it('withdrawing marketing consent by e-mail reaches every visitor with that address in any case, and counts them', async () => {
      const a = await s.visitors.create(hash(1), 'Visitor A', 'en', T0);
      const b = await s.visitors.create(hash(2), 'Visitor B', 'en', T0);
      const c = await s.visitors.create(hash(3), 'Visitor C', 'en', T0);
      await s.visitors.setIdentity(a.id, 'ann@example.com', null, true);
      await s.visitors.setIdentity(b.id, 'ANN@example.com', null, true);
      await s.visitors.setIdentity(c.id, 'eve@example.com', null, true);
      await s.exec('UPDATE visitors SET marketing_consent = 1');
      expect(await s.visitors.withdrawMarketingConsent('Ann@Example.com')).toBe(2);
      expect((await s.visitors.findById(a.id))?.marketingConsent).toBe(false);
      expect((await s.visitors.findById(b.id))?.marketingConsent).toBe(false);
      expect((await s.visitors.findById(c.id))?.marketingConsent).toBe(true);
      expect(await s.visitors.withdrawMarketingConsent('nobody@example.com')).toBe(0);
    });

    it('delete removes the one visitor and says how many rows went; an unknown id deletes nothing', async () => {
      const a = await s.visitors.create(hash(1), 'Visitor A', 'en', T0);
      const b = await s.visitors.create(hash(2), 'Visitor B', 'en', T0);
      expect(await s.visitors.delete(a.id)).toBe(1);
      expect(await s.visitors.delete(a.id)).toBe(0);
      expect(await s.visitors.findById(a.id)).toBeNull();
      expect(await s.visitors.findById(b.id)).toMatchObject({ label: 'Visitor B' });
      // A deleted visitor's id is never handed out again (SQLite migration 5; identities in PostgreSQL).
      expect((await s.visitors.create(hash(3), 'Visitor C', 'en', T0)).id).toBe(b.id + 1);
    });
  });
});
