import type { SettingsRepository } from '../db/repositories/settings-repository';

/** Admin settings written by the writer thread (the main connection only reads them). */
export function createSettingsWrites(repos: { settings: SettingsRepository }) {
  return {
    /** Stores one settings document under `key` (JSON), replacing the one before. */
    settingsPut(args: { key: string; value: unknown }): null {
      repos.settings.set(args.key, args.value);
      return null;
    },
  };
}

export type SettingsWrites = ReturnType<typeof createSettingsWrites>;
