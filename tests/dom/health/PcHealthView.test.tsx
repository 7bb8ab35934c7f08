// @vitest-environment happy-dom
/** The panel's health findings for a PC: verdict and scores, issues with spans and advice, the post-call summary. */
import { cleanup, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { LIVE_INTERVAL_MS, liveInterval, PcHealthView } from '../../../components/health/PcHealthView';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../../lib/model/health/thresholds';
import { EventStream, fixedFeed, internalsCallSession } from '../../fixtures/session-builders';

afterEach(cleanup);

describe('PcHealthView', () => {
  const call = internalsCallSession();
  const ended = { ...call, session: { ...call.session, endedAt: call.session.lastActivityAt } };

  it('a healthy call: good, no issue, a summary row per metric with avg/min/max/p95', async () => {
    render(<PcHealthView data={ended} pcId="0-2" feed={fixedFeed(ended.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-2 health' });
    // The assessment runs after the first render (charts first).
    expect(region.textContent).toBe('Assessing…');
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    expect(region.querySelector('[data-verdict]')!.getAttribute('data-verdict')).toBe('good');
    expect(region.textContent).toMatch(/over the call \d+\/100/);
    expect(within(region).getByText('No issue found.')).toBeTruthy();
    // The summary table is built when its details open.
    const details = region.querySelector('details')!;
    expect(within(region).queryByRole('table')).toBeNull();
    details.open = true;
    const table = await within(region).findByRole('table', { name: 'Post-call summary' });
    const rows = within(table).getAllByRole('row').map((r) => r.textContent ?? '');
    expect(rows[0]).toBe('StreamMetricAvgMinMaxp95');
    // The receiver's inbound video bitrate row: numbers, in kbit/s.
    expect(rows.some((r) => /^inbound video.*Bitrate kbit\/s[\d.]+[\d.]+[\d.]+[\d.]+$/.test(r))).toBe(true);
    expect(region.querySelector('summary')!.textContent).toMatch(/^Summary: setup \d+ ms, \d streams, duration 1 min 0\d s$/);
  });

  it('issues are listed most important first with their span relative to creation, evidence and advice', async () => {
    const pc = ended.pcs[1];
    const extra = new EventStream()
      .event('0-2', pc.createdAt + 20_000, 'connectionstatechange', 'disconnected')
      .event('0-2', pc.createdAt + 28_000, 'connectionstatechange', 'connected');
    const data = { ...ended, events: [...ended.events, ...extra.events.map((e, i) => ({ ...e, seq: ended.events.length + i }))] };
    render(<PcHealthView data={data} pcId="0-2" feed={fixedFeed(data.stats)} />);
    const items = within(await screen.findByRole('list', { name: 'Issues' })).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-rule'))).toEqual(['connection-disconnected']);
    expect(items[0].textContent).toContain('+20.000 s – +28.000 s (8 s)');
    expect(items[0].textContent).toContain('connection state: disconnected for 8 s (limit 5 s)');
    expect(items[0].textContent).toContain('Consent checks stopped');
    // A stricter threshold from the settings: the same 8 s are fine with a 10 s limit.
    cleanup();
    render(<PcHealthView data={data} pcId="0-2" feed={fixedFeed(data.stats)} thresholds={{ ...DEFAULT_HEALTH_THRESHOLDS, disconnectedSeconds: 10 }} />);
    expect(await screen.findByText('No issue found.')).toBeTruthy();
  });

  it('re-assesses a live PC at most a quarter of a percent of the time, in whole 2 s steps, between 4 s and 2 minutes', () => {
    expect(liveInterval(0.5)).toBe(LIVE_INTERVAL_MS);
    expect(liveInterval(10)).toBe(4000); // 400 × 10 ms
    expect(liveInterval(10.1)).toBe(6000); // 4.04 s, rounded up to a step
    expect(liveInterval(30)).toBe(12_000);
    expect(liveInterval(100)).toBe(40_000);
    expect(liveInterval(1000)).toBe(120_000);
    for (const ms of [0, 3, 17, 42, 77, 250]) {
      const interval = liveInterval(ms);
      expect(interval % 2000).toBe(0);
      expect(ms / interval).toBeLessThanOrEqual(0.0025);
    }
  });
});
