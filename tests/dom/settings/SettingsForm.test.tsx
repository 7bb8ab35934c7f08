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

describe('SettingsForm: what it refuses', () => {
  it('every number field is required (an empty retention field had been saved as 0: keep forever, no limit), and the interval has a maximum', async () => {
    render(<SettingsForm client={fakeClient().client} />);
    const form = await screen.findByRole('form', { name: 'Capture settings' });
    const numbers = [...form.querySelectorAll<HTMLInputElement>('input[type="number"]')];
    expect(numbers.length).toBe(3 + Object.keys(DEFAULT_HEALTH_THRESHOLDS).length);
    for (const input of numbers) expect(input.required, input.name).toBe(true);
    const interval = screen.getByLabelText(/Stats polling interval/) as HTMLInputElement;
    expect([interval.min, interval.max]).toEqual(['100', '60000']);
  });

  it('refuses sites that are none, saying which, and saves pasted URLs and *.host as the hosts they name', async () => {
    const fake = fakeClient();
    render(<SettingsForm client={fake.client} />);
    const form = await screen.findByRole('form', { name: 'Capture settings' });
    const sites = screen.getByLabelText(/Sites not captured/) as HTMLTextAreaElement;
    const interval = screen.getByLabelText(/Stats polling interval/) as HTMLInputElement;
    fireEvent.input(interval, { target: { value: '2000' } });
    fireEvent.input(sites, { target: { value: 'http://127.0.0.1:5555/demo.html\nhost!!\n*.example.com' } });
    fireEvent.submit(form);
    await screen.findByText(/^Not saved: “host!!” is not a site\./);
    expect(fake.saved).toHaveLength(0);
    // The refusal's render keeps what was typed elsewhere (it had put the loaded 1000 back).
    expect(interval.value).toBe('2000');
    expect(sites.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(sites);
    fireEvent.input(sites, { target: { value: 'http://127.0.0.1:5555/demo.html\n*.example.com' } });
    // An edit clears the refusal (a stale status had read as if the last attempt had worked).
    expect(screen.getByRole('status').textContent).toBe('');
    fireEvent.submit(form);
    await waitFor(() => expect(fake.saved).toHaveLength(1));
    expect(fake.saved[0].excludedSites).toEqual(['127.0.0.1', 'example.com']);
    expect(fake.saved[0].pollIntervalMs).toBe(2000);
    await waitFor(() => expect(sites.value).toBe('127.0.0.1\nexample.com'));
    expect(screen.getByRole('status').textContent).toMatch(/^Saved at /);
  });

  it('lists the sites paused from the popup, each with a button that resumes it', async () => {
    const fake = fakeClient();
    await fake.client.request({ type: 'set-settings', settings: { pausedSites: ['meet.example.com', '127.0.0.1'] } });
    render(<SettingsForm client={fake.client} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Resume capture on meet.example.com' }));
    await waitFor(() => expect(fake.saved.at(-1)).toEqual({ pausedSites: ['127.0.0.1'] }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Resume capture on meet.example.com' })).toBeNull());
    expect(screen.getByRole('button', { name: 'Resume capture on 127.0.0.1' })).toBeTruthy();
  });
});
