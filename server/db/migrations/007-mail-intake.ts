import type { Database } from 'better-sqlite3';

/** The type and source checks of privacy_requests as migration 2 wrote them, and what they become. */
const CHANGES: ReadonlyArray<[RegExp, string]> = [
  // A mail whose words do not say which right it asks for is filed without a type ("needs triage").
  [
    /type(\s+)TEXT NOT NULL CHECK \(type IN \('erasure', 'access', 'rectification', 'objection'\)\)/,
    "type$1TEXT CHECK (type IS NULL OR type IN ('erasure', 'access', 'rectification', 'objection'))",
  ],
  [/CHECK \(source IN \('chat', 'operator', 'api'\)\)/, "CHECK (source IN ('chat', 'operator', 'api', 'email'))"],
];

/**
 * Requests by e-mail (#17): privacy_requests takes requests without a type yet and the source `email`
 * (SQLite changes a CHECK only by rebuilding the table: its own procedure, as in migration 5, run by
 * migrate() with foreign keys off and checked before commit), and each request gets its mail thread.
 */
export default function mailIntake(db: Database): void {
  const { sql } = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'privacy_requests'`).get() as { sql: string };
  let rebuilt = sql.replace(/^CREATE TABLE "?privacy_requests"?/, 'CREATE TABLE privacy_requests_rebuilt');
  for (const [from, to] of CHANGES) {
    if (!from.test(rebuilt)) throw new Error('migration 7: unexpected definition of privacy_requests');
    rebuilt = rebuilt.replace(from, to);
  }
  const dependents = db
    .prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = 'privacy_requests' AND type IN ('index', 'trigger') AND sql IS NOT NULL`)
    .pluck()
    .all() as string[];
  db.exec(rebuilt);
  db.exec('INSERT INTO privacy_requests_rebuilt SELECT * FROM privacy_requests');
  db.exec('DROP TABLE privacy_requests');
  db.exec('ALTER TABLE privacy_requests_rebuilt RENAME TO privacy_requests');
  for (const statement of dependents) db.exec(statement);

  db.exec(/* sql */ `
    -- The mails of a request: the requester's (the first one filed it) and operators' answers. Text only,
    -- bounded; deleted when the request closes, like its other contact data. message_id is the mail's own
    -- Message-ID header, so that our answer can say what it answers (In-Reply-To).
    CREATE TABLE privacy_request_messages (
      id          INTEGER PRIMARY KEY AUTOINCREMENT,
      request_id  INTEGER NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE,
      direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
      kind        TEXT NOT NULL CHECK (kind IN ('request', 'reply', 'answer', 'clarification')),
      operator_id INTEGER REFERENCES operators(id) ON DELETE SET NULL,
      subject     TEXT NOT NULL,
      body        TEXT NOT NULL,
      message_id  TEXT,
      created_at  INTEGER NOT NULL
    );
    CREATE INDEX privacy_request_messages_request ON privacy_request_messages(request_id, id);
  `);
}
