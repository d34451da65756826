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
 * The statements one store runs for `TransactionControl`, and whether a transaction is open on its
 * connection now (SQLite may have rolled one back by itself after an error). Each may answer at once or
 * later.
 */
export interface TransactionStatements {
  begin(): unknown;
  commit(): unknown;
  rollback(): unknown;
  savepoint(): unknown;
  release(): unknown;
  rollbackTo(): unknown;
  inTransaction(): boolean;
}

/**
 * TransactionControl over one store's statements: the one place for how a transaction and a savepoint
 * begin, end and are undone. One savepoint name serves every depth: RELEASE and ROLLBACK TO act on the
 * innermost savepoint of that name.
 */
export function transactionsOn(statements: TransactionStatements): TransactionControl {
  async function transaction<T>(fn: () => Promise<T>): Promise<T> {
    await statements.begin();
    try {
      const result = await fn();
      await statements.commit();
      return result;
    } catch (error) {
      if (statements.inTransaction()) await statements.rollback();
      throw error;
    }
  }

  return {
    transaction,
    async savepoint<T>(fn: () => Promise<T>): Promise<T> {
      if (!statements.inTransaction()) return transaction(fn);
      await statements.savepoint();
      try {
        const result = await fn();
        await statements.release();
        return result;
      } catch (error) {
        if (statements.inTransaction()) {
          await statements.rollbackTo();
          await statements.release();
        }
        throw error;
      }
    },
  };
}

/**
 * The SQLite implementation, on a better-sqlite3 connection: better-sqlite3's own `db.transaction(fn)`
 * cannot hold an async function (it commits when fn returns its promise), so the statements are run here,
 * prepared once, as it runs them. An error that made SQLite roll back by itself (SQLITE_FULL, I/O) leaves
 * no transaction to roll back: checked, as better-sqlite3 does.
 */
export function sqliteTransactions(db: Db): TransactionControl {
  const statement = (sql: string) => {
    const prepared = db.prepare(sql);
    return () => prepared.run();
  };
  return transactionsOn({
    begin: statement('BEGIN IMMEDIATE'),
    commit: statement('COMMIT'),
    rollback: statement('ROLLBACK'),
    savepoint: statement('SAVEPOINT cw_write'),
    release: statement('RELEASE cw_write'),
    rollbackTo: statement('ROLLBACK TO cw_write'),
    inTransaction: () => db.inTransaction,
  });
}
