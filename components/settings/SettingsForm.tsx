/**
 * Capture settings: poll interval, pause, excluded sites, retention; and the notices retention left (which
 * sessions it deleted and why). Reads and writes through the background, which validates everything.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Settings } from '../../lib/model/settings';
import { thresholdLimits, type HealthThresholds } from '../../lib/model/health/thresholds';
import { MIN_POLL_INTERVAL_MS } from '../../lib/protocol/constants';
import type { Notice } from '../../lib/storage/session-store';
import type { BackgroundClient } from '../../lib/views/background-client';

/** Each threshold with its label and unit, in the order the form shows them. */
const THRESHOLD_FIELDS: [keyof HealthThresholds, string][] = [
  ['lossPercent', 'Packet loss above (%)'],
  ['audioJitterMs', 'Audio jitter above (ms)'],
  ['videoJitterMs', 'Video jitter above (ms)'],
  ['rttMs', 'Round-trip time above (ms)'],
  ['minVideoBitrateKbps', 'Sent video bitrate below (kbit/s, for 640×360 and larger; in proportion for smaller pictures)'],
  ['bitrateCollapseRatio', 'Bitrate collapsed below this share of its recent median (0–1)'],
  ['freezeRatio', 'Received video frozen more than this share of a poll interval (0–1)'],
  ['meanFreezeSeconds', 'Received video freezes longer than this on average (s)'],
  ['sustainedFreezeRatio', 'Received video frozen more than this share of the last 30 s, short freezes included (0–1)'],
  ['concealmentPercent', 'Received audio concealed more than (% over 15 s)'],
  ['keyframeRequestsPerSecond', 'Keyframe requests (PLI) more than (per second over 30 s)'],
  ['fpsShareOfSource', 'Sent frame rate below this share of the camera rate (0–1)'],
  ['qualityLimitedShare', 'Encoder quality-limited more than this share of the time (0–1)'],
  ['iceCheckingSeconds', 'ICE checking longer than (s)'],
  ['iceSetupSeconds', 'Connection setup (once the answer is set, until connected) longer than (s)'],
  ['disconnectedSeconds', 'Disconnected longer than (s)'],
  ['noPacketsSeconds', 'No packets on a receiving stream for (s)'],
  ['idleDataChannelSeconds', 'Data channel open without messages for (s)'],
];

export function SettingsForm({ client }: { client: BackgroundClient }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [status, setStatus] = useState('');
  const [excludedText, setExcludedText] = useState('');

  useEffect(() => {
    void client.request({ type: 'get-settings' }).then((s) => {
      setSettings(s);
      setExcludedText(s.excludedSites.join('\n'));
    });
    void client.request({ type: 'get-notices' }).then(setNotices);
  }, [client]);

  if (!settings) return <p>Loading…</p>;

  const save = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    try {
      const saved = await client.request({
        type: 'set-settings',
        settings: {
          pollIntervalMs: Number(value('pollIntervalMs')),
          paused: (form.elements.namedItem('paused') as HTMLInputElement).checked,
          excludedSites: excludedText.split(/[\s,]+/).filter(Boolean),
          retention: { maxAgeDays: Number(value('maxAgeDays')), maxTotalMB: Number(value('maxTotalMB')) },
          // Out-of-range values fall back to the default in the background (normalizeHealthThresholds).
          health: Object.fromEntries(THRESHOLD_FIELDS.map(([key]) => [key, Number(value(`health.${key}`))])) as unknown as HealthThresholds,
        },
      });
      setSettings(saved);
      setExcludedText(saved.excludedSites.join('\n'));
      setStatus(`Saved at ${new Date().toLocaleTimeString()}. Open pages pick the change up at once.`);
    } catch (e) {
      setStatus(`Not saved: ${(e as Error).message}`);
    }
  };

  return (
    <main>
      <h1>WebRTC Scope settings</h1>
      <form onSubmit={save} aria-label="Capture settings">
        <p>
          <label>
            Stats polling interval (ms, at least {MIN_POLL_INTERVAL_MS}){' '}
            <input name="pollIntervalMs" type="number" min={MIN_POLL_INTERVAL_MS} value={settings.pollIntervalMs} />
          </label>
        </p>
        <p>
          <label>
            <input name="paused" type="checkbox" checked={settings.paused} /> Pause capture everywhere
          </label>
        </p>
        <p>
          <label>
            Sites not captured (one host per line; subdomains included; <code>*</code> = all)
            <br />
            <textarea name="excludedSites" rows={4} cols={40} value={excludedText} onInput={(e) => setExcludedText((e.target as HTMLTextAreaElement).value)} />
          </label>
        </p>
        <fieldset>
          <legend>Retention (oldest sessions are deleted first; live ones never)</legend>
          <label>
            Keep sessions for (days, 0 = forever) <input name="maxAgeDays" type="number" min={0} value={settings.retention.maxAgeDays} />
          </label>{' '}
          <label>
            Total size limit (MB, 0 = none) <input name="maxTotalMB" type="number" min={0} value={settings.retention.maxTotalMB} />
          </label>
        </fieldset>
        <fieldset>
          <legend>Issue thresholds (the popup, the badge and the panel's findings use them)</legend>
          {THRESHOLD_FIELDS.map(([key, label]) => {
            const [min, max] = thresholdLimits(key);
            return (
              <p key={key}>
                <label>
                  {label} <input name={`health.${key}`} type="number" min={min} max={max} step="any" value={settings.health[key]} />
                </label>
              </p>
            );
          })}
        </fieldset>
        <p>
          <button type="submit">Save</button> <span role="status">{status}</span>
        </p>
      </form>
      <h2>Retention notices</h2>
      {notices.length === 0 ? (
        <p class="muted">No session has been deleted by retention.</p>
      ) : (
        <ul aria-label="Retention notices">
          {notices.map((n) => (
            <li key={n.id}>
              {new Date(n.t).toLocaleString()}: {n.message}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
