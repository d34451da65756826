/**
 * The retention job and the console's "resolved" view look for resolved conversations by their last
 * change; no query looks for open ones by it. Indexing every conversation by `updated_at` made each
 * message (which moves `updated_at` on) rewrite an index entry, a page in the WAL per message. Indexed
 * only while resolved, an open conversation's messages touch no index on `conversations` at all.
 */
export default /* sql */ `
DROP INDEX conversations_retention;
CREATE INDEX conversations_retention ON conversations(status, updated_at) WHERE status = 'resolved';
`;
