/**
 * A visitor's wish to have their conversation e-mailed when it is resolved. No address is kept here: the
 * mail goes to the contact address stored on the visitor (which erasure, export and retention already
 * reach), and the wish goes with its conversation by cascade. A transcript once sent is recorded in the
 * conversation itself, as a system line both sides read.
 */
export default /* sql */ `
CREATE TABLE transcript_wishes (
  conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  lang            TEXT NOT NULL CHECK (lang IN ('en', 'ru')),
  created_at      INTEGER NOT NULL
);
`;
