import type { Db } from '../open';

/** A small key/value store for admin settings; values are JSON. */
export class SettingsRepository {
  private readonly getStmt;
  private readonly setStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare(`SELECT value FROM settings WHERE key = ?`).pluck();
    this.setStmt = db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  }

  get<T>(key: string, fallback: T): T {
    const raw = this.getStmt.get(key) as string | undefined;
    if (raw === undefined) return fallback;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return fallback;
    }
  }

  set(key: string, value: unknown): void {
    this.setStmt.run(key, JSON.stringify(value));
  }
}
