import type { Db } from '../db/open';
import { commitBatch, type ArgsOf, type Procedures, type ResultOf, type Writer } from './group-commit';

/**
 * The write procedures run on the caller's own connection, each in its own transaction: for a separate
 * process such as the admin command, which is the one writer of its own connection (SQLite serialises it
 * with a running server's writer thread, as WAL lets two processes do).
 */
export class InlineWriter<P extends Procedures<P>> implements Writer<P> {
  constructor(
    private readonly db: Db,
    private readonly procedures: P,
  ) {}

  async run<K extends keyof P & string>(name: K, args: ArgsOf<P, K>): Promise<ResultOf<P, K>> {
    const [outcome] = commitBatch(this.db, this.procedures, [{ id: 0, name, args }]);
    if (!outcome.ok) throw outcome.error;
    return outcome.value as ResultOf<P, K>;
  }
}
