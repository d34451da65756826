import type { SettingsStore } from '../../store';
import type { Queryable } from '../queryable';

const GET = `SELECT value FROM settings WHERE key = $1`;
// One statement: two nodes setting one key at once both succeed, the later commit's value stays.
const SET = `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`;

/** Admin settings in PostgreSQL, values as JSON text; the twin of the SQLite SettingsRepository. */
export class PgSettingsRepository implements SettingsStore {
  constructor(private readonly db: Queryable) {}

  async get<T>(key: string, fallback: T): Promise<T> {
    const raw = (await this.db.query<{ value: string }>({ name: 'settings-get', text: GET, values: [key] })).rows[0]?.value;
    if (raw === undefined) return fallback;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return fallback;
    }
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db.query({ name: 'settings-set', text: SET, values: [key, JSON.stringify(value)] });
  }
}
