import type { Stores } from './store';

/**
 * A stored setting as the type its owner keeps it in, `fallback` when it was never saved. The store's
 * `get` answers `unknown` (a type parameter does not survive MaybeAsync's mapping); this is the one place
 * that says what it holds, as `SettingsRepository.get<T>` did.
 */
export async function settingOf<T>(settings: Stores['settings'], key: string, fallback: T): Promise<T> {
  return (await settings.get(key, fallback)) as T;
}
