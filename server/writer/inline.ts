import type { Db } from '../db/open';
import { commitBatch, type ArgsOf, type Procedures, type ResultOf, type Writer } from './group-commit';
import { sqliteTransactions, type TransactionControl } from './transaction';

/**
 * The write procedures run on the caller's own connection, each in its own transaction: for a separate
 * process such as the admin command, which is the one writer of its own connection (SQLite serialises it
 * with a running server's writer thread, as WAL lets two processes do). Writes asked at once run one after
 * the other: a transaction holds the connection until it ends, also while its procedure awaits.
 */
export class InlineWriter<P extends Procedures<P>> implements Writer<P> {
  private readonly transactions: TransactionControl;
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    db: Db,
    private readonly procedures: P,
  ) {
    this.transactions = sqliteTransactions(db);
  }

  run<K extends keyof P & string>(name: K, args: ArgsOf<P, K>): Promise<ResultOf<P, K>> {
    const done = this.last.then(async () => {
      const [outcome] = await commitBatch(this.transactions, this.procedures, [{ id: 0, name, args }]);
      if (!outcome.ok) throw outcome.error;
      return outcome.value as ResultOf<P, K>;
    });
    // The next write waits for this one to end, however it ends.
    this.last = done.catch(() => {});
    return done;
  }
}
