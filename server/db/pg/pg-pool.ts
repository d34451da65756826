import pg from 'pg';

/** PostgreSQL's type OID for int8 (`bigint`, and what count(*) returns). */
const INT8_OID = 20;

/**
 * int8 as a JavaScript number, as better-sqlite3 returns SQLite's integers, so both stores' repositories
 * return the same objects (pg's default is a string, to lose no precision). Every id and millisecond
 * timestamp fits in 2^53; a value that does not is an error rather than a silently rounded number.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} does not fit in a JavaScript number`);
  return value;
}

// The pool's own parsers, falling back to pg's defaults for every other type.
const types = new pg.TypeOverrides();
types.setTypeParser(INT8_OID, parseInt8);

/**
 * A connection pool for `connectionString` (a `DATABASE_URL`) whose bigints come back as numbers. The
 * parser is the pool's own, not pg's global one, so nothing else in the process is affected.
 */
export function openPgPool(connectionString: string, options: Omit<pg.PoolConfig, 'connectionString' | 'types'> = {}): pg.Pool {
  return new pg.Pool({ ...options, connectionString, types });
}
