// @vitest-environment happy-dom
/**
 * TimeSeriesChart on its own: pan and zoom gestures (double-click, shift+drag, ctrl+wheel, keyboard), the quality
 * limitation bands, stats gaps, and the uPlot instance's life cycle.
 */
import './canvas-stub';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildDefaultCharts } from '../../../lib/model/chart-series';
import { samplesToColumns } from '../../../lib/model/stats-columns';
import { ChartGroup } from '../../../components/charts/chart-group';
import { createFrameLoop, type FrameLoop } from '../../../components/charts/frame-loop';
import { followMax, LEGEND_REFRESH_MS, refreshChartTheme, TimeSeriesChart, uplotOf } from '../../../components/charts/TimeSeriesChart';
import { timelineEnd } from '../../../components/candidates/CandidatePairs';
import { liveAxisEnd } from '../../../components/connection/use-feed-version';
import { loadCallSamples } from '../../unit/model/corpus';

const CALL = loadCallSamples();
let loop: FrameLoop;
beforeEach(() => {
  loop = createFrameLoop({ createObserver: null, requestFrame: () => 0, cancelFrame: () => undefined });
});
afterEach(() => cleanup());

function chart(id: string) {
  const { x, charts } = buildDefaultCharts(samplesToColumns(CALL['10-1']));
  const spec = charts.find((c) => c.id === id)!;
  const group = new ChartGroup('test', () => [x[0], x[x.length - 1]]);
  const view = render(<TimeSeriesChart spec={spec} x={x} group={group} loop={loop} />);
  loop.flushAll();
  const el = document.querySelector(`[data-chart-id="${id}"]`) as HTMLElement;
  return { x, spec, group, view, el, u: uplotOf(el)! };
}

describe('TimeSeriesChart', () => {
  it('legend series toggles are buttons a keyboard reaches: Enter and Space hide and show, aria-pressed follows', () => {
    const { u, el } = chart('bitrate-send');
    const toggles = screen.getAllByRole('button', { pressed: true }).filter((b) => el.contains(b));
    expect(toggles.length).toBe(u.series.length - 1);
    expect(toggles.every((b) => b.tabIndex === 0)).toBe(true);
    // The chart's own keys are said, for assistive technology and in the tooltip.
    expect(el.getAttribute('aria-keyshortcuts')).toBe('+ - ArrowLeft ArrowRight 0 Escape');
    expect(el.getAttribute('aria-description')).toBe('Keys: + and − zoom, ← and → pan, 0 or Escape back to the whole call.');
    expect(el.getAttribute('title')).toContain(el.getAttribute('aria-description')!);
    // Named by the series' label alone (uPlot's CSS adds a ':' that Chromium put into the name).
    expect(toggles.map((b) => b.getAttribute('aria-label'))).toEqual(u.series.slice(1).map((s) => s.label));
    expect(toggles.every((b) => !/:$/.test(b.getAttribute('aria-label')!))).toBe(true);
    fireEvent.keyDown(toggles[0], { key: 'Enter' });
    expect(u.series[1].show).toBe(false);
    expect(toggles[0].getAttribute('aria-pressed')).toBe('false');
    fireEvent.keyDown(toggles[0], { key: ' ' });
    expect(u.series[1].show).toBe(true);
    expect(toggles[0].getAttribute('aria-pressed')).toBe('true');
  });

  it('after a theme change the legend marker of the theme-coloured series takes the new colour too', () => {
    const { el, u } = chart('rtt');
    const marker = () => el.querySelectorAll<HTMLElement>('.u-legend .u-series')[1].querySelector<HTMLElement>('.u-marker')!;
    const before = marker().style.borderColor;
    expect(before).not.toBe('');
    (u.root.closest('.ts-chart__plot') as HTMLElement).style.setProperty('--accent', '#8ab4f8');
    refreshChartTheme();
    loop.flushAll();
    expect(marker().style.borderColor).toBe('#8ab4f8');
    expect((u.series[1].stroke as (u: unknown, i: number) => string)(u, 1)).toBe('#8ab4f8');
  });

  it('double-click resets a zoom; the window holds until then', () => {
    const { x, group, u } = chart('bitrate-send');
    act(() => group.setView({ min: x[10], max: x[20] }));
    loop.flushAll();
    expect([u.scales.x.min, u.scales.x.max]).toEqual([x[10], x[20]]);
    fireEvent.dblClick(u.over);
    loop.flushAll();
    expect(group.view).toBeNull();
    expect([u.scales.x.min, u.scales.x.max]).toEqual([x[0], followMax(x[0], x[59], null)]);
  });

  it('shift+drag pans a zoomed window within the data; ctrl+wheel zooms; keyboard zooms, pans and resets', () => {
    const { x, group, u, el } = chart('rtt');
    act(() => group.setView({ min: x[10], max: x[20] }));
    fireEvent.mouseDown(u.over, { shiftKey: true, button: 0, clientX: 300 });
    fireEvent.mouseMove(document, { clientX: 299 });
    fireEvent.mouseUp(document);
    // Dragged left: later data; never past the end.
    expect(group.view!.max).toBeGreaterThan(x[20]);
    expect(group.view!.max).toBeLessThanOrEqual(x[59]);
    expect(group.view!.max - group.view!.min).toBeCloseTo(x[20] - x[10], 6);
    act(() => group.setView(null));
    // happy-dom's WheelEvent ignores the modifier and position members of its init dict: set them on the event.
    const wheel = new WheelEvent('wheel', { deltaY: -100, bubbles: true, cancelable: true });
    Object.defineProperties(wheel, { ctrlKey: { value: true }, clientX: { value: 0 } });
    u.over.dispatchEvent(wheel);
    expect(wheel.defaultPrevented).toBe(true);
    expect(group.view).not.toBeNull();
    expect(group.view!.max - group.view!.min).toBeLessThan(x[59] - x[0]);
    fireEvent.keyDown(el, { key: 'Escape' });
    expect(group.view).toBeNull();
    fireEvent.keyDown(el, { key: '+' });
    const zoomed = group.view!;
    expect(zoomed.max - zoomed.min).toBeCloseTo((x[59] - x[0]) / 2, 6);
    fireEvent.keyDown(el, { key: 'ArrowLeft' });
    expect(group.view!.min).toBeLessThan(zoomed.min);
    fireEvent.keyDown(el, { key: '0' });
    expect(group.view).toBeNull();
  });

  it('draws quality limitation as bands: one lane per stream, reasons in the legend and the key', () => {
    const { u } = chart('quality-limitation');
    expect(u.series.length).toBe(2);
    expect(u.scales.y.min).toBe(0);
    expect(u.scales.y.max).toBe(1);
    expect(screen.getByRole('list', { name: 'Reasons' }).querySelectorAll('li').length).toBe(4);
    expect([...document.querySelectorAll('.u-legend .u-value')].map((v) => v.textContent)[1]).toBe('none');
  });

  it('cuts the line across a stats gap (gap refiner) and is destroyed with its component', () => {
    const { x, charts } = buildDefaultCharts(samplesToColumns(CALL['10-1']));
    const spec = charts.find((c) => c.id === 'rtt')!;
    const view = render(<TimeSeriesChart spec={spec} x={x} gapRows={[30]} loop={loop} />);
    loop.flushAll();
    const u = uplotOf(document.querySelector('[data-chart-id="rtt"]')!)!;
    const refine = u.series[3].gaps as (u: unknown, s: number, i0: number, i1: number, g: [number, number][]) => [number, number][];
    const gaps = refine(u, 3, 0, 59, []);
    expect(gaps).toEqual([[Math.round(u.valToPos(x[29], 'x', true)), Math.round(u.valToPos(x[30], 'x', true))]]);
    // Merged with uPlot's own null gaps, in order.
    expect(refine(u, 3, 0, 59, [[0, 1]])).toEqual([[0, 1], gaps[0]]);
    expect(loop.size).toBe(1);
    refreshChartTheme();
    loop.flushAll();
    view.unmount();
    expect(loop.size).toBe(0);
  });

  it('a chart first drawn with a single sample follows the samples appended after it (its x scale keeps them on the canvas)', () => {
    const { x: allX, charts } = buildDefaultCharts(samplesToColumns(CALL['10-1']));
    const full = charts.find((c) => c.id === 'bitrate-send')!;
    const x = allX.slice(0, 1);
    const spec = { ...full, series: full.series.map((s) => ({ ...s, values: s.values.slice(0, 1) })) };
    const group = new ChartGroup('one', () => [x[0], x[x.length - 1]]);
    render(<TimeSeriesChart spec={spec} x={x} group={group} loop={loop} />);
    loop.flushAll();
    const el = document.querySelector('[data-chart-id="bitrate-send"]') as HTMLElement;
    const u = uplotOf(el)!;
    expect([u.scales.x.min, u.scales.x.max]).toEqual([x[0], followMax(x[0], x[0], null)]);
    for (let r = 1; r < 30; r++) {
      x.push(allX[r]);
      spec.series.forEach((s, i) => s.values.push(full.series[i].values[r]));
      group.dataChanged();
      loop.flushAll();
      // Every sample so far lies inside the drawn x scale (uPlot's own range for one x value lies to its right).
      expect(u.scales.x.min, `row ${r}`).toBeLessThanOrEqual(x[0]);
      expect(u.scales.x.max, `row ${r}`).toBeGreaterThanOrEqual(x[r]);
    }
  });

  it('a live append inside the drawn scales draws only the new segments; leaving them redraws everything', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { x: allX, charts } = buildDefaultCharts(samplesToColumns(CALL['10-1']));
      const full = charts.find((c) => c.id === 'bitrate-send')!;
      // The first 40 rows; later rows are pushed in place, as the chart model does.
      const x = allX.slice(0, 40);
      const spec = { ...full, series: full.series.map((s) => ({ ...s, values: s.values.slice(0, 40) })) };
      const group = new ChartGroup('append', () => [x[0], x[x.length - 1]]);
      render(<TimeSeriesChart spec={spec} x={x} group={group} loop={loop} />);
      loop.flushAll();
      const el = document.querySelector('[data-chart-id="bitrate-send"]') as HTMLElement;
      const plot = el.querySelector<HTMLElement>('.ts-chart__plot')!;
      const u = uplotOf(el)!;
      const xMax = u.scales.x.max!;
      expect(xMax).toBe(followMax(x[0], x[39], null));
      const clears = vi.spyOn(u.ctx, 'clearRect');
      const lines = vi.spyOn(u.ctx, 'lineTo');
      // The first series' legend value (the time cell says "latest" while the pointer is elsewhere).
      const legendValue = () => el.querySelectorAll('.u-legend .u-value')[1].textContent;
      expect(el.querySelectorAll('.u-legend .u-value')[0].textContent).toBe('latest');
      const legendBefore = legendValue();
      // Values the call had 20 s earlier: inside the y range (it was set from them), and a new legend text per sample.
      const nudged = (s: number, r: number) => spec.series[s].values[r - 20];
      const append = (value: (s: number, r: number) => number | null) => {
        const r = x.length;
        x.push(x[r - 1] + 1);
        spec.series.forEach((s, i) => s.values.push(value(i, r)));
        group.dataChanged();
        loop.flushAll();
      };
      // Nearly the same values one second later: inside both scales.
      vi.setSystemTime(Date.now() + 1000);
      append(nudged);
      expect(clears).not.toHaveBeenCalled();
      expect(lines).toHaveBeenCalledTimes(spec.series.filter((s) => s.values[39] != null && s.values[40] != null).length);
      expect(u.scales.x.max).toBe(xMax);
      expect(u.data[0].length).toBe(41);
      expect(plot.dataset.lastX).toBe(String(x[40]));
      // The legend's latest values follow when the newest sample enters a new step of LEGEND_REFRESH_MS of sample
      // time (as the latest-value views do), not with every append.
      const stepOf = (t: number) => Math.floor((t * 1000) / LEGEND_REFRESH_MS);
      expect(legendValue() !== legendBefore).toBe(stepOf(x[40]) !== stepOf(x[39]));
      let shown = legendValue();
      let changes = 0;
      for (let i = 0; i < 4; i++) {
        const step = stepOf(x[x.length - 1]);
        append(nudged);
        const changed = stepOf(x[x.length - 1]) !== step;
        expect(legendValue() !== shown).toBe(changed);
        if (changed) changes++;
        shown = legendValue();
      }
      expect(changes).toBe(2); // one sample a second, a step of 2 s
      expect(clears).not.toHaveBeenCalled();
      // A value above the y range: a full redraw with a new y scale.
      const yMax = u.scales.y.max!;
      append((s, r) => (s === 0 ? yMax * 2 : spec.series[s].values[r - 1]));
      expect(clears).toHaveBeenCalledTimes(1);
      expect(u.scales.y.max).toBeGreaterThan(yMax * 2);
      // A sample past the x scale's end: a full redraw, the scale a step further.
      while (x[x.length - 1] <= xMax) append((s, r) => spec.series[s].values[r - 1]);
      expect(clears).toHaveBeenCalledTimes(2);
      expect(u.scales.x.max).toBe(followMax(x[0], x[x.length - 1], null));
      // A null (no value) or a stats gap draws no segment.
      lines.mockClear();
      append(() => null);
      expect(lines).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('liveAxisEnd (the live x axis of charts and the candidate-pair timeline)', () => {
  it('runs a headroom of a quarter of the span up to 20 s (at least 2 s), then an eighth, and keeps it until passed', () => {
    // Seconds (charts).
    expect(liveAxisEnd(100, 101, null, 1)).toBe(103); // 1 s of data: the 2 s minimum
    expect(liveAxisEnd(100, 140, null, 1)).toBe(150); // 40 s of data: a quarter, 10 s
    expect(liveAxisEnd(100, 220, null, 1)).toBe(240); // 2 minutes: 20 s (a quarter would be 30)
    expect(liveAxisEnd(100, 900, null, 1)).toBe(1000); // 800 s of data: an eighth, 100 s
    expect(liveAxisEnd(100, 125, 130, 1)).toBe(130); // not passed yet: the axis stays
    expect(liveAxisEnd(100, 131, 130, 1)).toBe(138.75); // passed: a new end
    expect(liveAxisEnd(100, 105, 140, 1)).toBe(107); // an end further than the headroom (a new view) is not kept
    expect(followMax(100, 140, null)).toBe(150);
    // Milliseconds (the timeline).
    expect(liveAxisEnd(0, 40_000, null, 1000)).toBe(50_000);
    expect(timelineEnd(0, 800_000, null)).toBe(900_000);
  });
});
