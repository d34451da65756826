import type { Stores } from '../db/store';

/** Admin settings written by the writer thread (the main connection only reads them). */
export function createSettingsWrites(repos: Pick<Stores, 'settings'>) {
  return {
    /** Stores one settings document under `key` (JSON), replacing the one before. */
    async settingsPut(args: { key: string; value: unknown }): Promise<null> {
      await repos.settings.set(args.key, args.value);
      return null;
    },
  };
}

export type SettingsWrites = ReturnType<typeof createSettingsWrites>;
