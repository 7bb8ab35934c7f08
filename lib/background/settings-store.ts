import { DEFAULT_SETTINGS, normalizeSettings, SETTINGS_KEY, type Settings } from '../model/settings';
import type { SettingsAccess } from './router';

/** The subset of `storage.local` settings need. */
export interface KeyValueArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

/** Settings kept in the extension's storage (readable by the relay in every frame without the worker). */
export function createSettingsAccess(area: KeyValueArea): SettingsAccess {
  const get = async () => normalizeSettings((await area.get(SETTINGS_KEY))[SETTINGS_KEY] ?? DEFAULT_SETTINGS);
  return {
    get,
    async set(partial) {
      const current = await get();
      const next: Settings = normalizeSettings({
        ...current,
        ...partial,
        retention: { ...current.retention, ...(partial.retention ?? {}) },
      });
      await area.set({ [SETTINGS_KEY]: next });
      return next;
    },
  };
}
