/**
 * Search is indexed in batches instead of by a trigger inside every message's transaction. FTS5 writes a
 * new segment for every transaction that adds rows, so a message indexed on its own cost more than storing
 * it (about half the writer thread's work per message); a thousand indexed together cost next to nothing.
 * `indexed_upto` is the last message id in the index: message ids only grow (migration 5), so everything
 * after it is what the next batch indexes (InboxService, before every search and soon after every
 * message). A message deleted before it was indexed must not be "deleted" from the index (FTS5 would
 * corrupt its external-content index), hence the conditions on the triggers.
 */
export default /* sql */ `
CREATE TABLE search_index_state (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_upto INTEGER NOT NULL
);
INSERT INTO search_index_state (id, indexed_upto) VALUES (1, (SELECT coalesce(max(id), 0) FROM messages));

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
  WHEN old.id <= (SELECT indexed_upto FROM search_index_state) BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages
  WHEN old.id <= (SELECT indexed_upto FROM search_index_state) BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
`;
