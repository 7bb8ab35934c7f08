// @vitest-environment happy-dom
/** The settings form lists every health threshold, the sustained-freeze one included, and saves them all. */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsForm } from '../../../components/settings/SettingsForm';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from '../../../lib/model/health/thresholds';
import { DEFAULT_SETTINGS, normalizeSettings, type Settings } from '../../../lib/model/settings';
import type { ViewRequest } from '../../../lib/protocol/messages';
import type { BackgroundClient } from '../../../lib/views/background-client';
import { fakeBackground } from '../app/fake-background';

afterEach(cleanup);

/** The app's fake background, answering the settings requests too: saved settings are normalized, as the background does. */
function fakeClient() {
  let settings: Settings = structuredClone(DEFAULT_SETTINGS);
  const saved: Partial<Settings>[] = [];
  const base = fakeBackground([]).client;
  const request = (async (r: ViewRequest) => {
    if (r.type === 'get-settings') return structuredClone(settings);
    if (r.type !== 'set-settings') return base.request(r);
    saved.push(r.settings);
    settings = normalizeSettings({ ...settings, ...r.settings });
    return structuredClone(settings);
  }) as BackgroundClient['request'];
  return { client: { ...base, request } satisfies BackgroundClient, saved };
}

describe('SettingsForm: health thresholds', () => {
  it('has an input for every threshold; the share of the last 30 s frozen is one, and is saved', async () => {
    const fake = fakeClient();
    render(<SettingsForm client={fake.client} />);
    const form = await screen.findByRole('form', { name: 'Capture settings' });
    for (const key of Object.keys(DEFAULT_HEALTH_THRESHOLDS) as (keyof HealthThresholds)[]) {
      const input = form.querySelector<HTMLInputElement>(`input[name="health.${key}"]`);
      expect(input, key).not.toBeNull();
      expect(Number(input!.value), key).toBe(DEFAULT_HEALTH_THRESHOLDS[key]);
    }
    const sustained = screen.getByLabelText(/Received video frozen more than this share of the last 30 s/) as HTMLInputElement;
    expect(sustained.name).toBe('health.sustainedFreezeRatio');
    expect([sustained.min, sustained.max]).toEqual(['0.01', '1']);
    sustained.value = '0.2';
    fireEvent.submit(form);
    await waitFor(() => expect(fake.saved).toHaveLength(1));
    expect(fake.saved[0].health).toEqual({ ...DEFAULT_HEALTH_THRESHOLDS, sustainedFreezeRatio: 0.2 });
  });
});
