/**
 * The operator console: presence preference, per-operator read marks, internal notes (a table of their
 * own, so no visitor query can ever return one), canned replies, inbox settings, the visitor's context
 * and full-text search over messages (FTS5, external content, kept in sync by triggers).
 */
export default /* sql */ `
ALTER TABLE operators ADD COLUMN away INTEGER NOT NULL DEFAULT 0;

ALTER TABLE conversations ADD COLUMN referrer TEXT;
ALTER TABLE conversations ADD COLUMN timezone TEXT;
ALTER TABLE conversations ADD COLUMN device TEXT;
CREATE INDEX conversations_assigned ON conversations(assigned_operator_id, status);

-- How far each operator has read each conversation; unread = visitor messages after this sequence.
CREATE TABLE conversation_reads (
  operator_id     INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  last_read_seq   INTEGER NOT NULL,
  PRIMARY KEY (operator_id, conversation_id)
) WITHOUT ROWID;
CREATE INDEX conversation_reads_conversation ON conversation_reads(conversation_id);

-- Internal notes: placed after the message with sequence after_seq; never sent to a visitor.
CREATE TABLE conversation_notes (
  id              INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  operator_id     INTEGER REFERENCES operators(id) ON DELETE SET NULL,
  client_id       TEXT NOT NULL,
  after_seq       INTEGER NOT NULL,
  body            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  UNIQUE (conversation_id, client_id)
);

CREATE TABLE canned_replies (
  id         INTEGER PRIMARY KEY,
  shortcut   TEXT NOT NULL UNIQUE COLLATE NOCASE,
  body       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE VIRTUAL TABLE messages_fts USING fts5(
  body, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
`;
