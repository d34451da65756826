/**
 * Files attached to messages. The bytes live in the attachment store (a directory beside the database);
 * a row names its file by a random key. An upload is stored once per (conversation, client id), before
 * the message that carries it exists; sending the message links it (`message_id`, one file a message).
 * A row goes with its conversation or message (erasure, retention) by cascade, and every deleted row's
 * key lands in `attachment_trash` in the same transaction, whichever statement deleted it: the files
 * are removed from the store after the commit, and a crash in between leaves the key to be removed later.
 */
export default /* sql */ `
CREATE TABLE attachments (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  public_id       TEXT NOT NULL UNIQUE,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  message_id      INTEGER UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
  client_id       TEXT NOT NULL,
  uploader        TEXT NOT NULL CHECK (uploader IN ('visitor', 'operator')),
  operator_id     INTEGER REFERENCES operators(id) ON DELETE SET NULL,
  storage_key     TEXT NOT NULL UNIQUE,
  name            TEXT NOT NULL,
  mime            TEXT NOT NULL,
  size            INTEGER NOT NULL,
  sha256          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  UNIQUE (conversation_id, client_id)
);
CREATE INDEX attachments_unsent ON attachments(created_at) WHERE message_id IS NULL;

CREATE TABLE attachment_trash (
  storage_key TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TRIGGER attachments_to_trash AFTER DELETE ON attachments
BEGIN
  INSERT OR IGNORE INTO attachment_trash (storage_key) VALUES (old.storage_key);
END;
`;
