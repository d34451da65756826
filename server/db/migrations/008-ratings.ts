/**
 * Visitors' ratings of their conversation (one per conversation, asked for when an operator resolves it).
 * A rating is the visitor's personal data: it goes with its conversation (erasure, retention) by cascade,
 * and the operator it rated stays named only while the operator exists.
 */
export default /* sql */ `
CREATE TABLE conversation_ratings (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id) ON DELETE CASCADE,
  operator_id     INTEGER REFERENCES operators(id) ON DELETE SET NULL,
  scale           TEXT NOT NULL CHECK (scale IN ('thumbs', 'stars')),
  score           INTEGER NOT NULL CHECK ((scale = 'thumbs' AND score IN (0, 1)) OR (scale = 'stars' AND score BETWEEN 1 AND 5)),
  comment         TEXT,
  created_at      INTEGER NOT NULL
);
CREATE INDEX conversation_ratings_time ON conversation_ratings(created_at);
`;
