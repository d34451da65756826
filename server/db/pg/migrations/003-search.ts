/**
 * Full-text search over messages, in place of SQLite's FTS5 table and its batch indexer (SQLite
 * migrations 3 and 14). The tsvector is a generated column and the GIN index is kept by PostgreSQL
 * itself, in the message's own transaction (GIN's pending list batches the index work), so nothing here
 * needs SQLite's search_index_state.
 *
 * Words are what FTS5's `unicode61 remove_diacritics 2` makes of a text, so both stores find the same
 * messages: runs of letters and digits (every other character separates, so "bob@example.com" is three
 * words and "e-mail" two), lower-cased, diacritics removed ("cafe" finds "café", "еще" finds "ещё"), no
 * stemming. One index thus serves Russian and English alike, and a prefix is a prefix of the word as
 * written ("достав" finds "доставка", "deliv" finds "delivery"). `chat_search` is 'simple' with the
 * unaccent dictionary in front (a trusted extension: the database owner may create it). Lower-casing
 * and telling letters apart need a UTF-8 LC_CTYPE; migratePg refuses a database without one.
 *
 * The query form, for the repository:
 *   SELECT * FROM search_messages($typed, $conversationRowId or NULL, $limit)
 * joined to conversations and visitors for what a hit shows.
 */
export default String.raw /* sql */`
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION chat_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION chat_search
  ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart WITH unaccent, simple;

ALTER TABLE messages ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('chat_search'::regconfig, regexp_replace(body, '[^[:alnum:]]+', ' ', 'g'))) STORED;
CREATE INDEX messages_search ON messages USING gin (search_vector);

-- What an operator typed, as InboxService.ftsQuery reads it for FTS5: up to 12 words separated by
-- spaces, double quotes dropped, every word required, the last one a prefix. A word's letters-and-digits
-- runs are a phrase, as FTS5 tokenizes a quoted string; only runs reach to_tsquery, so nothing typed is
-- read as an operator. NULL when no word is left.
CREATE FUNCTION message_search_query(typed text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH words AS (
    SELECT word, row_number() OVER (ORDER BY n) AS k
      FROM regexp_split_to_table(replace(typed, '"', ''), '\s+') WITH ORDINALITY AS w(word, n)
     WHERE word <> ''
  ), parts AS (
    SELECT k, p, part, max(k) OVER () = k AND max(p) OVER (PARTITION BY k) = p AS last_of_all
      FROM words, regexp_split_to_table(word, '[^[:alnum:]]+') WITH ORDINALITY AS r(part, p)
     WHERE k <= 12 AND part <> ''
  ), phrases AS (
    SELECT k, string_agg('''' || part || '''' || CASE WHEN last_of_all THEN ':*' ELSE '' END, ' <-> ' ORDER BY p) AS phrase
      FROM parts
     GROUP BY k
  )
  SELECT to_tsquery('chat_search'::regconfig, string_agg(phrase, ' & ' ORDER BY k)) FROM phrases
$$;

-- Messages matching what was typed, best first, within one conversation when in_conversation is given.
-- The snippet marks each hit between U+E000 and U+E001, as FTS5's snippet() does for the console; only
-- the rows returned get one (ts_headline re-reads the whole body). It reads the body as written, so a
-- word found inside an address ("example" in "bob@example.com") is returned but not marked.
CREATE FUNCTION search_messages(typed text, in_conversation bigint DEFAULT NULL, max_hits integer DEFAULT 50)
RETURNS TABLE (message_id bigint, conversation_id bigint, seq bigint, author text, created_at bigint, snippet text, rank real)
LANGUAGE sql STABLE AS $$
  SELECT hit.id, hit.conversation_id, hit.seq, hit.author, hit.created_at,
         ts_headline('chat_search'::regconfig, hit.body, hit.query,
                     'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) ||
                     ', MaxWords=12, MinWords=4, ShortWord=0, MaxFragments=1, FragmentDelimiter=" … "'),
         hit.rank
    FROM (SELECT m.id, m.conversation_id, m.seq, m.author, m.created_at, m.body, q.query,
                 ts_rank(m.search_vector, q.query) AS rank
            FROM messages m, message_search_query(typed) AS q(query)
           WHERE m.search_vector @@ q.query
             AND (in_conversation IS NULL OR m.conversation_id = in_conversation)
           ORDER BY rank DESC, m.created_at DESC, m.id DESC
           LIMIT max_hits) AS hit
   ORDER BY hit.rank DESC, hit.created_at DESC, hit.id DESC
$$;
`;
