/**
 * One uPlot chart, kept outside Preact's diff: created on mount (and when its set of series changes), destroyed on
 * unmount, resized by a ResizeObserver, and fed by the shared frame loop (components/charts/frame-loop.ts): new
 * samples only mark it dirty; it redraws in the next animation frame if it is on screen.
 *
 * Interaction (all charts of a connection share the cursor and the x window, see ChartGroup):
 * - drag across the plot: zoom to that time range;
 * - shift + drag, or shift + wheel / horizontal wheel: pan (while zoomed);
 * - ctrl (⌘) + wheel: zoom in/out around the pointer;
 * - double-click, the "Reset zoom" button, or Escape / 0 on the focused chart: back to following the live data;
 * - keyboard on the focused chart: + / − zoom, ← / → pan.
 * While zoomed, appended samples never move the window; while not zoomed the view spans all data and follows it.
 * The legend shows, per series, the value under the cursor (or the latest value) with its unit.
 */
import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { ChartSpec, ChartValue } from '../../lib/model/chart-series';
import { ChartGroup, type XView } from './chart-group';
import { Decimator } from './decimate';
import { sharedFrameLoop, type FrameHandle, type FrameLoop } from './frame-loop';
import { timeAxisValues } from './time-axis';
import { finalAxisEnd, LIVE_VALUES_INTERVAL_MS, liveAxisEnd, liveStep } from '../connection/use-feed-version';
import 'uplot/dist/uPlot.min.css';
import './charts.css';

export interface TimeSeriesChartProps {
  spec: ChartSpec;
  /** The shared x column (epoch seconds), aligned with every series' values. */
  x: number[];
  /** Rows with a stats gap before them (no line is drawn across). */
  gapRows?: number[];
  /** The connection's group (shared cursor and window); a chart on its own gets a private one. */
  group?: ChartGroup;
  loop?: FrameLoop;
  /** Plot height in CSS px (legend excluded). */
  height?: number;
  /** Shows a remove button (extra field charts). */
  onRemove?: () => void;
}

const instances = new WeakMap<Element, uPlot>();

let themeEpoch = 0;
const themeListeners = new Set<() => void>();

/**
 * Charts read their colours from the theme's CSS custom properties (--fg, --muted, --border, --accent, --good,
 * --warn, --bad) when created; call this after the theme changed (the app's light/dark switch) so every chart
 * reads them again and redraws. A change of the system colour scheme does it by itself.
 */
export function refreshChartTheme(): void {
  themeEpoch++;
  for (const listener of themeListeners) listener();
}

if (typeof matchMedia === 'function') {
  matchMedia('(prefers-color-scheme: dark)').addEventListener?.('change', refreshChartTheme);
}

/** The uPlot instance drawn inside a chart's element (`[data-chart-id]`), for tests and benchmarks. */
export function uplotOf(element: Element): uPlot | undefined {
  const plot = element.matches('.ts-chart__plot') ? element : element.querySelector('.ts-chart__plot');
  return plot ? instances.get(plot) : undefined;
}

/** What the keys do on a focused chart (onKeyDown), said where the mouse gestures are said. */
export const CHART_KEYS = 'Keys: + and − zoom, ← and → pan, 0 or Escape back to the whole call.';

export function TimeSeriesChart(props: TimeSeriesChartProps) {
  const { spec, x, onRemove } = props;
  const plotRef = useRef<HTMLDivElement>(null);
  const ownGroup = useMemo(() => (props.group ? null : new ChartGroup(`chart-${spec.id}-${Math.random()}`, () => extentOf(x))), [props.group, spec.id, x]);
  const group = props.group ?? ownGroup!;
  const latest = useRef(props);
  latest.current = props;

  // Created right after the render, before the browser paints (useEffect would wait a frame): the chart then
  // draws in the very next animation frame.
  useLayoutEffect(() => {
    const el = plotRef.current!;
    const controller = new ChartController(el, spec, x, () => latest.current.gapRows ?? [], group, props.loop ?? sharedFrameLoop(), props.height ?? 150);
    return () => controller.destroy();
    // Recreated when the series set changes (signature) or the model was rebuilt (new spec / x arrays).
  }, [spec, spec.signature, x, group, props.loop, props.height]);

  const onKeyDown = (e: KeyboardEvent) => {
    const extent = group.extent();
    if (!extent) return;
    const view = group.view ?? { min: extent[0], max: extent[1] };
    const width = view.max - view.min;
    let handled = true;
    if (e.key === 'Escape' || e.key === '0') group.setView(null);
    else if (e.key === '+' || e.key === '=') group.zoom(0.5, (view.min + view.max) / 2);
    else if (e.key === '-') group.zoom(2, (view.min + view.max) / 2);
    else if (e.key === 'ArrowLeft') group.pan(-width / 5);
    else if (e.key === 'ArrowRight') group.pan(width / 5);
    else handled = false;
    if (handled) e.preventDefault();
  };

  const unit = spec.unit ? ` (${spec.unit})` : '';
  return (
    <figure
      class={`ts-chart ts-chart--${spec.kind}`}
      data-chart-id={spec.id}
      tabIndex={0}
      aria-label={`${spec.title}${unit}`}
      aria-keyshortcuts="+ - ArrowLeft ArrowRight 0 Escape"
      aria-description={CHART_KEYS}
      title={`Drag to zoom · shift+drag or shift+wheel to pan · ctrl+wheel to zoom · double-click to reset. ${CHART_KEYS}`}
      onKeyDown={onKeyDown}
    >
      <figcaption class="ts-chart__head">
        <span class="ts-chart__title">{spec.title}</span>
        {spec.unit ? <span class="ts-chart__unit">{spec.unit}</span> : null}
        {onRemove ? (
          <button
            type="button"
            class="ts-chart__remove"
            aria-label={`Remove chart ${spec.title}`}
            title="Remove this chart"
            onClick={(e) => {
              // The chart goes away with its button: the focus goes to the chart before it (else after), not to <body>.
              const figure = e.currentTarget.closest('figure');
              const next = (figure?.previousElementSibling ?? figure?.nextElementSibling) as HTMLElement | null;
              onRemove();
              next?.focus();
            }}
          >
            ×
          </button>
        ) : null}
      </figcaption>
      {spec.series.length === 0 ? <p class="ts-chart__empty">No samples of this field yet.</p> : null}
      <div class="ts-chart__plot" ref={plotRef} role="img" aria-label={`${spec.title} chart: ${spec.series.map((s) => s.label).join(', ')}`} />
      {spec.kind === 'bands' && spec.categories ? (
        <ul class="ts-chart__key" aria-label="Reasons">
          {spec.categories.map((c) => (
            <li key={c}>
              <span class={`ts-chart__swatch ts-chart__swatch--${c}`} aria-hidden="true" />
              {c}
            </li>
          ))}
        </ul>
      ) : null}
    </figure>
  );
}

/**
 * uPlot shows or hides a series on a click of its legend label, which a keyboard cannot reach. Each series' label
 * (not the time row's) becomes a focusable toggle button: Enter or Space clicks it, and `aria-pressed` says whether
 * the series is drawn.
 */
function makeLegendTogglesKeyboardReachable(el: HTMLElement, u: uPlot): void {
  el.querySelectorAll<HTMLElement>('.u-legend .u-series').forEach((row, sidx) => {
    const label = row.querySelector<HTMLElement>('th');
    if (!label) return;
    // Its name is the series' label: uPlot's CSS adds a ':' after it, which Chromium put in the name ("audio out 0 :").
    const text = u.series[sidx]?.label;
    if (typeof text === 'string' && text !== '') label.setAttribute('aria-label', text);
    if (sidx === 0) return;
    label.tabIndex = 0;
    label.setAttribute('role', 'button');
    label.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      label.click();
    });
    syncLegendPressed(u, sidx);
  });
}

function syncLegendPressed(u: uPlot, sidx: number | null): void {
  if (sidx === null || sidx === 0) return;
  const label = u.root.querySelectorAll<HTMLElement>('.u-legend .u-series')[sidx]?.querySelector('th');
  label?.setAttribute('aria-pressed', String(u.series[sidx]?.show !== false));
}

/**
 * Gives each legend value a fixed width (in `ch` of its monospace font) and size containment (charts.css): the
 * values change with live samples, and a fixed box keeps a new value from resizing the legend, the chart and the
 * page around it. The widths fit the longest usual value (longer ones overflow).
 */
function sizeLegendValues(el: HTMLElement, spec: ChartSpec): void {
  const cells = el.querySelectorAll<HTMLElement>('.u-legend .u-value');
  const valueChars =
    spec.kind === 'bands' ? Math.max(5, ...(spec.categories ?? []).map((c) => c.length)) + 1 : spec.id === 'resolution' ? 13 : 11 + (spec.unit ? spec.unit.length + 1 : 0);
  cells.forEach((cell, i) => {
    // Index 0 is the time: "+1,234.567 s (07:27:37 AM)".
    cell.style.width = `calc(${i === 0 ? 27 : valueChars}ch + 8px)`; // + the padding (border-box)
  });
}

/**
 * The width for a new chart's plot. Charts of one grid have equal columns: reading the width forces a layout, and
 * each chart created inserts uPlot's DOM, so a read per chart would lay the page out again for each of them
 * (eleven layouts when a connection opens). The first chart of a grid reads it; the others created in the same task
 * reuse it (a wrong guess is corrected by the ResizeObserver).
 */
const gridWidths = new WeakMap<Element, number>();
function plotWidthOf(el: HTMLElement): number {
  const grid = el.closest('.conn-charts__grid');
  const cached = grid ? gridWidths.get(grid) : undefined;
  if (cached !== undefined) return cached;
  const width = el.clientWidth || el.parentElement?.clientWidth || 400;
  if (grid) {
    gridWidths.set(grid, width);
    queueMicrotask(() => gridWidths.delete(grid));
  }
  return width;
}

function extentOf(x: number[]): [number, number] | null {
  return x.length > 0 ? [x[0], x[x.length - 1]] : null;
}

interface Theme {
  fg: string;
  muted: string;
  border: string;
  accent: string;
  good: string;
  warn: string;
  bad: string;
  font: string;
}

/**
 * The theme read for the charts created in one task: each chart created inserts uPlot's DOM, so a read per chart
 * would recompute the page's styles for each of them (eleven when a connection opens). Their colours come from the
 * app's custom properties, the same for every chart of a grid; a theme change reads them again (refreshChartTheme).
 */
const taskThemes = new WeakMap<Element, Theme>();
function readCreationTheme(el: HTMLElement): Theme {
  const grid = el.closest('.conn-charts__grid');
  const cached = grid ? taskThemes.get(grid) : undefined;
  if (cached !== undefined) return cached;
  const theme = readTheme(el);
  if (grid) {
    taskThemes.set(grid, theme);
    queueMicrotask(() => taskThemes.delete(grid));
  }
  return theme;
}

function readTheme(el: Element): Theme {
  const style = typeof getComputedStyle === 'function' ? getComputedStyle(el) : null;
  const v = (name: string, fallback: string): string => style?.getPropertyValue(name).trim() || fallback;
  return {
    fg: v('--fg', '#202124'),
    muted: v('--muted', '#5f6368'),
    border: v('--border', '#dadce0'),
    accent: v('--accent', '#1a73e8'),
    good: v('--good', '#188038'),
    warn: v('--warn', '#e37400'),
    bad: v('--bad', '#d93025'),
    font: '11px system-ui, sans-serif',
  };
}

/**
 * Live appends refresh the legend's latest values when the newest sample enters a new step of this much sample time
 * (full redraws and the cursor at once): the same steps as the latest-value views (useFeedVersion), so legends and
 * views change in the same frame and the frames between only draw onto the canvases.
 */
export const LEGEND_REFRESH_MS = LIVE_VALUES_INTERVAL_MS;

/** Series colours after the theme's accent: distinguishable on light and dark backgrounds. */
const PALETTE = ['#e8710a', '#12b5cb', '#d01884', '#7cb342', '#9334e6', '#f9ab00', '#795548', '#5c6bc0', '#00897b', '#c2185b'];

// Formatters are built once: Number#toLocaleString with options builds a new Intl.NumberFormat on every call,
// which was most of a redraw's cost (legend values and axis ticks are formatted on every draw).
const numberFormats = new Map<number, Intl.NumberFormat>();
function formatNumber(v: number, decimals: number): string {
  let format = numberFormats.get(decimals);
  if (!format) numberFormats.set(decimals, (format = new Intl.NumberFormat('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: 0 })));
  return format.format(v);
}
let clockFormat: Intl.DateTimeFormat | null = null;
function formatClock(epochSeconds: number): string {
  clockFormat ??= new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return clockFormat.format(epochSeconds * 1000);
}

/** The latest non-null value within the last few rows (a stream that stopped long ago shows none). */
function latestIndex(values: ArrayLike<ChartValue | undefined>, length: number): number | null {
  for (let i = length - 1, stop = Math.max(0, length - 10); i >= stop; i--) if (values[i] != null) return i;
  return null;
}

class ChartController {
  private u: uPlot;
  private handle: FrameHandle;
  private leave: () => void;
  private resize: ResizeObserver | null = null;
  private data: uPlot.AlignedData;
  private removeWheel: () => void;
  private panStop: (() => void) | null = null;
  private theme: Theme;
  private epoch = themeEpoch;
  /** Whole-history views draw min/max buckets (see decimate.ts); zoomed views draw the raw rows in the window. */
  private decimator: Decimator | null;
  private decimated: uPlot.AlignedData | null = null;
  private drawnDecimated = false;
  /** What the canvas shows: appended rows can be drawn onto it while this still holds (see draw()). */
  private drawn: { rows: number; lastX: number; view: XView | null; live: boolean; bucketRows: number; width: number; height: number } | null = null;
  /** The step of sample time (liveStep) of the newest sample when the legend's latest values were last written. */
  private legendStep: number | null = null;
  /** The legend's value cells, per series (x first). */
  private legendCells: HTMLElement[] | null = null;
  private onTheme = () => this.handle.markDirty();

  constructor(
    private el: HTMLElement,
    private spec: ChartSpec,
    private x: number[],
    private gapRows: () => number[],
    private group: ChartGroup,
    loop: FrameLoop,
    height: number,
  ) {
    this.theme = readCreationTheme(el);
    this.data = [x, ...spec.series.map((s) => s.values)] as uPlot.AlignedData;
    this.decimator = spec.kind === 'bands' ? null : new Decimator(x, spec.series.map((s) => s.values));
    const width = plotWidthOf(el);
    const empty = [[], ...spec.series.map(() => [])] as unknown as uPlot.AlignedData;
    this.u = new uPlot(this.options(width, height), empty, el);
    instances.set(el, this.u);
    sizeLegendValues(el, spec);
    makeLegendTogglesKeyboardReachable(el, this.u);
    this.handle = loop.register(el, () => this.draw());
    drawWhenCreated(this);
    this.leave = group.join(this.handle);
    themeListeners.add(this.onTheme);

    const over = this.u.over;
    const onWheel = (e: WheelEvent) => this.onWheel(e);
    over.addEventListener('wheel', onWheel, { passive: false });
    this.removeWheel = () => over.removeEventListener('wheel', onWheel);

    if (typeof ResizeObserver === 'function') {
      this.resize = new ResizeObserver(() => {
        const w = el.clientWidth;
        if (w > 0 && w !== this.u.width) this.u.batch(() => this.u.setSize({ width: w, height }));
      });
      this.resize.observe(el);
    }
  }

  private options(width: number, height: number): uPlot.Options {
    const { spec, group } = this;
    const bands = spec.kind === 'bands';
    const font = this.theme.font;
    // Colours as functions: a theme change only needs a redraw.
    const axis = (extra: Partial<uPlot.Axis>): uPlot.Axis => ({
      stroke: () => this.theme.muted,
      font,
      labelFont: font,
      grid: { stroke: () => this.theme.border, width: 1 },
      ticks: { stroke: () => this.theme.border, width: 1, size: 4 },
      ...extra,
    });
    const series: uPlot.Series[] = [
      {
        label: 'time',
        // Under the cursor, that sample's time; elsewhere the legend shows the latest values and says so. Not the
        // latest sample's time: that text changed with every step in every chart, and each changed legend cell is a
        // relayout and repaint of a live panel (measured on a live 4-PC panel, alternated A/B, 3 × 30 s: main-thread
        // CPU 8.0 → 7.0 ms/s). The latest sample's time shows above the stats table.
        value: (u, _v, _s, idx) => {
          if (idx == null) return 'latest';
          const t = u.data[0][idx];
          if (t == null) return '—';
          const origin = group.origin ?? u.data[0][0];
          return `+${formatNumber(t - origin, 3)} s (${formatClock(t)})`;
        },
      },
      ...spec.series.map((s, i): uPlot.Series => ({
        label: s.label,
        stroke: () => this.strokeOf(i),
        width: 1.5,
        spanGaps: false,
        points: { show: false },
        gaps: (u, _sidx, idx0, idx1, nullGaps) => this.refineGaps(u, idx0, idx1, nullGaps),
        ...(bands ? { paths: () => null } : {}),
        value: (u, _v, sidx, idx) => this.legendValue(u, sidx, idx),
      })),
    ];
    const opts: uPlot.Options = {
      width,
      height,
      class: 'ts-chart__uplot',
      series,
      legend: { live: true },
      scales: {
        x: { time: true },
        y: bands
          ? { range: [0, Math.max(1, spec.series.length)] }
          : {
              range: (_u, min, max) => {
                let lo = min ?? 0;
                let hi = max ?? 1;
                if (spec.yMin !== undefined) lo = Math.min(lo, spec.yMin);
                if (hi <= lo) hi = lo + 1;
                else hi += (hi - lo) * 0.08;
                if (spec.yMax !== undefined && hi > spec.yMax && (max ?? 0) <= spec.yMax) hi = spec.yMax;
                return [lo, hi];
              },
            },
      },
      axes: [
        // One line of labels (time-axis.ts): 30 px, not uPlot's 50 for a time axis' two lines.
        axis({ size: 30, values: (_u, splits, _axis, _space, incr) => timeAxisValues(splits, incr) }),
        // The bands chart has no y values, but an axis as wide as the others' (its label line and 56 px) all the
        // same: without one its plot started further left, and its time ticks and the shared cursor did not line up
        // with the charts above it.
        bands
          ? axis({ label: '', size: 56, labelSize: 14, values: (_u, splits) => splits.map(() => ''), grid: { show: false }, ticks: { show: false } })
          : axis({ label: spec.yLabel, size: 56, labelSize: 14, values: (_u, splits) => splits.map((v) => formatNumber(v, spec.decimals)) }),
      ],
      cursor: {
        sync: {
          key: group.syncKey,
          setSeries: false,
          // Share the cursor only: zoom and pan go through the group (so live updates keep the window).
          filters: { pub: (type) => type !== 'mousedown' && type !== 'mouseup' && type !== 'dblclick' },
        },
        drag: { x: true, y: false, setScale: false },
        points: { show: !bands },
        bind: {
          mousedown: (_u, _targ, handler) => (e) => {
            if (e.shiftKey && e.button === 0) {
              this.startPan(e);
              return null;
            }
            return handler(e);
          },
          dblclick: () => () => {
            group.setView(null);
            return null;
          },
        },
      },
      hooks: {
        setSeries: [(u, sidx) => syncLegendPressed(u, sidx)],
        setSelect: [
          (u) => {
            const { left, width: w } = u.select;
            if (w > 2) group.setView({ min: u.posToVal(left, 'x'), max: u.posToVal(left + w, 'x') });
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        ...(bands ? { draw: [(u: uPlot) => this.drawBands(u, this.theme)] } : {}),
      },
    };
    return opts;
  }

  private legendValue(u: uPlot, sidx: number, idx: number | null | undefined): string {
    const values = u.data[sidx] as ArrayLike<ChartValue | undefined>;
    const i = idx ?? latestIndex(values, values.length);
    if (i == null) return '—';
    const v = values[i];
    if (v == null) return '—';
    const spec = this.spec;
    if (spec.kind === 'bands') return spec.categories?.[v] ?? String(v);
    if (spec.id === 'resolution') {
      const row = this.drawnDecimated && this.decimator ? this.decimator.rowOf(i) : i;
      const w = spec.series[sidx - 1]?.aux?.[row];
      return w != null ? `${w}×${v}` : `${v} px high`;
    }
    const text = formatNumber(v, spec.decimals);
    return spec.unit ? `${text} ${spec.unit}` : text;
  }

  /**
   * What `u.setLegend({})` does (each series' value at the legend's current index: the cursor's, else the latest),
   * but writing only the cells whose text changed: a stream's value is often the same as two seconds ago, and the
   * time cell is the only one that always changes.
   */
  private refreshLegend(): void {
    const u = this.u;
    const cells = (this.legendCells ??= Array.from(this.el.querySelectorAll<HTMLElement>('.u-legend .u-value')));
    const idxs = u.legend.idxs;
    const values = u.legend.values;
    if (!idxs || !values || cells.length !== u.series.length) {
      u.setLegend({});
      return;
    }
    for (let s = 0; s < u.series.length; s++) {
      const series = u.series[s];
      const idx = idxs[s];
      const src = u.data[s];
      const value = series.value as unknown as (u: uPlot, v: unknown, sidx: number, idx: number | null | undefined) => string | null;
      const raw = value(u, idx == null ? null : src[idx], s, idx);
      if (raw == null) {
        values[s] = {} as (typeof values)[number]; // as uPlot: the cell keeps its text
        continue;
      }
      const text = String(raw);
      values[s] = { _: text } as (typeof values)[number];
      const node = cells[s].firstChild;
      if (node && node.nodeValue !== text) node.nodeValue = text;
    }
  }

  /** Adds a gap (no line) across every stats gap, merged with uPlot's own null gaps, sorted as uPlot expects. */
  private refineGaps(u: uPlot, idx0: number, idx1: number, nullGaps: uPlot.Series.Gaps): uPlot.Series.Gaps {
    const rows = this.gapRows();
    if (rows.length === 0) return nullGaps;
    // Gap rows index the raw x column (the drawn one may be decimated): compare times.
    const xs = this.x;
    const from = u.data[0][idx0];
    const to = u.data[0][idx1];
    const all = nullGaps.slice();
    for (const r of rows) {
      if (xs[r] <= from || xs[r - 1] >= to) continue;
      all.push([Math.round(u.valToPos(xs[r - 1], 'x', true)), Math.round(u.valToPos(xs[r], 'x', true))]);
    }
    if (all.length === nullGaps.length) return nullGaps;
    all.sort((a, b) => a[0] - b[0]);
    const merged: uPlot.Series.Gaps = [];
    for (const g of all) {
      const last = merged[merged.length - 1];
      if (last && g[0] <= last[1]) last[1] = Math.max(last[1], g[1]);
      else merged.push([g[0], g[1]]);
    }
    return merged;
  }

  /** Quality-limitation lanes: one per stream, coloured by reason over time, labelled with the stream. */
  private drawBands(u: uPlot, theme: Theme): void {
    const spec = this.spec;
    const xs = u.data[0];
    const n = xs.length;
    const lanes = spec.series.length;
    if (n === 0 || lanes === 0) return;
    const { left, top, width, height } = u.bbox;
    const laneHeight = height / lanes;
    const colours = [theme.good, theme.warn, theme.bad, theme.muted];
    const min = u.scales.x.min ?? xs[0];
    const max = u.scales.x.max ?? xs[n - 1];
    const gapRows = this.gapRows();
    let i0 = lowerBound(xs, min) - 1;
    if (i0 < 0) i0 = 0;
    const i1 = Math.min(n - 1, lowerBound(xs, max));
    const firstGap = lowerBound(gapRows, i0 + 1);
    const ctx = u.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    for (let lane = 0; lane < lanes; lane++) {
      const values = u.data[lane + 1] as ArrayLike<ChartValue | undefined>;
      const y = top + lane * laneHeight;
      let runStart = -1;
      let runValue: ChartValue | undefined = null;
      let nextGap = firstGap;
      const flush = (end: number) => {
        if (runStart < 0 || runValue == null || end <= runStart) return;
        const a = u.valToPos(xs[runStart], 'x', true);
        const b = u.valToPos(xs[end], 'x', true);
        ctx.globalAlpha = runValue === 0 ? 0.25 : 0.8;
        ctx.fillStyle = colours[runValue] ?? theme.muted;
        ctx.fillRect(a, y + 1, Math.max(1, b - a), laneHeight - 2);
      };
      for (let i = i0; i <= i1; i++) {
        const v = values[i] ?? null;
        // A sample's reason lasts until the next sample, but not across a stats gap.
        const gap = nextGap < gapRows.length && gapRows[nextGap] === i;
        if (gap) nextGap++;
        if (v !== runValue || gap) {
          flush(gap ? i - 1 : i);
          runStart = i;
          runValue = v;
        }
      }
      flush(i1);
      ctx.globalAlpha = 1;
      ctx.fillStyle = theme.fg;
      ctx.font = `${Math.round(10 * (uPlot.pxRatio || 1))}px system-ui, sans-serif`;
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'left';
      ctx.fillText(spec.series[lane].label, left + 4, y + laneHeight / 2);
    }
    ctx.restore();
  }

  private onWheel(e: WheelEvent): void {
    const u = this.u;
    const rect = u.over.getBoundingClientRect();
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      this.group.zoom(e.deltaY > 0 ? 1.25 : 0.8, u.posToVal(e.clientX - rect.left, 'x'));
      return;
    }
    const horizontal = e.shiftKey ? e.deltaY || e.deltaX : Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : 0;
    if (!horizontal || !this.group.zoomed) return;
    e.preventDefault();
    const view = this.group.view!;
    this.group.pan((horizontal / Math.max(1, rect.width)) * (view.max - view.min));
  }

  private startPan(e: MouseEvent): void {
    const view = this.group.view;
    if (!view) return;
    const startX = e.clientX;
    const plotWidth = Math.max(1, this.u.over.getBoundingClientRect().width);
    const start = view;
    const doc = this.el.ownerDocument;
    const move = (m: MouseEvent) => {
      const seconds = ((startX - m.clientX) / plotWidth) * (start.max - start.min);
      const extent = this.group.extent();
      if (!extent) return;
      const width = start.max - start.min;
      const min = Math.max(extent[0], Math.min(start.min + seconds, extent[1] - width));
      this.group.setView({ min, max: min + width });
    };
    const up = () => this.panStop?.();
    doc.addEventListener('mousemove', move);
    doc.addEventListener('mouseup', up);
    this.panStop = () => {
      doc.removeEventListener('mousemove', move);
      doc.removeEventListener('mouseup', up);
      this.panStop = null;
    };
  }

  /**
   * Called by the frame loop when dirty and visible: hands uPlot the grown columns and the group's window.
   *
   * Most seconds of a live call only append a sample inside what the canvas already shows: the x scale runs ahead
   * of the newest sample (see {@link followMax}) and the y scale has headroom. Then only the new segments are drawn
   * onto the canvas (a few lineTo per series) and uPlot gets the data without redrawing, instead of a full redraw
   * (clear, grid, axes, every series: most of a chart's cost). Anything else (the x scale must move, a value leaves
   * the y range, the decimation changed, a new view, size or theme) redraws it all.
   */
  draw(): void {
    const u = this.u;
    const view = this.group.view;
    let full = false;
    if (this.epoch !== themeEpoch) {
      this.epoch = themeEpoch;
      this.theme = readTheme(this.el);
      full = true;
      this.restyleLegendMarkers(u);
    }
    let data = this.data;
    let bucketRows = 0;
    if (view === null && this.decimator) {
      const plotWidth = u.bbox.width / (uPlot.pxRatio || 1);
      const decimated = this.decimator.update(plotWidth > 0 ? plotWidth : 400);
      if (decimated) data = this.decimated ??= [decimated.x, ...decimated.ys] as uPlot.AlignedData;
      bucketRows = this.decimator.bucketRows;
    }
    const xs = this.x;
    const n = xs.length;
    const drawn = this.drawn;
    const live = this.group.live;
    if (
      !full &&
      drawn !== null &&
      drawn.view === view &&
      drawn.live === live &&
      drawn.bucketRows === bucketRows &&
      drawn.width === u.bbox.width &&
      drawn.height === u.bbox.height &&
      drawn.rows > 0 &&
      n >= drawn.rows &&
      xs[drawn.rows - 1] === drawn.lastX &&
      this.drawAppended(drawn.rows, n)
    ) {
      // The canvas is up to date: uPlot only needs the longer data (cursor, legend), without a redraw. The legend's
      // latest values (shown while the pointer is elsewhere) follow every LEGEND_REFRESH_MS of sample time, with the
      // latest-value views: rewriting eleven legends every second was a quarter of a live panel's main-thread time
      // (relayout and repaint of each legend), and any frame that changes the DOM costs a style, layout and paint of
      // the page; the newest samples show in the plot within the second, and under the cursor.
      u.setData(data, false);
      const step = liveStep(xs[n - 1] * 1000, LEGEND_REFRESH_MS);
      if (step !== this.legendStep) {
        this.legendStep = step;
        this.refreshLegend();
      }
    } else {
      this.drawnDecimated = data !== this.data;
      u.batch(() => {
        if (view !== null) {
          u.setData(data, false);
          u.setScale('x', { min: view.min, max: view.max });
          u.setLegend({});
        } else if (n >= 1) {
          // Following live data, from the first sample on: uPlot's own range for a single x value lies far to its
          // right (a time scale ranged around one value), and appended samples would then be drawn off the canvas.
          // A PC that can get no more samples shows them all, up to the last one: no headroom left empty.
          u.setData(data, false);
          u.setScale('x', { min: xs[0], max: live ? this.group.liveEnd(xs[0], xs[n - 1]) : finalAxisEnd(xs[0], xs[n - 1], 1) });
          u.setLegend({});
        } else {
          u.setData(data, true);
        }
      });
      // A full redraw wrote the legend: its values are those of the newest sample's step.
      this.legendStep = n > 0 ? liveStep(xs[n - 1] * 1000, LEGEND_REFRESH_MS) : null;
      // The drawn x window (epoch s), for end-to-end tests: the newest sample must lie inside it. Appends drawn onto
      // the canvas keep the scales, so only a full redraw writes these.
      this.el.dataset.xMin = String(u.scales.x.min ?? '');
      this.el.dataset.xMax = String(u.scales.x.max ?? '');
    }
    this.drawn = n > 0 ? { rows: n, lastX: xs[n - 1], view, live, bucketRows, width: u.bbox.width, height: u.bbox.height } : null;
    // The newest x drawn (epoch s), for end-to-end tests and benchmarks that check the chart keeps up.
    this.el.dataset.lastX = n > 0 ? String(xs[n - 1]) : '';
  }

  /**
   * Draws rows `from` … `to - 1` (and the segment into `from`) onto the canvas as uPlot would, if they fit the
   * current scales; false (nothing drawn) when they do not and the chart needs a full redraw.
   */
  private drawAppended(from: number, to: number): boolean {
    if (to === from) return true;
    const u = this.u;
    const xs = this.x;
    const sx = u.scales.x;
    const sy = u.scales.y;
    if (sx.min == null || sx.max == null || sy.min == null || sy.max == null) return false;
    const xMax = sx.max;
    const following = this.group.view === null;
    const spec = this.spec;
    const bands = spec.kind === 'bands';
    const series = spec.series;
    // Rows whose segment (from the row before) reaches into the visible window; a live view must contain them all.
    let last = to - 1;
    while (last >= from && xs[last - 1] >= xMax) last--;
    // Following live data the x scale runs from the first sample to the group's end, a step past the newest (see
    // draw()); a scale that is not that one (whoever set it, or the group's end stepped on when another chart of the
    // connection drew newer rows) gets the full redraw that sets it. A PC that can get no more samples ends its
    // scale at the last one, so a sample that still comes (one in flight at the close) moves it.
    if (following && (!this.group.live || xs[to - 1] > xMax || sx.min !== xs[0] || xMax !== this.group.liveEnd(xs[0], xs[to - 1]))) return false;
    if (last < from) return true; // all beyond a zoomed window: nothing visible changes
    if (!bands) {
      for (let s = 0; s < series.length; s++) {
        const values = series[s].values;
        for (let r = from - 1; r <= last; r++) {
          const v = values[r];
          if (v != null && (v < sy.min || v > sy.max)) return false;
        }
      }
    }
    const gapRows = this.gapRows();
    const gapAt = (r: number): boolean => {
      // gapRows is ascending and the new rows are at its end.
      for (let i = gapRows.length - 1; i >= 0 && gapRows[i] >= r; i--) if (gapRows[i] === r) return true;
      return false;
    };
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const px = (r: number) => Math.round(u.valToPos(xs[r], 'x', true));
    if (bands) {
      const lanes = series.length;
      const laneHeight = height / lanes;
      // The lane labels sit at the left: segments reaching them need the full redraw that draws labels on top.
      if (px(from - 1) < left + 120) return false;
      const colours = [this.theme.good, this.theme.warn, this.theme.bad, this.theme.muted];
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, width, height);
      ctx.clip();
      for (let lane = 0; lane < lanes; lane++) {
        const values = series[lane].values;
        const y = top + lane * laneHeight;
        for (let r = from; r <= last; r++) {
          const v = values[r - 1];
          if (v == null || gapAt(r)) continue;
          const a = px(r - 1);
          const b = px(r);
          ctx.globalAlpha = v === 0 ? 0.25 : 0.8;
          ctx.fillStyle = colours[v] ?? this.theme.muted;
          ctx.fillRect(a, y + 1, Math.max(1, b - a), laneHeight - 2);
        }
      }
      ctx.restore();
      return true;
    }
    const ratio = uPlot.pxRatio || 1;
    const lineWidth = Math.round(1.5 * ratio * 1000) / 1000;
    const offset = (lineWidth % 2) / 2;
    ctx.save();
    ctx.beginPath();
    // uPlot's own clip for a series' line: the plot area grown by half the line's width, so a line at the scale's
    // minimum or maximum (a loss of 0 %, packets/s at 0 after a pause) shows whole. Clipped to the plot area itself it
    // lost half its width at the edge and read as a line that had stopped (QA).
    ctx.rect(left - lineWidth / 2 + offset, top - lineWidth / 2 + offset, width + lineWidth, height + lineWidth);
    ctx.clip();
    for (let s = 0; s < series.length; s++) {
      const opts = u.series[s + 1];
      if (opts && opts.show === false) continue;
      const values = series[s].values;
      ctx.beginPath();
      let pen = false;
      for (let r = from; r <= last; r++) {
        const a = values[r - 1];
        const b = values[r];
        if (a == null || b == null || gapAt(r)) {
          pen = false;
          continue;
        }
        if (!pen) ctx.moveTo(px(r - 1) + offset, Math.round(u.valToPos(a, 'y', true)) + offset);
        ctx.lineTo(px(r) + offset, Math.round(u.valToPos(b, 'y', true)) + offset);
        pen = true;
      }
      ctx.lineWidth = lineWidth;
      ctx.lineJoin = 'round';
      ctx.lineCap = 'butt';
      ctx.setLineDash([]);
      ctx.strokeStyle = this.strokeOf(s);
      ctx.stroke();
    }
    ctx.restore();
    return true;
  }

  /**
   * uPlot styles each legend marker with its series' stroke once, when the legend is made: after a theme change the
   * series whose colour comes from the theme (the first, the theme's accent) drew in the new colour beside a marker
   * in the old one.
   */
  private restyleLegendMarkers(u: uPlot): void {
    const rows = u.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
    for (let sidx = 1; sidx < rows.length; sidx++) {
      const marker = rows[sidx].querySelector<HTMLElement>('.u-marker');
      if (marker && marker.style.borderColor) marker.style.borderColor = this.strokeOf(sidx - 1);
    }
  }

  /** The line colour of series `index` (0: the first after x): its stream's colour (ChartSeries.color). */
  private strokeOf(index: number): string {
    if (this.spec.kind === 'bands') return this.theme.muted;
    const color = this.spec.series[index]?.color ?? index;
    return color === 0 ? this.theme.accent : PALETTE[(color - 1) % PALETTE.length];
  }

  /** On screen (or within the frame loop's 100 px margin) and laid out. Reads layout. */
  nearViewport(): boolean {
    if (this.destroyed) return false;
    const r = this.el.getBoundingClientRect();
    const height = this.el.ownerDocument.defaultView?.innerHeight ?? 0;
    return r.width > 0 && r.bottom >= -100 && r.top <= height + 100;
  }

  /** The first draw, in the task that created the chart (see drawWhenCreated). */
  firstDraw(): void {
    if (!this.destroyed) this.handle.flush();
  }

  private destroyed = false;

  destroy(): void {
    this.destroyed = true;
    this.panStop?.();
    this.resize?.disconnect();
    this.removeWheel();
    this.leave();
    themeListeners.delete(this.onTheme);
    this.handle.dispose();
    instances.delete(this.el);
    this.u.destroy();
  }
}

/**
 * Charts created in one task (a connection's eleven when its stats arrive) draw at the end of it, before the browser
 * renders: left to the frame loop they would wait for the IntersectionObserver's first report (a frame later) and
 * then share the loop's per-frame budget (two or three frames more, each with its own layout, paint and commit).
 * One layout for all: every position is read first, then the charts on screen draw (drawing writes the DOM); the
 * others are left to the loop, which draws them when they scroll into view.
 */
let created: ChartController[] | null = null;
function drawWhenCreated(chart: ChartController): void {
  if (created === null) {
    created = [];
    queueMicrotask(drawCreated);
  }
  created.push(chart);
}
function drawCreated(): void {
  const charts = created ?? [];
  created = null;
  // A hidden page draws nothing (the loop gets no frames either): the loop draws them once it is shown.
  if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
  const onScreen = charts.map((c) => c.nearViewport());
  charts.forEach((c, i) => {
    if (onScreen[i]) c.firstDraw();
  });
}

/** The right end of the x scale while following live data (epoch s): see liveAxisEnd. */
export function followMax(first: number, last: number, current: number | null): number {
  return liveAxisEnd(first, last, current, 1);
}

function lowerBound(xs: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
