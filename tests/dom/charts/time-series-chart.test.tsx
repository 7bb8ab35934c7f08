// @vitest-environment happy-dom
/**
 * TimeSeriesChart on its own: pan and zoom gestures (double-click, shift+drag, ctrl+wheel, keyboard), the quality
 * limitation bands, stats gaps, and the uPlot instance's life cycle.
 */
import './canvas-stub';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDefaultCharts } from '../../../lib/model/chart-series';
import { samplesToColumns } from '../../../lib/model/stats-columns';
import { ChartGroup } from '../../../components/charts/chart-group';
import { createFrameLoop, type FrameLoop } from '../../../components/charts/frame-loop';
import { refreshChartTheme, TimeSeriesChart, uplotOf } from '../../../components/charts/TimeSeriesChart';
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
  it('double-click resets a zoom; the window holds until then', () => {
    const { x, group, u } = chart('bitrate-send');
    act(() => group.setView({ min: x[10], max: x[20] }));
    loop.flushAll();
    expect([u.scales.x.min, u.scales.x.max]).toEqual([x[10], x[20]]);
    fireEvent.dblClick(u.over);
    loop.flushAll();
    expect(group.view).toBeNull();
    expect([u.scales.x.min, u.scales.x.max]).toEqual([x[0], x[59]]);
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
});
