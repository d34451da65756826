/**
 * Operator replies waiting to be mailed to a visitor who left an address and is not in the chat: one row
 * per visitor, from the first reply not yet seen or mailed, and when it goes. Kept in the database so a
 * restart (a deploy, a crash) within the wait does not lose the mail. No address is kept here: the mail
 * goes to the one stored on the visitor, and the row goes with the visitor by cascade (erasure, retention).
 */
export default /* sql */ `
CREATE TABLE offline_replies (
  visitor_id INTEGER PRIMARY KEY REFERENCES visitors(id) ON DELETE CASCADE,
  from_seq   INTEGER NOT NULL,
  due_at     INTEGER NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`;
