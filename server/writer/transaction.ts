import type { Db } from '../db/open';

/**
 * How write code opens, nests and ends transactions on its connection, whichever store it is: SQLite here
 * (sqliteTransactions), PostgreSQL later with its own BEGIN / SAVEPOINT statements on the write client.
 * The functions passed in may await (a PostgreSQL repository answers over the network); nothing else may
 * use the connection while one runs, which the one writer guarantees (WriteLoop, InlineWriter).
 */
export interface TransactionControl {
  /**
   * Runs `fn` in a transaction of its own, taking the write lock at its start (BEGIN IMMEDIATE), and commits
   * once it resolves; rolls back and rethrows when it throws.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a savepoint of the transaction in progress, released once it resolves and rolled back
   * (alone) when it throws; outside a transaction, in a transaction of its own, as `transaction`.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * The SQLite implementation, on a better-sqlite3 connection: better-sqlite3's own `db.transaction(fn)`
 * cannot hold an async function (it commits when fn returns its promise), so the statements are run here,
 * prepared once, as it runs them. An error that made SQLite roll back by itself (SQLITE_FULL, I/O) leaves
 * no transaction to roll back: checked, as better-sqlite3 does.
 */
export function sqliteTransactions(db: Db): TransactionControl {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  // One name serves every depth: RELEASE and ROLLBACK TO act on the innermost savepoint of that name.
  const savepoint = db.prepare('SAVEPOINT cw_write');
  const release = db.prepare('RELEASE cw_write');
  const rollbackTo = db.prepare('ROLLBACK TO cw_write');

  async function transaction<T>(fn: () => Promise<T>): Promise<T> {
    begin.run();
    try {
      const result = await fn();
      commit.run();
      return result;
    } catch (error) {
      if (db.inTransaction) rollback.run();
      throw error;
    }
  }

  return {
    transaction,
    async savepoint<T>(fn: () => Promise<T>): Promise<T> {
      if (!db.inTransaction) return transaction(fn);
      savepoint.run();
      try {
        const result = await fn();
        release.run();
        return result;
      } catch (error) {
        if (db.inTransaction) {
          rollbackTo.run();
          release.run();
        }
        throw error;
      }
    },
  };
}
