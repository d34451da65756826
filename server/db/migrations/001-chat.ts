/** Visitors, operators, sessions, conversations and messages. */
export default /* sql */ `
CREATE TABLE operators (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'operator')),
  password_hash TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);

CREATE TABLE operator_sessions (
  id_hash     BLOB PRIMARY KEY,
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- A visitor is known only by the hash of the random token their browser holds.
CREATE TABLE visitors (
  id                INTEGER PRIMARY KEY,
  token_hash        BLOB NOT NULL UNIQUE,
  label             TEXT NOT NULL,
  lang              TEXT,
  email             TEXT COLLATE NOCASE,
  name              TEXT,
  email_verified    INTEGER NOT NULL DEFAULT 0,
  marketing_consent INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  last_seen_at      INTEGER NOT NULL
);
CREATE INDEX visitors_email ON visitors(email) WHERE email IS NOT NULL;

-- One conversation per visitor; resolving and reopening toggle its status.
CREATE TABLE conversations (
  id                     INTEGER PRIMARY KEY,
  public_id              TEXT NOT NULL UNIQUE,
  visitor_id             INTEGER NOT NULL UNIQUE REFERENCES visitors(id) ON DELETE CASCADE,
  status                 TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  assigned_operator_id   INTEGER REFERENCES operators(id) ON DELETE SET NULL,
  last_seq               INTEGER NOT NULL DEFAULT 0,
  last_message_preview   TEXT,
  last_message_at        INTEGER,
  waiting_since          INTEGER,
  page_url               TEXT,
  page_title             TEXT,
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL
);
CREATE INDEX conversations_status ON conversations(status, waiting_since);

CREATE TABLE messages (
  id              INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  seq             INTEGER NOT NULL,
  client_id       TEXT NOT NULL,
  author          TEXT NOT NULL CHECK (author IN ('visitor', 'operator', 'system')),
  operator_id     INTEGER REFERENCES operators(id) ON DELETE SET NULL,
  body            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  UNIQUE (conversation_id, seq),
  UNIQUE (conversation_id, client_id)
);
`;
