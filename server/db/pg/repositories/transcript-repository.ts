import type { Lang } from '../../../../shared/types';
import type { TranscriptStore } from '../../store';
import type { Queryable } from '../queryable';

// A second wish changes only the language (the first time stays); one statement, so two at once both succeed.
const PUT = `INSERT INTO transcript_wishes (conversation_id, lang, created_at) VALUES ($1, $2, $3)
  ON CONFLICT (conversation_id) DO UPDATE SET lang = excluded.lang`;
const GET = `SELECT lang FROM transcript_wishes WHERE conversation_id = $1`;
// The delete's row count decides who sends the mail: of two nodes clearing at once, one deletes the row
// and the other waits for its lock, then finds nothing to delete.
const DELETE = `DELETE FROM transcript_wishes WHERE conversation_id = $1`;

/** Conversations whose visitor asked to have the transcript e-mailed when resolved, in PostgreSQL; the twin of TranscriptRepository. */
export class PgTranscriptRepository implements TranscriptStore {
  constructor(private readonly db: Queryable) {}

  async wish(conversationRowId: number, lang: Lang, now: number): Promise<void> {
    await this.db.query({ name: 'transcript-wish', text: PUT, values: [conversationRowId, lang, now] });
  }

  /** The language of the wish, or null when none is recorded. */
  async wishFor(conversationRowId: number): Promise<Lang | null> {
    return (
      (await this.db.query<{ lang: Lang }>({ name: 'transcript-wish-for', text: GET, values: [conversationRowId] })).rows[0]?.lang ?? null
    );
  }

  /** Forgets the wish; true when there was one (so only one caller sends the mail it asked for). */
  async clear(conversationRowId: number): Promise<boolean> {
    return ((await this.db.query({ name: 'transcript-clear', text: DELETE, values: [conversationRowId] })).rowCount ?? 0) > 0;
  }
}
