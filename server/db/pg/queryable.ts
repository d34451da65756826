import type pg from 'pg';

/**
 * What a PostgreSQL repository runs its statements on: the pool (each statement its own transaction, for
 * reads) or one checked-out client inside BEGIN … COMMIT (a write procedure binds the repositories it
 * uses to its transaction's client).
 */
export type Queryable = Pick<pg.PoolClient, 'query'>;
