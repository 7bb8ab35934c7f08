// @vitest-environment happy-dom
/** The panel's health findings for a PC: verdict and scores, issues with spans and advice, the post-call summary. */
import { cleanup, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { LIVE_INTERVAL_MS, liveInterval, PcHealthView } from '../../../components/health/PcHealthView';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../../lib/model/health/thresholds';
import { evidenceText } from '../../../components/health/health-text';
import type { HealthIssue } from '../../../lib/model/health/rules';
import type { PcSummary, SessionSummary, StatsReportJson } from '../../../lib/model/session';
import { columnsOf, EventStream, fixedFeed, internalsCallSession, makePc, makeSession } from '../../fixtures/session-builders';
import { existsSync, readFileSync } from 'node:fs';
import { importDump } from '../../../lib/dump/import-dump';
import { pcColumns } from '../../../lib/dump/bundle-stats';
import { CORPUS_DIR } from '../../unit/model/corpus';

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

describe('PcHealthView: UX review', () => {
  const T0 = 1_001_000;
  /** A receive-only PC: inbound video at 15 fps, 640×360, 600 kbit/s, for 40 s; no issue, a low score. */
  const slowVideo = (pc: Partial<PcSummary>, session: Partial<SessionSummary>) => {
    const rows = Array.from({ length: 41 }, (_, i) => ({
      IV: {
        type: 'inbound-rtp', kind: 'video', ssrc: 22, timestamp: T0 + i * 1000, packetsReceived: 60 * i, packetsLost: 0, bytesReceived: 75_000 * i,
        jitter: 0.002, framesDecoded: 15 * i, frameWidth: 640, frameHeight: 360,
      },
    })) as unknown as StatsReportJson[];
    const columns = columnsOf(rows, T0);
    return makeSession({ pcs: [makePc('0-1', T0 - 1000, pc)], stats: { '0-1': columns }, summary: { startedAt: T0 - 2000, ...session } });
  };

  it('live: the current score, and what sets it when no issue explains the verdict', async () => {
    const data = slowVideo({}, { endedAt: null });
    render(<PcHealthView data={data} pcId="0-1" feed={fixedFeed(data.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    expect(region.querySelector('[data-verdict]')!.getAttribute('data-verdict')).toBe('low');
    expect(region.textContent).toMatch(/· now \d+\/100/);
    expect(within(region).getByText('No issue found.')).toBeTruthy();
    expect(screen.getByTestId('health-score-factor').textContent).toBe('Score set by inbound video (ssrc 22): frame rate 15 fps (of 30)');
  });

  it('live, every stream paused by the page for 5 s: says so where the "now" score was', async () => {
    // An outbound video stream; the page stops it with replaceTrack(null) 20.5 s in, and its counters stay.
    const rows = Array.from({ length: 41 }, (_, t) => {
      const i = Math.min(t, 20);
      return {
        OV: {
          type: 'outbound-rtp', kind: 'video', ssrc: 11, mid: '1', timestamp: T0 + t * 1000, packetsSent: 100 * i, bytesSent: 100_000 * i,
          framesEncoded: 30 * i, framesSent: 30 * i, frameWidth: 1280, frameHeight: 720,
        },
      };
    }) as unknown as StatsReportJson[];
    const trace = new EventStream();
    const stop = trace.callStart('0-1', T0 + 20_500, 'sender.replaceTrack', [null], { mid: '1', index: 1 });
    trace.settle('0-1', T0 + 20_501, stop, 'sender.replaceTrack', {});
    const session = (upTo: number) =>
      makeSession({ pcs: [makePc('0-1', T0 - 1000)], events: trace.events, stats: { '0-1': columnsOf(rows.slice(0, upTo), T0) }, summary: { startedAt: T0 - 2000, endedAt: null } });
    const data = session(41);
    render(<PcHealthView data={data} pcId="0-1" feed={fixedFeed(data.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    expect(region.textContent).not.toMatch(/· now \d+\/100/);
    expect(screen.getByTestId('health-now-unrated').textContent).toBe(' · now: no media rated in the last 5 s');
    expect(region.querySelector('summary')!.textContent).toMatch(/, 1 stream, duration/);
    expect(region.textContent).toMatch(/over the call \d+\/100/);
    // While still sending: the score, no such note.
    cleanup();
    const sending = session(20);
    render(<PcHealthView data={sending} pcId="0-1" feed={fixedFeed(sending.stats)} />);
    const again = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(again.querySelector('[data-verdict]')).not.toBeNull());
    expect(again.textContent).toMatch(/· now \d+\/100/);
    expect(screen.queryByTestId('health-now-unrated')).toBeNull();
  });

  it('a PC without media streams (data channel only): the summary says so instead of an empty table', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ D: { type: 'data-channel', timestamp: T0 + i * 1000, label: 'chat', state: 'open', messagesSent: i, messagesReceived: i, bytesSent: 10 * i, bytesReceived: 10 * i } })) as unknown as StatsReportJson[];
    const data = makeSession({ pcs: [makePc('0-1', T0 - 1000)], stats: { '0-1': columnsOf(rows, T0) }, summary: { startedAt: T0 - 2000, endedAt: null } });
    render(<PcHealthView data={data} pcId="0-1" feed={fixedFeed(data.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    expect(region.querySelector('summary')!.textContent).toMatch(/, 0 streams, duration/);
    region.querySelector('details')!.open = true;
    expect((await screen.findByTestId('health-summary-empty')).textContent).toBe('No media stream: nothing to summarise.');
    expect(within(region).queryByRole('table')).toBeNull();
  });

  it('closed: no "now" score, the verdict over the call, and what lowered it over the call', async () => {
    const data = slowVideo({ closedAt: T0 + 40_500 }, { endedAt: null });
    render(<PcHealthView data={data} pcId="0-1" feed={fixedFeed(data.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    expect(region.textContent).not.toContain('now');
    expect(screen.getByTestId('health-ended').textContent).toBe(' · closed: verdict over the call');
    expect(region.textContent).toMatch(/over the call \d+\/100/);
    expect(screen.getByTestId('health-score-factor').textContent).toBe('Score set by inbound video (ssrc 22): frame rate 15 fps (of 30)');
  });

  it('evidence thresholds are rounded', () => {
    const issue: HealthIssue = {
      rule: 'low-bitrate', severity: 'warning', pcId: '0-1', subjectId: 'OV', subject: 'outbound video', from: 0, to: 1,
      evidence: { metric: 'send bitrate', value: 60.7, unit: 'kbit/s', threshold: 100 / 3 },
    };
    expect(evidenceText(issue)).toBe('send bitrate: 60.7 kbit/s (limit 33.3 kbit/s)');
    expect(evidenceText({ ...issue, evidence: { ...issue.evidence, thresholdText: 'below 30 % of the 480 kbit/s median = 144 kbit/s' } }))
      .toBe('send bitrate: 60.7 kbit/s (below 30 % of the 480 kbit/s median = 144 kbit/s)');
  });
});

describe('PcHealthView: no verdict over a call with too little media', () => {
  const T0 = 1_001_000;
  /** A receive-only PC: inbound video at 15 fps (a low score), for `seconds`, then closed. */
  const closedVideo = (seconds: number) => {
    const rows = Array.from({ length: seconds + 1 }, (_, i) => ({
      IV: {
        type: 'inbound-rtp', kind: 'video', ssrc: 22, timestamp: T0 + i * 1000, packetsReceived: 60 * i, packetsLost: 0, bytesReceived: 75_000 * i,
        jitter: 0.002, framesDecoded: 15 * i, frameWidth: 640, frameHeight: 360,
      },
    })) as unknown as StatsReportJson[];
    const pc = makePc('0-1', T0 - 1000, { closedAt: T0 + seconds * 1000 + 500 });
    return makeSession({ pcs: [pc], stats: { '0-1': columnsOf(rows, T0) }, summary: { startedAt: T0 - 2000, endedAt: null } });
  };

  it('a PC closed after 8 s: "Not enough data" and why, with the average of those seconds', async () => {
    const data = closedVideo(8);
    render(<PcHealthView data={data} pcId="0-1" feed={fixedFeed(data.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    const verdict = region.querySelector('[data-verdict]')!;
    expect(verdict.getAttribute('data-verdict')).toBe('unknown');
    expect(verdict.getAttribute('data-no-verdict')).toBe('too-little-media');
    expect(verdict.textContent).toBe('Not enough data');
    expect(screen.getByTestId('health-ended').textContent).toBe(' · closed: no verdict over the call, only 8 s of media (a verdict over the call needs 30 s)');
    expect(region.textContent).toMatch(/over the call \d+\/100/);
  });
  it('the same PC closed after 40 s has its verdict over the call', async () => {
    const data = closedVideo(40);
    render(<PcHealthView data={data} pcId="0-1" feed={fixedFeed(data.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    expect(region.querySelector('[data-verdict]')!.getAttribute('data-verdict')).toBe('low');
    expect(region.querySelector('[data-no-verdict]')).toBeNull();
    expect(screen.getByTestId('health-ended').textContent).toBe(' · closed: verdict over the call');
  });
  it('spread-out short freezes: the issue\'s evidence says the share of the last 30 s frozen, and how many freezes', async () => {
    // 0.8 s frozen every 3 s (no frame decoded, packets still coming), for a minute; the browser counts each freeze at its end.
    const rows = Array.from({ length: 61 }, (_, i) => {
      const freezes = Math.max(0, Math.floor((i - 2.8) / 3) + 1);
      return {
        IV: {
          type: 'inbound-rtp', kind: 'video', ssrc: 22, timestamp: T0 + i * 1000, packetsReceived: 100 * i, packetsLost: 0, bytesReceived: 100_000 * i,
          jitter: 0.002, framesDecoded: 30 * i - 24 * freezes, frameWidth: 640, frameHeight: 360, freezeCount: freezes, totalFreezesDuration: 0.8 * freezes,
        },
      };
    }) as unknown as StatsReportJson[];
    const data = makeSession({ pcs: [makePc('0-1', T0 - 1000)], stats: { '0-1': columnsOf(rows, T0) }, summary: { startedAt: T0 - 2000, endedAt: null } });
    render(<PcHealthView data={data} pcId="0-1" feed={fixedFeed(data.stats)} />);
    const items = within(await screen.findByRole('list', { name: 'Issues' })).getAllByRole('listitem');
    const frozen = items.find((li) => li.getAttribute('data-rule') === 'video-frozen')!;
    expect(frozen.querySelector('.health-issue__evidence')!.textContent).toBe('time frozen over the last 30 s (10 freezes, 0.8 s on average): 26.7 % (limit 10 %)');
  });
  it('a PC that ended without media: "No media"', async () => {
    const data = makeSession({ pcs: [makePc('0-1', T0 - 1000, { closedAt: T0 + 5000 })], summary: { startedAt: T0 - 2000, endedAt: null } });
    render(<PcHealthView data={data} pcId="0-1" feed={fixedFeed(data.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    expect(region.querySelector('[data-verdict]')!.textContent).toBe('No media');
    expect(screen.getByTestId('health-ended').textContent).toBe(' · closed: no verdict over the call, no media to rate (no stream carried any)');
  });

  it('without media, a verdict given by issues alone names them: an offer never answered, a connection that failed', async () => {
    const events = new EventStream().created('0-1', T0 - 1000).event('0-1', T0, 'signalingstatechange', 'have-local-offer');
    const live = makeSession({ pcs: [makePc('0-1', T0 - 1000)], events: events.events, summary: { startedAt: T0 - 2000, endedAt: null, lastActivityAt: T0 + 45_000 } });
    render(<PcHealthView data={live} pcId="0-1" feed={fixedFeed(live.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    expect(region.querySelector('[data-verdict]')!.getAttribute('data-verdict')).toBe('low');
    expect(region.querySelector('[data-verdict]')!.textContent).toBe('Offer not answered');
    cleanup();
    const failedEvents = new EventStream().created('0-1', T0 - 1000).event('0-1', T0, 'connectionstatechange', 'failed');
    const failed = makeSession({ pcs: [makePc('0-1', T0 - 1000, { closedAt: T0 + 5000 })], events: failedEvents.events, summary: { startedAt: T0 - 2000, endedAt: null } });
    render(<PcHealthView data={failed} pcId="0-1" feed={fixedFeed(failed.stats)} />);
    const closed = screen.getByRole('region', { name: 'Connection 0-1 health' });
    await waitFor(() => expect(closed.querySelector('[data-verdict]')).not.toBeNull());
    expect(closed.querySelector('[data-verdict]')!.getAttribute('data-verdict')).toBe('very-low');
    expect(closed.querySelector('[data-verdict]')!.textContent).toBe('Connection failed');
  });
});

/** A corpus rtcstats file imported, rendered as the Health section of the PC the file calls `fileId`, once assessed. */
async function renderImportedPc(path: string, fileId: string) {
  const [bundle] = importDump(path.split('/').pop()!, new Uint8Array(readFileSync(path))).bundles;
  const stats = Object.fromEntries(bundle.pcs.map((pc) => [pc.pcId, pcColumns(bundle, pc.pcId)]));
  const data = { session: bundle.session, pcs: bundle.pcs, events: bundle.events, stats };
  const pcId = bundle.pcs.find((p) => p.fileId === fileId)!.pcId;
  render(<PcHealthView data={data} pcId={pcId} feed={fixedFeed(stats)} />);
  const region = screen.getByRole('region', { name: `Connection ${pcId} health` });
  await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
  return region;
}

const LEGACY_CALL = `${CORPUS_DIR}/dumps/rtcstats-legacy/google-legacy-stats-multiple-pc`;

describe.skipIf(!existsSync(LEGACY_CALL))('PcHealthView: an imported call with Chrome\'s legacy (goog) stats', () => {
  it('is rated, and says what its legacy stats cannot tell', async () => {
    // The P2P connection on a LAN: clean.
    const region = await renderImportedPc(LEGACY_CALL, 'PC_2');
    expect(region.querySelector('[data-verdict]')!.getAttribute('data-verdict')).toBe('good');
    expect(region.querySelector('[data-no-verdict]')).toBeNull();
    expect(region.textContent).toMatch(/over the call \d+\/100/);
    expect(screen.getByTestId('health-legacy').textContent).toMatch(/^Rated from Chrome's legacy \(goog\) stats/);
  });

  it('a PC with standard stats has no such note', async () => {
    const call = internalsCallSession();
    render(<PcHealthView data={call} pcId="0-2" feed={fixedFeed(call.stats)} />);
    const region = screen.getByRole('region', { name: 'Connection 0-2 health' });
    await waitFor(() => expect(region.querySelector('[data-verdict]')).not.toBeNull());
    expect(screen.queryByTestId('health-legacy')).toBeNull();
  });
});

const FAILED_CALL = `${CORPUS_DIR}/dumps/rtcstats-legacy/chrome-standard-pc-failed`;
describe.skipIf(!existsSync(FAILED_CALL))('PcHealthView: a verdict worse than the score', () => {
  it('names the issue that lowered it (a failed connection whose media scored well)', async () => {
    const region = await renderImportedPc(FAILED_CALL, 'PC_0');
    // The QA pass saw "Very low quality · over the call 96/100" with nothing beside it.
    expect(region.querySelector('[data-verdict]')!.getAttribute('data-verdict')).toBe('very-low');
    expect(region.textContent).toMatch(/over the call (9\d|8\d)\/100/);
    expect(screen.getByTestId('health-lowered').textContent).toBe(' · lowered by Connection failed');
  });
});
