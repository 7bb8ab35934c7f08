// @vitest-environment happy-dom
/**
 * ConnectionCharts over a fixture PC (the corpus 60 s Chromium loopback call): which charts, titles, units and
 * series, the legend's values, the empty state, extra field charts, and live appends that redraw through the
 * frame loop without re-rendering the Preact tree.
 */
import './canvas-stub';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { options } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StatsSample } from '../../../lib/model/session';
import { ChartModel } from '../../../lib/model/chart-series';
import { samplesToColumns } from '../../../lib/model/stats-columns';
import { ConnectionCharts } from '../../../components/charts/ConnectionCharts';
import { createFrameLoop, type FrameLoop } from '../../../components/charts/frame-loop';
import { createMemoryFeed } from '../../../components/charts/memory-feed';
import { followMax, TimeSeriesChart, uplotOf } from '../../../components/charts/TimeSeriesChart';
import { loadCallSamples } from '../../unit/model/corpus';
import { tileSamples } from '../../fixtures/long-session';
import { legacyPolls } from '../../fixtures/legacy-goog-stats';

const CALL = loadCallSamples();
const SEND_PC = '10-1';

let frames: (() => void)[] = [];
let loop: FrameLoop;

beforeEach(() => {
  frames = [];
  // Every chart counts as visible (no IntersectionObserver); frames run when the test says so.
  loop = createFrameLoop({ createObserver: null, requestFrame: (cb) => frames.push(cb), cancelFrame: () => undefined });
});
afterEach(() => cleanup());

function runFrames(): void {
  for (let guard = 0; frames.length > 0 && guard < 100; guard++) frames.shift()!();
}

const chartEl = (id: string): HTMLElement => {
  const el = document.querySelector(`[data-chart-id="${id}"]`);
  if (!el) throw new Error(`no chart ${id}`);
  return el as HTMLElement;
};
const seriesLabels = (id: string): string[] => uplotOf(chartEl(id))!.series.slice(1).map((s) => String(s.label));

function mount(samples: StatsSample[], extraFields: { statsId: string; field: string }[] = [], onRemove = vi.fn()) {
  const feed = createMemoryFeed({ [SEND_PC]: samplesToColumns(samples) });
  const view = render(<ConnectionCharts feed={feed} pcId={SEND_PC} extraFields={extraFields} onRemoveExtraField={onRemove} loop={loop} />);
  runFrames();
  return { feed, view, onRemove };
}

describe('ConnectionCharts', () => {
  it('shows the default charts of a sending PC with titles, units and one series per stream', () => {
    mount(CALL[SEND_PC]);
    const figures = [...document.querySelectorAll('figure[data-chart-id]')];
    expect(figures.map((f) => f.getAttribute('data-chart-id'))).toEqual([
      'bitrate-send', 'bitrate-receive', 'packet-rate', 'packet-loss', 'jitter', 'rtt', 'fps', 'resolution', 'available-bitrate', 'audio-level', 'quality-limitation',
      'data-channel-bitrate',
    ]);
    expect(screen.getByRole('figure', { name: 'Send bitrate (kbit/s)' })).toBeTruthy();
    expect(screen.getByRole('figure', { name: 'Data channel bitrate (kbit/s)' })).toBeTruthy();
    expect(screen.getByRole('figure', { name: 'Round-trip time (ms)' })).toBeTruthy();
    expect(screen.getByRole('figure', { name: 'Packet loss (%)' })).toBeTruthy();
    expect(seriesLabels('bitrate-send')).toEqual(['audio out 0 (3015589555)', 'video out 1 (535634639)', 'connection total (selected pair)']);
    expect(seriesLabels('rtt')).toEqual(['audio out 0 (3015589555) · remote', 'video out 1 (535634639) · remote', 'ICE (selected pair)']);
    expect(seriesLabels('quality-limitation')).toEqual(['video out 1 (535634639)']);
    expect(screen.getByRole('list', { name: 'Reasons' }).textContent).toBe('nonecpubandwidthother');
    // Drawn: every chart has all 60 samples and a live x range from the first one to a step past the last one.
    for (const f of figures) {
      const u = uplotOf(f)!;
      expect(u.data[0].length).toBe(60);
      expect(u.scales.x.min).toBe(u.data[0][0]);
      expect(u.scales.x.max).toBe(followMax(u.data[0][0], u.data[0][59], null));
      expect(u.scales.x.max).toBeGreaterThan(u.data[0][59]);
    }
  });

  it('the legend shows the latest values with units, and under the cursor that sample\'s values and time', () => {
    mount(CALL[SEND_PC]);
    const values = (id: string) => [...chartEl(id).querySelectorAll('.u-legend .u-value')].map((v) => v.textContent);
    const send = values('bitrate-send');
    expect(send).toHaveLength(4);
    expect(send[0]).toBe('latest');
    for (const v of send.slice(1)) expect(v).toMatch(/^[\d,.]+ kbit\/s$/);
    expect(values('resolution')[1]).toMatch(/^\d+×\d+$/);
    expect(values('quality-limitation')[1]).toBe('none');
    // Hovering sample 10 shows that sample's values.
    const u = uplotOf(chartEl('bitrate-send'))!;
    act(() => u.setLegend({ idx: 10 }));
    const expected = u.data[2][10]!;
    expect(values('bitrate-send')[2]).toBe(`${expected.toLocaleString('en-US', { maximumFractionDigits: 1 })} kbit/s`);
    // Its time: since the first sample, and the clock.
    expect(values('bitrate-send')[0]).toMatch(/^\+\d+\.\d+ s \(\d/);
  });

  it('shows an empty state when the PC has no samples yet, and the charts once the first samples arrive', () => {
    const feed = createMemoryFeed();
    render(<ConnectionCharts feed={feed} pcId="0-1" extraFields={[]} onRemoveExtraField={() => undefined} loop={loop} />);
    expect(screen.getByText(/No stats samples for this connection yet/)).toBeTruthy();
    act(() => feed.append('0-1', CALL[SEND_PC].slice(0, 3)));
    runFrames();
    expect(screen.queryByText(/No stats samples/)).toBeNull();
    expect(uplotOf(chartEl('bitrate-send'))!.data[0].length).toBe(3);
  });

  it('says "Following live data" only while the PC can still get samples', () => {
    const feed = createMemoryFeed({ [SEND_PC]: samplesToColumns(CALL[SEND_PC].slice(0, 10)) });
    const props = { feed, pcId: SEND_PC, extraFields: [], onRemoveExtraField: () => undefined, loop };
    const view = render(<ConnectionCharts {...props} />);
    const hint = () => document.querySelector('.conn-charts__hint')!.textContent!;
    expect(hint()).toMatch(/^Following live data\./);
    view.rerender(<ConnectionCharts {...props} status="closed" />);
    expect(hint()).not.toContain('live');
    expect(hint()).toMatch(/^Connection closed: the whole recording is shown\. Drag to zoom/);
    view.rerender(<ConnectionCharts {...props} status="ended" />);
    expect(hint()).not.toContain('live');
    expect(hint()).toMatch(/^Recording ended/);
  });

  it('a PC that can get no more samples (closed, session ended or imported) shows its whole data: no headroom', () => {
    const samples = CALL[SEND_PC];
    const last = samples[59].t / 1000;
    for (const status of ['closed', 'ended'] as const) {
      const feed = createMemoryFeed({ [SEND_PC]: samplesToColumns(samples) });
      render(<ConnectionCharts feed={feed} pcId={SEND_PC} extraFields={[]} onRemoveExtraField={() => undefined} loop={loop} status={status} />);
      runFrames();
      const figures = [...document.querySelectorAll('figure[data-chart-id]')];
      expect(figures.length).toBe(12);
      for (const f of figures) {
        const u = uplotOf(f)!;
        expect([u.scales.x.min, u.scales.x.max], `${status} ${f.getAttribute('data-chart-id')}`).toEqual([samples[0].t / 1000, last]);
        expect(f.querySelector<HTMLElement>('.ts-chart__plot')!.dataset.xMax).toBe(String(last));
      }
      cleanup();
    }
    // The same PC open: the axis runs a step past the newest sample.
    mount(samples);
    const u = uplotOf(chartEl('bitrate-send'))!;
    expect(u.scales.x.max).toBe(followMax(samples[0].t / 1000, last, null));
    expect(u.scales.x.max).toBeGreaterThan(last);
  });

  it('a shown PC that closes redraws its charts once, up to the last sample; a sample still in flight moves the end', () => {
    const samples = CALL[SEND_PC];
    const feed = createMemoryFeed({ [SEND_PC]: samplesToColumns(samples.slice(0, 30)) });
    const props = { feed, pcId: SEND_PC, extraFields: [], onRemoveExtraField: () => undefined, loop };
    const view = render(<ConnectionCharts {...props} status="live" />);
    runFrames();
    act(() => feed.append(SEND_PC, samples.slice(30, 40)));
    runFrames();
    const figures = [...document.querySelectorAll('figure[data-chart-id]')];
    const before = figures.map((f) => uplotOf(f)!);
    for (const u of before) expect(u.scales.x.max).toBeGreaterThan(samples[39].t / 1000);
    // The PC closes (its summary's closedAt arrives with the store's structural update): the parent says so.
    let fullRedraws = 0;
    const onScale = () => fullRedraws++;
    for (const u of before) u.hooks.setScale = [onScale];
    view.rerender(<ConnectionCharts {...props} status="closed" />);
    expect(frames.length).toBeGreaterThan(0);
    runFrames();
    figures.forEach((f, i) => {
      const u = uplotOf(f)!;
      // The same charts, not recreated: only their x axis changed.
      expect(u).toBe(before[i]);
      expect([u.scales.x.min, u.scales.x.max]).toEqual([samples[0].t / 1000, samples[39].t / 1000]);
    });
    // Once per chart (the x scale, and the y scale uPlot sets with it), and nothing more while nothing changes.
    const once = fullRedraws;
    expect(once).toBeGreaterThanOrEqual(figures.length);
    expect(once).toBeLessThanOrEqual(2 * figures.length);
    view.rerender(<ConnectionCharts {...props} status="closed" />);
    runFrames();
    expect(fullRedraws).toBe(once);
    // A last sample that was in flight at the close: the axis ends at it.
    act(() => feed.append(SEND_PC, samples.slice(40, 41)));
    runFrames();
    for (const f of figures) expect(uplotOf(f)!.scales.x.max).toBe(samples[40].t / 1000);
    // Reset from a zoom: the whole recording again, without headroom.
    const u = uplotOf(chartEl('bitrate-send'))!;
    act(() => u.setSelect({ left: u.bbox.width / 4 / devicePixelRatio, top: 0, width: u.bbox.width / 4 / devicePixelRatio, height: 10 }));
    runFrames();
    expect(u.scales.x.max).toBeLessThan(samples[40].t / 1000);
    fireEvent.click(screen.getByRole('button', { name: 'Reset zoom' }));
    runFrames();
    expect(u.scales.x.max).toBe(samples[40].t / 1000);
  });

  it('adds an extra field chart that can be removed', () => {
    const onRemove = vi.fn();
    const { feed, view } = mount(CALL[SEND_PC], [], onRemove);
    const extra = [{ statsId: 'OT01V535634639', field: 'bytesSent' }];
    view.rerender(<ConnectionCharts feed={feed} pcId={SEND_PC} extraFields={extra} onRemoveExtraField={onRemove} loop={loop} />);
    runFrames();
    const el = chartEl('extra:OT01V535634639:bytesSent');
    expect(el.getAttribute('aria-label')).toBe('bytesSent [bytesSent_in_bits/s] · OT01V535634639 (kbit/s)');
    expect([...(uplotOf(el)!.data[1] as (number | null)[])].filter((v) => v != null).length).toBe(59);
    const remove = screen.getByRole('button', { name: /^Remove chart bytesSent/ });
    const before = el.previousElementSibling;
    remove.focus();
    fireEvent.click(remove);
    expect(onRemove).toHaveBeenCalledWith('OT01V535634639', 'bytesSent');
    // The focus goes to the chart before the removed one, not to <body>.
    expect(before).not.toBeNull();
    expect(document.activeElement).toBe(before);
    view.rerender(<ConnectionCharts feed={feed} pcId={SEND_PC} extraFields={[]} onRemoveExtraField={onRemove} loop={loop} />);
    expect(document.querySelector('[data-chart-id^="extra:"]')).toBeNull();
  });

  it('a live append updates the charts through the frame loop without re-rendering the Preact tree', () => {
    const samples = CALL[SEND_PC];
    const { feed } = mount(samples.slice(0, 30));
    const before = new Map([...document.querySelectorAll('figure[data-chart-id]')].map((f) => [f.getAttribute('data-chart-id'), uplotOf(f)]));
    let renders = 0;
    const previous = options.diffed;
    options.diffed = (vnode) => {
      if (vnode.type === ConnectionCharts || vnode.type === TimeSeriesChart) renders++;
      previous?.(vnode);
    };
    try {
      act(() => feed.append(SEND_PC, samples.slice(30, 31)));
      // The series grew in place, but nothing is drawn before the frame runs.
      expect(chartEl('bitrate-send').querySelector<HTMLElement>('.ts-chart__plot')!.dataset.lastX).toBe(String(samples[29].t / 1000));
      runFrames();
      act(() => feed.append(SEND_PC, samples.slice(31, 35)));
      runFrames();
    } finally {
      options.diffed = previous;
    }
    expect(renders).toBe(0);
    for (const [id, u] of before) {
      const now = uplotOf(chartEl(id!))!;
      expect(now, id!).toBe(u);
      expect(now.data[0].length).toBe(35);
      expect(now.scales.x.max).toBeGreaterThanOrEqual(samples[34].t / 1000);
      expect(chartEl(id!).querySelector<HTMLElement>('.ts-chart__plot')!.dataset.lastX).toBe(String(samples[34].t / 1000));
    }
  });

  it('a new stream mid-call recreates the affected charts with a new series', () => {
    const samples = CALL[SEND_PC];
    const { feed } = mount(samples.slice(0, 10));
    const packetsBefore = uplotOf(chartEl('packet-rate'))!;
    const jitterBefore = uplotOf(chartEl('jitter'))!;
    expect(document.querySelector('[data-chart-id="bitrate-receive"] .u-legend')!.textContent).not.toContain('video in');
    const withInbound = samples.slice(10, 12).map((s) => ({
      ...s,
      report: { ...s.report, IN1: { type: 'inbound-rtp', kind: 'video', mid: '2', ssrc: 777, timestamp: s.t, bytesReceived: s.index * 1000, packetsReceived: s.index * 10, packetsLost: 0, jitter: 0.01 } },
    }));
    act(() => feed.append(SEND_PC, withInbound));
    runFrames();
    const packetsAfter = uplotOf(chartEl('packet-rate'))!;
    expect(packetsAfter).not.toBe(packetsBefore);
    expect(seriesLabels('packet-rate')).toContain('video in 2 (777)');
    expect(packetsAfter.data[0].length).toBe(12);
    expect(seriesLabels('bitrate-receive')).toEqual(['video in 2 (777)', 'connection total (selected pair)']);
    // A chart whose series did not change keeps its instance.
    expect(uplotOf(chartEl('fps'))).toBeDefined();
    expect(uplotOf(chartEl('jitter'))).not.toBe(jitterBefore);
  });

  it('a chart created later shows the same live window as the charts already there (one x axis per connection)', () => {
    const samples = CALL[SEND_PC];
    const { feed, view, onRemove } = mount(samples.slice(0, 10));
    const first = samples[0].t / 1000;
    const send = uplotOf(chartEl('bitrate-send'))!;
    const endAt10 = followMax(first, samples[9].t / 1000, null);
    expect(send.scales.x.max).toBe(endAt10);
    // Two more samples still fit the headroom: the axis keeps its end (no redraw of every chart each second).
    act(() => feed.append(SEND_PC, samples.slice(10, 12)));
    runFrames();
    expect(send.scales.x.max).toBe(endAt10);
    expect(followMax(first, samples[11].t / 1000, null)).not.toBe(endAt10);
    // A chart added now (a charted field) starts from the connection's end, not from one of its own.
    const extra = [{ statsId: 'OT01V535634639', field: 'bytesSent' }];
    view.rerender(<ConnectionCharts feed={feed} pcId={SEND_PC} extraFields={extra} onRemoveExtraField={onRemove} loop={loop} />);
    runFrames();
    const added = uplotOf(document.querySelector('[data-chart-id^="extra"]') as HTMLElement)!;
    expect(added.data[0].length).toBe(12);
    expect([added.scales.x.min, added.scales.x.max]).toEqual([send.scales.x.min, send.scales.x.max]);
    // And they step together.
    act(() => feed.append(SEND_PC, samples.slice(12, 20)));
    runFrames();
    expect(send.scales.x.max).toBeGreaterThan(samples[19].t / 1000);
    expect(added.scales.x.max).toBe(send.scales.x.max);
    expect(uplotOf(chartEl('rtt'))!.scales.x.max).toBe(send.scales.x.max);
  });

  it('zoom (drag) holds its window while samples arrive; reset follows the live data again', () => {
    const samples = CALL[SEND_PC];
    const { feed } = mount(samples.slice(0, 40));
    const u = uplotOf(chartEl('bitrate-send'))!;
    const other = uplotOf(chartEl('rtt'))!;
    const reset = screen.getByRole('button', { name: 'Reset zoom' }) as HTMLButtonElement;
    expect(reset.disabled).toBe(true);
    // A drag selection over the middle of the plot.
    act(() => u.setSelect({ left: u.bbox.width / 4 / devicePixelRatio, top: 0, width: u.bbox.width / 4 / devicePixelRatio, height: 10 }));
    runFrames();
    const { min, max } = u.scales.x as { min: number; max: number };
    expect(min).toBeGreaterThan(u.data[0][0]);
    expect(max).toBeLessThan(u.data[0][39]);
    // The other charts of the connection show the same window.
    expect(other.scales.x.min).toBe(min);
    expect(reset.disabled).toBe(false);
    act(() => feed.append(SEND_PC, samples.slice(40, 45)));
    runFrames();
    expect(u.data[0].length).toBe(45);
    expect([u.scales.x.min, u.scales.x.max]).toEqual([min, max]);
    reset.focus();
    fireEvent.click(reset);
    runFrames();
    // The button disables itself: its focus goes to the first chart, not to <body>.
    expect(reset.disabled).toBe(true);
    expect(document.activeElement).toBe(document.querySelector('figure.ts-chart'));
    const first = u.data[0][0];
    expect(u.scales.x.max).toBe(followMax(first, samples[44].t / 1000, followMax(first, samples[39].t / 1000, null)));
    expect(u.scales.x.max).toBeGreaterThanOrEqual(samples[44].t / 1000);
    expect(other.scales.x.max).toBe(u.scales.x.max);
  });

  it('mounts a generated 60-minute 4-PC session and draws every default chart of each PC', () => {
    const pcs = { '0-1': CALL['10-1'], '0-2': CALL['10-2'], '0-3': CALL['10-1'], '0-4': CALL['10-2'] };
    const feed = createMemoryFeed(Object.fromEntries(Object.entries(pcs).map(([id, s]) => [id, samplesToColumns(tileSamples(s, 60))])));
    render(
      <div>
        {Object.keys(pcs).map((id) => (
          <ConnectionCharts key={id} feed={feed} pcId={id} extraFields={[]} onRemoveExtraField={() => undefined} loop={loop} />
        ))}
      </div>,
    );
    loop.flushAll();
    const figures = [...document.querySelectorAll('figure[data-chart-id]')];
    expect(figures.length).toBe(12 + 11 + 12 + 11);
    const sections = [...document.querySelectorAll('section.conn-charts')];
    expect(sections.length).toBe(4);
    for (const [i, f] of figures.entries()) {
      const pcId = Object.keys(pcs)[sections.findIndex((s) => s.contains(f))];
      const end = feed.columns(pcId)!.t[3599] / 1000;
      expect(i >= 0).toBe(true);
      const u = uplotOf(f)!;
      // The whole hour, drawn as min/max buckets (about two points per pixel column) up to the last sample.
      expect(u.scales.x.max).toBe(followMax(u.data[0][0], end, null));
      expect(u.data[0][u.data[0].length - 1]).toBe(end);
      expect(u.data[0].length).toBeLessThanOrEqual(f.getAttribute('data-chart-id') === 'quality-limitation' ? 3600 : 1000);
    }
    // Continued counters: no reset or spike at the tile boundaries, and the decimated series keeps the extremes.
    const series = new ChartModel();
    series.update(feed.columns('0-1'), 0);
    const raw = series.chart('bitrate-send')!.series[1].values.filter((v) => v !== null) as number[];
    expect(raw.length).toBe(3599);
    expect(Math.max(...raw)).toBeLessThan(2000);
    const drawn = [...(uplotOf(document.querySelector('[data-chart-id="bitrate-send"]')!)!.data[2] as (number | null)[])].filter((v) => v !== null) as number[];
    expect(Math.max(...drawn)).toBe(Math.max(...raw));
    expect(Math.min(...drawn)).toBe(Math.min(...raw));
  }, 60_000);
});

describe('ConnectionCharts: Chrome\'s legacy (goog) stats', () => {
  it('draws the default charts of an imported legacy PC, series named as for standard stats, values parsed from the strings', () => {
    // Four real polls (corpus 24a93962-…), then a fifth appended live: the charts take it in without a Preact render.
    const polls = legacyPolls();
    const { feed } = mount(polls.slice(0, 4));
    const figures = [...document.querySelectorAll('figure[data-chart-id]')];
    expect(figures.map((f) => f.getAttribute('data-chart-id'))).toEqual([
      'bitrate-send', 'bitrate-receive', 'packet-rate', 'packet-loss', 'jitter', 'rtt', 'fps', 'resolution', 'available-bitrate', 'audio-level', 'quality-limitation',
    ]);
    expect(screen.queryByText(/No chartable stats/)).toBeNull();
    expect(seriesLabels('bitrate-send')).toEqual(['audio out (1228289922)', 'video out (408222511)', 'connection total (selected pair)']);
    expect(seriesLabels('bitrate-receive')).toEqual(['audio in (2072792890)', 'video in (2907324897)', 'connection total (selected pair)']);
    expect(seriesLabels('rtt')).toEqual(['audio out (1228289922) · remote', 'video out (408222511) · remote', 'ICE (selected pair)']);
    expect(seriesLabels('available-bitrate')).toEqual(['outgoing (selected pair)']);
    const rtt = uplotOf(chartEl('rtt'))!;
    expect(rtt.data[0].length).toBe(4);
    // googRtt "229", "229", "229", "225" of the active pair.
    expect([...(rtt.data[3] as (number | null)[])].map((v) => (v === null ? null : Math.round(v)))).toEqual([229, 229, 229, 225]);
    const send = uplotOf(chartEl('bitrate-send'))!;
    // bytesSent "12965524" → "13197348" over 1004 ms of the stream's own timestamps.
    expect(send.data[2][1]).toBeCloseTo(1847.203, 3);
    // The next poll, live.
    const next = structuredClone(polls[3]);
    next.index = 88;
    next.t += 1000;
    for (const o of Object.values(next.report)) if (typeof o.timestamp === 'number') o.timestamp += 1000;
    (next.report.ssrc_408222511_send as Record<string, unknown>).bytesSent = String(13599840 + 125_000);
    act(() => feed.append(SEND_PC, [next]));
    runFrames();
    expect(send.data[0].length).toBe(5);
    expect(send.data[2][4]).toBe(1000);
  });
});

