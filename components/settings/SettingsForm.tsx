/**
 * Capture settings: poll interval, pause, excluded sites, retention; and the notices retention left (which
 * sessions it deleted and why). Reads and writes through the background, which validates everything.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { parseSitePatterns, type Settings } from '../../lib/model/settings';
import { thresholdLimits, type HealthThresholds } from '../../lib/model/health/thresholds';
import { MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS } from '../../lib/protocol/constants';
import '../app/theme.css';
import './settings.css';
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

/** Puts the settings as saved (normalized by the background) into the form's fields. */
function showSaved(form: HTMLFormElement, saved: Settings): void {
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | null;
  const set = (name: string, value: number) => {
    const input = field(name);
    if (input) input.value = String(value);
  };
  set('pollIntervalMs', saved.pollIntervalMs);
  const paused = field('paused');
  if (paused) paused.checked = saved.paused;
  set('maxAgeDays', saved.retention.maxAgeDays);
  set('maxTotalMB', saved.retention.maxTotalMB);
  for (const [key] of THRESHOLD_FIELDS) set(`health.${key}`, saved.health[key]);
}

export function SettingsForm({ client }: { client: BackgroundClient }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [status, setStatus] = useState('');
  const [excludedText, setExcludedText] = useState('');
  /** What in the sites field is no site (shown, and the save refused, until fixed). */
  const [invalidSites, setInvalidSites] = useState<string[]>([]);
  const sitesRef = useRef<HTMLTextAreaElement>(null);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    void client.request({ type: 'get-settings' }).then((s) => {
      setSettings(s);
      setExcludedText(s.excludedSites.join('\n'));
    });
    void client.request({ type: 'get-notices' }).then(setNotices);
  }, [client]);

  if (!settings) return <p>Loading…</p>;

  const store = async (changes: Partial<Settings>) => {
    try {
      const saved = await client.request({ type: 'set-settings', settings: changes });
      setSettings(saved);
      if (formRef.current) showSaved(formRef.current, saved);
      setExcludedText(saved.excludedSites.join('\n'));
      setStatus(`Saved at ${new Date().toLocaleTimeString()}. Open pages pick the change up at once.`);
      void client.request({ type: 'get-notices' }).then(setNotices);
    } catch (e) {
      setStatus(`Not saved: ${(e as Error).message}`);
    }
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    // Every number field is required (an empty one is refused by the browser before this runs: Number('') is 0,
    // which would have meant "keep forever" or "no limit" for retention); the sites are checked here.
    const sites = parseSitePatterns(excludedText);
    setInvalidSites(sites.invalid);
    if (sites.invalid.length > 0) {
      setStatus(`Not saved: ${sites.invalid.map((x) => `“${x}”`).join(', ')} ${sites.invalid.length === 1 ? 'is' : 'are'} not a site. Write host names such as meet.example.com (a URL is reduced to its host), or * for all.`);
      sitesRef.current?.focus();
      return;
    }
    await store({
          pollIntervalMs: Number(value('pollIntervalMs')),
          paused: (form.elements.namedItem('paused') as HTMLInputElement).checked,
          excludedSites: sites.patterns,
          retention: { maxAgeDays: Number(value('maxAgeDays')), maxTotalMB: Number(value('maxTotalMB')) },
          // Out-of-range values fall back to the default in the background (normalizeHealthThresholds).
          health: Object.fromEntries(THRESHOLD_FIELDS.map(([key]) => [key, Number(value(`health.${key}`))])) as unknown as HealthThresholds,
    });
  };

  return (
    <main class="settings">
      <h1>WebRTC Scope settings</h1>
      {/* The fields are the browser's (default values): a render for a status must not put back the values they had
          when loaded over what the user typed since. A save writes the saved values into them (showSaved). Any
          edit clears the last save's status: after a refused save it would still say "Saved at …". */}
      <form ref={formRef} onSubmit={save} onInput={() => setStatus('')} aria-label="Capture settings">
        <p>
          <label>
            Stats polling interval (ms, {MIN_POLL_INTERVAL_MS}–{MAX_POLL_INTERVAL_MS}){' '}
            <input name="pollIntervalMs" type="number" required min={MIN_POLL_INTERVAL_MS} max={MAX_POLL_INTERVAL_MS} defaultValue={String(settings.pollIntervalMs)} />
          </label>
        </p>
        <p>
          <label>
            <input name="paused" type="checkbox" defaultChecked={settings.paused} /> Pause capture everywhere
          </label>
        </p>
        <p>
          <label>
            Sites not captured (one host per line, such as <code>meet.example.com</code>; subdomains included; <code>*</code> = all)
            <br />
            <textarea
              ref={sitesRef}
              name="excludedSites"
              rows={4}
              cols={40}
              value={excludedText}
              aria-invalid={invalidSites.length > 0 ? 'true' : undefined}
              aria-describedby={invalidSites.length > 0 ? 'settings-sites-error' : undefined}
              onInput={(e) => {
                setExcludedText((e.target as HTMLTextAreaElement).value);
                setInvalidSites([]);
              }}
            />
          </label>
          {invalidSites.length > 0 ? (
            <span id="settings-sites-error" class="settings-error">
              Not a site: {invalidSites.join(', ')}
            </span>
          ) : null}
        </p>
        {settings.pausedSites.length > 0 ? (
          <fieldset>
            <legend>Sites paused from the popup</legend>
            <ul class="settings-paused">
              {settings.pausedSites.map((site) => (
                <li key={site}>
                  {site}{' '}
                  <button type="button" onClick={() => void store({ pausedSites: settings.pausedSites.filter((x) => x !== site) })}>
                    Resume capture on {site}
                  </button>
                </li>
              ))}
            </ul>
          </fieldset>
        ) : null}
        <fieldset>
          <legend>Retention (oldest sessions are deleted first; live ones never)</legend>
          <label>
            Keep sessions for (days, 0 = forever) <input name="maxAgeDays" type="number" required min={0} defaultValue={String(settings.retention.maxAgeDays)} />
          </label>{' '}
          <label>
            Total size limit (MB, 0 = none) <input name="maxTotalMB" type="number" required min={0} defaultValue={String(settings.retention.maxTotalMB)} />
          </label>
        </fieldset>
        <fieldset>
          <legend>Issue thresholds (the popup, the badge and the panel's findings use them)</legend>
          {THRESHOLD_FIELDS.map(([key, label]) => {
            const [min, max] = thresholdLimits(key);
            return (
              <p key={key}>
                <label>
                  {label} <input name={`health.${key}`} type="number" required min={min} max={max} step="any" defaultValue={String(settings.health[key])} />
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
