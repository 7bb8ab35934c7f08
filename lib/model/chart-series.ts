/**
 * The live charts of one peer connection, as uPlot-ready series built from its stats columns
 * ({@link StatsColumns}): one shared x column (epoch seconds, one entry per sample) and, per chart, one value array
 * per stream aligned with it, `null` where there is no value (uPlot draws a gap).
 *
 * Formulas (shared/docs/domain.md §2.3, §3.1): rates between a sample and the sample just before it, with Δt
 * from the object's own `timestamp`, as chrome://webrtc-internals derives them (bitrate in kbit/s is its
 * `[bytesSent_in_bits/s]` / 1000); no value where the object was not in the previous sample (as in Chromium: no
 * rate averaged over an absence), Δt ≤ 0, a counter is missing or went backwards (reset), or the interval spans a
 * stats gap (a pause of at least {@link MIN_GAP_MS} and more than twice the typical poll interval, the median of
 * the last {@link GAP_MEDIAN_INTERVALS} intervals: a gap, never a spike). Packet rates are plain Δpackets/Δt (not
 * × 8, the peermetrics bug). Loss is per interval from cumulative counters (never cumulative since the start,
 * never RTCP `fractionLost`), in %, clamped to 0…100, Δlost < 0 (duplicates) counting as 0. The selected candidate
 * pair is the one candidate-pairs.ts selects (health and the connection header use it too).
 *
 * Chrome's legacy ("goog") stats are read through their standard-shaped view (standardStatsView, legacy-stats.ts): its `ssrc`,
 * `googCandidatePair` and `VideoBwe` objects appear as the standard objects they correspond to, numbers parsed from
 * their strings, so they are charted by these same formulas and gap rules; the stored columns stay as they are.
 *
 * {@link ChartModel} is incremental: after rows are appended it extends every series in O(new rows); a new stream
 * (or a field that appears later, e.g. `roundTripTime` after the first RTCP report) adds a series, which the
 * model reports as a structural change. Pure: no UI or browser API.
 */
import type { Json } from '../protocol/json';
import { selectedPairsReader } from './candidate-pairs';
import { lossFraction } from './health/metrics';
import { standardStatsView } from './legacy-stats';
import { counterRateRule, findRateRule, rateBetween, type RateRule } from './rates';
import type { StatsColumns } from './session';

type Fields = StatsColumns['objects'][string]['fields'];
export type ChartValue = number | null;

/** A stats field charted on request (the stats table's "chart this field"). */
export interface ExtraField {
  statsId: string;
  field: string;
}

export interface ChartSeries {
  /** Unique within its chart, stable across appends (`<statsId>|<metric>`). */
  key: string;
  /** Names the stream, e.g. "video out 1 (893251156)". */
  label: string;
  /** The stats object it comes from; null for the selected candidate pair (which can change over time). */
  statsId: string | null;
  /**
   * Colour, as an index into the chart palette (0: the theme's accent). One stream keeps one colour in every chart of
   * its PC (its remote-* reports take its colour too); two series of one chart never share one.
   */
  color: number;
  /** Aligned with {@link ChartModel.x}. Grown in place by appends. */
  values: ChartValue[];
  /** Resolution chart: frame width (values hold the height), aligned with values. */
  aux?: ChartValue[];
}

export interface ChartSpec {
  id: string;
  title: string;
  /** Unit of the values, shown after them ("kbit/s", "%", "ms", …); "" for unitless levels. */
  unit: string;
  yLabel: string;
  /** 'bands': values are indices into `categories`, drawn as coloured lanes (one per series). */
  kind: 'line' | 'bands';
  categories?: readonly string[];
  /** Lower bound the y axis always includes (e.g. 0 for rates); `yMax` likewise for bounded values. */
  yMin?: number;
  yMax?: number;
  /** Decimals to show in the legend. */
  decimals: number;
  series: ChartSeries[];
  /** Set for a chart of an extra field. */
  extra?: ExtraField;
  /** Changes whenever the set or order of series changes (a chart must then be recreated). */
  signature: string;
}

export interface ChartModelUpdate {
  /** Charts or series were added or removed (or everything was rebuilt): recreate the chart instances. */
  structural: boolean;
  /** First row whose values are new. */
  fromRow: number;
}

/** The quality-limitation reasons, in the order of their band values. Unknown reasons count as 'other'. */
export const QUALITY_LIMITATION_REASONS = ['none', 'cpu', 'bandwidth', 'other'] as const;

/** Default charts, in display order. */
export const DEFAULT_CHARTS: readonly Omit<ChartSpec, 'series' | 'signature'>[] = [
  { id: 'bitrate-send', title: 'Send bitrate', unit: 'kbit/s', yLabel: 'kbit/s', kind: 'line', yMin: 0, decimals: 1 },
  { id: 'bitrate-receive', title: 'Receive bitrate', unit: 'kbit/s', yLabel: 'kbit/s', kind: 'line', yMin: 0, decimals: 1 },
  { id: 'packet-rate', title: 'Packets per second', unit: 'packets/s', yLabel: 'packets/s', kind: 'line', yMin: 0, decimals: 1 },
  { id: 'packet-loss', title: 'Packet loss', unit: '%', yLabel: 'loss (%)', kind: 'line', yMin: 0, decimals: 2 },
  { id: 'jitter', title: 'Jitter', unit: 'ms', yLabel: 'ms', kind: 'line', yMin: 0, decimals: 1 },
  { id: 'rtt', title: 'Round-trip time', unit: 'ms', yLabel: 'ms', kind: 'line', yMin: 0, decimals: 1 },
  { id: 'fps', title: 'Frames per second', unit: 'fps', yLabel: 'frames/s', kind: 'line', yMin: 0, decimals: 1 },
  { id: 'resolution', title: 'Resolution', unit: 'px', yLabel: 'frame height (px)', kind: 'line', yMin: 0, decimals: 0 },
  { id: 'available-bitrate', title: 'Available bitrate', unit: 'kbit/s', yLabel: 'kbit/s', kind: 'line', yMin: 0, decimals: 1 },
  { id: 'audio-level', title: 'Audio level', unit: '', yLabel: 'RMS level (0–1)', kind: 'line', yMin: 0, yMax: 1, decimals: 3 },
  { id: 'quality-limitation', title: 'Quality limitation', unit: '', yLabel: 'reason', kind: 'bands', categories: QUALITY_LIMITATION_REASONS, decimals: 0 },
  // 3 decimals: whole bit/s, as the rates are (a channel of signalling messages sends tens of bit/s).
  { id: 'data-channel-bitrate', title: 'Data channel bitrate', unit: 'kbit/s', yLabel: 'kbit/s', kind: 'line', yMin: 0, decimals: 3 },
];

/** A pause between two samples of at least this many ms (and more than twice the poll interval) is a stats gap. */
export const MIN_GAP_MS = 5000;
/**
 * The typical poll interval is the median of this many last intervals between samples: one slow poll (or a gap)
 * does not move it, a changed poll interval does after a few samples.
 */
export const GAP_MEDIAN_INTERVALS = 9;
/** Longest data-channel label shown in a series name (characters); a longer one is cut with an ellipsis. */
const CHANNEL_LABEL_CHARS = 40;
/** A remote-inbound-rtp report older than this is no longer drawn (see whileCounting): three audio report intervals. */
export const REPORTS_STALE_MS = 15_000;

const num = (v: Json | null | undefined): ChartValue => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: Json | null | undefined): string | null => (typeof v === 'string' ? v : null);
const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const hasOwn = Object.prototype.hasOwnProperty;

/** Rows are fed to a computer in increasing order, each once, from 0 (a fresh computer per rebuild). */
type Computer = (row: number) => ChartValue;

interface Candidate {
  chartId: string;
  key: string;
  statsId: string | null;
  /** Sorts series within a chart (sends first, then receives, by mid). */
  order: string;
  /** True once the fields the series needs exist (columns are created when a field first appears). */
  ready(): boolean;
  label(): string;
  /** What the series' colour follows: the stream it is about (see {@link ChartSeries.color}). */
  colorKey(): string;
  make(): { compute: Computer; aux?: Computer };
}

interface Active {
  candidate: Candidate;
  series: ChartSeries;
  compute: Computer;
  aux?: Computer;
}

interface ChartState {
  spec: ChartSpec;
  active: Active[];
}

/**
 * Derived series of one PC, extended in place as samples arrive. Usage: `update(feed.columns(pcId), fromRow)` after
 * every append; read {@link x} and {@link charts}; recreate chart instances when `structural` is reported.
 */
export class ChartModel {
  /** Sample times in epoch seconds (uPlot's x), one per row. */
  x: number[] = [];
  /** Rows `i` with a stats gap between rows `i - 1` and `i` (draw no line across). */
  gapRows: number[] = [];
  /** Bumped on every structural change. */
  version = 0;

  /** The columns read: the PC's own, or their standard-shaped view when they hold legacy stats. */
  private columns: StatsColumns | undefined;
  private known = new Set<string>();
  private pending: Candidate[] = [];
  private states = new Map<string, ChartState>();
  private extras: ExtraField[] = [];
  private gapBefore: boolean[] = [];
  /** The last {@link GAP_MEDIAN_INTERVALS} positive intervals between samples, oldest first. */
  private recentDt: number[] = [];
  /** The selected candidate pairs of each row (one per transport without BUNDLE; see {@link extendRows}). */
  private selectedPair: string[][] = [];
  private transports: string[] = [];
  private pairs: string[] = [];
  /** Colour of each colour key given so far (see {@link ChartSeries.color}); `nextColor`: the next one not given. */
  private colors = new Map<string, number>();
  private nextColor = 0;

  constructor(options: { extraFields?: readonly ExtraField[] } = {}) {
    this.extras = dedupeExtras(options.extraFields ?? []);
  }

  /** Charts with at least one series (default charts in {@link DEFAULT_CHARTS} order), then one per extra field. */
  get charts(): ChartSpec[] {
    const out: ChartSpec[] = [];
    for (const def of DEFAULT_CHARTS) {
      const state = this.states.get(def.id);
      if (state && state.spec.series.length > 0) out.push(state.spec);
    }
    for (const extra of this.extras) {
      const state = this.states.get(extraChartId(extra));
      if (state) out.push(state.spec);
    }
    return out;
  }

  /** The chart with this id, if present. */
  chart(id: string): ChartSpec | undefined {
    return this.charts.find((c) => c.id === id);
  }

  /**
   * Brings the series up to date with `columns` after rows `fromRow`… were appended. `fromRow` 0, other columns
   * than last time, or rows going backwards rebuild everything (structural).
   */
  update(columns: StatsColumns | undefined, fromRow: number): ChartModelUpdate {
    if (columns === undefined) {
      const had = this.columns !== undefined || this.x.length > 0;
      this.reset(undefined);
      if (had) this.version++;
      return { structural: had, fromRow: 0 };
    }
    // The same view object for as long as `columns` only grow (extended in O(new rows)), shared with health and the
    // header (standardStatsView).
    const view = standardStatsView(columns);
    const rebuild = fromRow <= 0 || view !== this.columns || fromRow > view.t.length || view.t.length < this.x.length;
    if (rebuild) this.reset(view);
    const start = this.x.length;
    const end = view.t.length;
    let structural = rebuild;

    this.discoverObjects();
    this.extendRows(start, end);
    for (const state of this.states.values()) {
      for (const a of state.active) {
        const values = a.series.values;
        const aux = a.series.aux;
        for (let row = start; row < end; row++) {
          values.push(a.compute(row));
          if (aux && a.aux) aux.push(a.aux(row));
        }
      }
    }
    if (this.activatePending(end)) structural = true;
    if (structural) this.version++;
    return { structural, fromRow: rebuild ? 0 : start };
  }

  /** Replaces the extra field charts; true when that changed the set of charts (structural). */
  setExtraFields(fields: readonly ExtraField[]): boolean {
    const next = dedupeExtras(fields);
    const same = next.length === this.extras.length && next.every((f, i) => extraChartId(f) === extraChartId(this.extras[i]));
    if (same) return false;
    const keep = new Set(next.map(extraChartId));
    for (const extra of this.extras) {
      const id = extraChartId(extra);
      if (!keep.has(id)) this.states.delete(id);
    }
    this.pending = this.pending.filter((c) => !c.chartId.startsWith('extra:') || keep.has(c.chartId));
    const had = new Set(this.extras.map(extraChartId));
    this.extras = next;
    for (const extra of next) if (!had.has(extraChartId(extra))) this.addExtra(extra);
    if (this.columns) this.activatePending(this.x.length);
    this.version++;
    return true;
  }

  private reset(columns: StatsColumns | undefined): void {
    this.columns = columns;
    this.x = [];
    this.gapRows = [];
    this.gapBefore = [];
    this.recentDt = [];
    this.selectedPair = [];
    this.known = new Set();
    this.pending = [];
    this.transports = [];
    this.pairs = [];
    this.colors = new Map();
    this.nextColor = 0;
    this.states = new Map();
    for (const extra of this.extras) this.addExtra(extra);
  }

  private addExtra(extra: ExtraField): void {
    const id = extraChartId(extra);
    this.states.set(id, { spec: { ...extraChartHeader(extra, this.columns), series: [], signature: '' }, active: [] });
    this.pending.push(this.extraCandidate(extra));
  }

  private fields(id: string): Fields | undefined {
    const objects = this.columns?.objects;
    return objects && hasOwn.call(objects, id) ? objects[id].fields : undefined;
  }

  /** The last non-null value of a field (labels: kind, mid, ssrc are constant per object). */
  private latest(id: string, field: string): Json | null {
    const column = this.fields(id)?.[field];
    if (!column) return null;
    for (let i = column.length - 1; i >= 0; i--) if (column[i] != null) return column[i];
    return null;
  }

  private discoverObjects(): void {
    const objects = this.columns!.objects;
    for (const id in objects) {
      if (this.known.has(id)) continue;
      this.known.add(id);
      const type = objects[id].type;
      if (type === 'transport') this.transports.push(id);
      else if (type === 'candidate-pair') this.pairs.push(id);
      for (const c of this.candidatesFor(id, type)) this.pending.push(c);
      if (type === 'candidate-pair' && this.pairs.length === 1) for (const c of this.pairCandidates()) this.pending.push(c);
    }
  }

  private extendRows(start: number, end: number): void {
    const t = this.columns!.t;
    // The selected pairs of each row as health and the connection header take them (candidate-pairs.ts).
    const selectedAt = selectedPairsReader(this.columns!, this.pairs, this.transports);
    const selected = new Set<string>();
    for (let row = start; row < end; row++) {
      this.x.push(t[row] / 1000);
      let gap = false;
      if (row > 0) {
        const dt = t[row] - t[row - 1];
        const typical = median(this.recentDt);
        gap = typical !== null && dt >= MIN_GAP_MS && dt > 2 * typical;
        if (dt > 0) {
          this.recentDt.push(dt);
          if (this.recentDt.length > GAP_MEDIAN_INTERVALS) this.recentDt.shift();
        }
      }
      this.gapBefore.push(gap);
      if (gap) this.gapRows.push(row);
      selectedAt(row, selected);
      this.selectedPair.push([...selected]);
    }
  }

  private activatePending(rows: number): boolean {
    let changed = false;
    const colorKeys = new Map<ChartSeries, string>();
    const still: Candidate[] = [];
    for (const c of this.pending) {
      if (!c.ready()) {
        still.push(c);
        continue;
      }
      const state = this.stateFor(c.chartId);
      if (!state) continue;
      const { compute, aux } = c.make();
      const values: ChartValue[] = new Array(rows);
      const auxValues: ChartValue[] | undefined = aux ? new Array(rows) : undefined;
      for (let row = 0; row < rows; row++) {
        values[row] = compute(row);
        if (auxValues) auxValues[row] = aux!(row);
      }
      const series: ChartSeries = { key: c.key, label: c.label(), statsId: c.statsId, color: 0, values };
      colorKeys.set(series, c.colorKey());
      if (auxValues) series.aux = auxValues;
      const active: Active = { candidate: c, series, compute, aux };
      let at = state.active.findIndex((a) => a.candidate.order > c.order);
      if (at < 0) at = state.active.length;
      state.active.splice(at, 0, active);
      state.spec.series = state.active.map((a) => a.series);
      this.disambiguate(state.spec.series);
      this.paint(state.active, colorKeys);
      state.spec.signature = state.spec.series.map((s) => s.key).join('\n');
      changed = true;
    }
    this.pending = still;
    return changed;
  }

  /**
   * Gives each series of a chart its stream's colour, or, where another series of the chart has that colour already,
   * a colour of its own (the fps chart has a capture and the stream sending it).
   */
  private paint(active: Active[], fresh: Map<ChartSeries, string>): void {
    // Series painted before keep their colour (a series added to a chart does not recolour the others).
    const used = new Set<number>();
    for (const a of active) if (!fresh.has(a.series)) used.add(a.series.color);
    for (const a of active) {
      const key = fresh.get(a.series);
      if (key === undefined) continue;
      let color = this.colors.get(key);
      if (color === undefined) this.colors.set(key, (color = this.nextColor++));
      if (used.has(color)) color = this.nextColor++;
      a.series.color = color;
      used.add(color);
      fresh.delete(a.series);
    }
  }

  /** The stream a stats object's series are coloured by: its own id, or for a remote-* report our stream it is about (localId). */
  private colorKeyOf(id: string): string {
    const type = this.columns?.objects[id]?.type;
    return (type === 'remote-inbound-rtp' || type === 'remote-outbound-rtp' ? str(this.latest(id, 'localId')) : null) ?? id;
  }

  /**
   * Two series with one label get told apart: captures by their track, else (a stream re-created with the same
   * SSRC, a capture whose track came back under a new media-source id) by their stats id.
   */
  private disambiguate(series: ChartSeries[]): void {
    const groups = new Map<string, ChartSeries[]>();
    for (const s of series) groups.set(s.label, [...(groups.get(s.label) ?? []), s]);
    for (const [label, group] of groups) {
      if (group.length < 2) continue;
      const tracks = group.map((s) => (s.statsId && this.columns?.objects[s.statsId]?.type === 'media-source' ? str(this.latest(s.statsId, 'trackIdentifier')) : null));
      const byTrack = tracks.every((t) => t !== null) && new Set(tracks).size === tracks.length;
      group.forEach((s, i) => {
        if (byTrack) s.label = `${label.replace(/\)$/, '')}, track ${shortTrackId(tracks[i]!)})`;
        else if (s.statsId) s.label = `${label} [${s.statsId}]`;
      });
    }
  }

  private stateFor(chartId: string): ChartState | undefined {
    let state = this.states.get(chartId);
    if (!state && !chartId.startsWith('extra:')) {
      const def = DEFAULT_CHARTS.find((d) => d.id === chartId);
      if (!def) return undefined;
      state = { spec: { ...def, series: [], signature: '' }, active: [] };
      this.states.set(chartId, state);
    }
    return state;
  }

  // ─── series definitions ────────────────────────────────────────────────────────────────────────────────────

  private has(id: string, ...fields: string[]): () => boolean {
    return () => {
      const f = this.fields(id);
      return f !== undefined && fields.every((name) => hasOwn.call(f, name));
    };
  }

  private candidatesFor(id: string, type: string): Candidate[] {
    // kind is constant per object: read it once (a later scan could walk back over every row of a gone stream).
    const k = str(this.latest(id, 'kind')) ?? str(this.latest(id, 'mediaType')) ?? '';
    const kind = (): string => k;
    const out: Candidate[] = [];
    const colorKey = (): string => this.colorKeyOf(id);
    const add = (chartId: string, metric: string, order: string, ready: () => boolean, label: () => string, make: Candidate['make']): void => {
      out.push({ chartId, key: `${id}|${metric}`, statsId: id, order, ready, label, colorKey, make });
    };
    const isVideo = (): boolean => kind() === 'video';
    const isAudio = (): boolean => kind() === 'audio';
    const order = (dir: number): string => `${dir}|${this.streamOrder(id)}`;
    const label = (): string => this.streamLabel(id);

    switch (type) {
      case 'outbound-rtp':
        add('bitrate-send', 'bytesSent', order(0), this.has(id, 'bytesSent'), label, () => ({ compute: this.kbits(id, 'bytesSent') }));
        add('packet-rate', 'packetsSent', order(0), this.has(id, 'packetsSent'), label, () => ({ compute: this.perSecond(id, 'packetsSent') }));
        add('fps', 'framesPerSecond', order(0), () => isVideo() && this.has(id, 'framesEncoded')(), label, () => ({ compute: this.fps(id, 'framesEncoded') }));
        add('resolution', 'frameHeight', order(0), () => isVideo() && this.has(id, 'frameHeight')(), label, () => ({
          compute: this.whileCounting(id, 'framesEncoded', this.size(id, 'frameHeight')),
          aux: this.level(id, 'frameWidth', 1),
        }));
        add('quality-limitation', 'qualityLimitationReason', order(0), this.has(id, 'qualityLimitationReason'), label, () => ({
          compute: this.category(id, 'qualityLimitationReason', QUALITY_LIMITATION_REASONS),
        }));
        break;
      case 'inbound-rtp':
        add('bitrate-receive', 'bytesReceived', order(1), this.has(id, 'bytesReceived'), label, () => ({ compute: this.kbits(id, 'bytesReceived') }));
        add('packet-rate', 'packetsReceived', order(1), this.has(id, 'packetsReceived'), label, () => ({ compute: this.perSecond(id, 'packetsReceived') }));
        add('packet-loss', 'packetsLost', order(1), this.has(id, 'packetsLost', 'packetsReceived'), label, () => ({ compute: this.lossReceived(id) }));
        add('jitter', 'jitter', order(1), this.has(id, 'jitter'), label, () => ({ compute: this.whileCounting(id, 'packetsReceived', this.level(id, 'jitter', 1000)) }));
        add('fps', 'framesPerSecond', order(1), () => isVideo() && (this.has(id, 'framesDecoded')() || this.has(id, 'framesPerSecond')()), label, () => ({
          compute: this.fps(id, 'framesDecoded'),
        }));
        add('resolution', 'frameHeight', order(1), () => isVideo() && this.has(id, 'frameHeight')(), label, () => ({
          compute: this.whileCounting(id, 'framesDecoded', this.size(id, 'frameHeight')),
          aux: this.level(id, 'frameWidth', 1),
        }));
        add('audio-level', 'audioLevel', order(1), () => isAudio() && this.hasAudioLevel(id), label, () => ({ compute: this.audioLevel(id) }));
        break;
      case 'remote-inbound-rtp': {
        const remote = (): string => `${this.streamLabel(str(this.latest(id, 'localId')) ?? id)} · remote`;
        add('packet-loss', 'packetsLost', order(0), this.has(id, 'packetsLost'), remote, () => ({ compute: this.lossSent(id) }));
        // The peer's last report stays in the stats after it stopped sending them (our sender stopped): its values
        // end once no report came for REPORTS_STALE_MS (audio reports come about every 5 s).
        add('jitter', 'jitter', order(0), this.has(id, 'jitter'), remote, () => ({ compute: this.whileCounting(id, 'timestamp', this.level(id, 'jitter', 1000), REPORTS_STALE_MS) }));
        add('rtt', 'roundTripTime', order(0), this.has(id, 'roundTripTime'), remote, () => ({
          compute: this.whileCounting(id, 'timestamp', this.level(id, 'roundTripTime', 1000), REPORTS_STALE_MS),
        }));
        break;
      }
      case 'remote-outbound-rtp': {
        const remote = (): string => `${this.streamLabel(str(this.latest(id, 'localId')) ?? id)} · remote`;
        add('rtt', 'roundTripTime', order(1), this.has(id, 'roundTripTime'), remote, () => ({ compute: this.level(id, 'roundTripTime', 1000) }));
        break;
      }
      case 'data-channel': {
        // Sent and received of one channel: one colour each (paint gives the second series of a stream its own).
        const channel = (direction: string) => (): string => `${this.channelLabel(id)} ${direction}`;
        add('data-channel-bitrate', 'bytesSent', `channel|${this.channelOrder(id)}|0`, this.has(id, 'bytesSent'), channel('sent'), () => ({ compute: this.kbits(id, 'bytesSent') }));
        add('data-channel-bitrate', 'bytesReceived', `channel|${this.channelOrder(id)}|1`, this.has(id, 'bytesReceived'), channel('received'), () => ({
          compute: this.kbits(id, 'bytesReceived'),
        }));
        break;
      }
      case 'media-source': {
        const source = (): string => this.sourceLabel(id);
        add('audio-level', 'audioLevel', `0|source|${id}`, () => isAudio() && this.hasAudioLevel(id), source, () => ({ compute: this.audioLevel(id) }));
        add('fps', 'framesPerSecond', `0|source|${id}`, () => isVideo() && this.has(id, 'framesPerSecond')(), source, () => ({
          compute: this.level(id, 'framesPerSecond', 1),
        }));
        break;
      }
    }
    return out;
  }

  /** The selected candidate pair's series (virtual: the pair can change during the call). */
  private pairCandidates(): Candidate[] {
    const anyPairHas = (field: string) => (): boolean => this.pairs.some((id) => hasOwn.call(this.fields(id) ?? {}, field));
    const label = (): string => 'selected candidate pair';
    // What is sent (and the pair's RTT) in one colour, what is received in another.
    const received = (metric: string) => metric === 'bytesReceived' || metric === 'availableIncomingBitrate';
    const make = (chartId: string, metric: string, compute: () => Computer, text = label): Candidate => ({
      chartId,
      key: `selected-pair|${metric}`,
      statsId: null,
      order: `9|${metric}`,
      ready: anyPairHas(metric),
      label: text,
      colorKey: () => (received(metric) ? 'selected-pair|in' : 'selected-pair'),
      make: () => ({ compute: compute() }),
    });
    return [
      make('bitrate-send', 'bytesSent', () => this.pairKbits('bytesSent'), () => 'connection total (selected pair)'),
      make('bitrate-receive', 'bytesReceived', () => this.pairKbits('bytesReceived'), () => 'connection total (selected pair)'),
      make('rtt', 'currentRoundTripTime', () => this.pairLevel('currentRoundTripTime', 1000, 'max'), () => 'ICE (selected pair)'),
      make('available-bitrate', 'availableOutgoingBitrate', () => this.pairLevel('availableOutgoingBitrate', 1 / 1000, 'sum'), () => 'outgoing (selected pair)'),
      make('available-bitrate', 'availableIncomingBitrate', () => this.pairLevel('availableIncomingBitrate', 1 / 1000, 'sum'), () => 'incoming (selected pair)'),
    ];
  }

  private extraCandidate(extra: ExtraField): Candidate {
    const chartId = extraChartId(extra);
    const { statsId, field } = extra;
    return {
      chartId,
      key: `${statsId}|${field}`,
      statsId,
      order: '0',
      ready: () => {
        const fields = this.fields(statsId);
        if (!fields) return false;
        const sub = recordSubField(field);
        if (sub) return hasOwn.call(fields, sub.base);
        const type = this.columns!.objects[statsId].type;
        if (findRateRule(type, field)) return true;
        return hasOwn.call(fields, field);
      },
      label: () => {
        const state = this.states.get(chartId);
        // The header depends on the object's type, known only now.
        if (state) Object.assign(state.spec, extraChartHeader(extra, this.columns));
        return this.objectLabel(statsId);
      },
      colorKey: () => this.colorKeyOf(statsId),
      make: () => ({ compute: this.extraComputer(statsId, field) }),
    };
  }

  // ─── labels ────────────────────────────────────────────────────────────────────────────────────────────────

  /** "video out 1 (893251156)", "audio in 0 (3630373197)", simulcast "video out 1 q (…)". */
  private streamLabel(id: string): string {
    const type = this.columns?.objects[id]?.type;
    if (type !== 'outbound-rtp' && type !== 'inbound-rtp') return this.objectLabel(id);
    const kind = str(this.latest(id, 'kind')) ?? str(this.latest(id, 'mediaType')) ?? 'media';
    const mid = this.latest(id, 'mid');
    const rid = str(this.latest(id, 'rid'));
    const ssrc = this.latest(id, 'ssrc');
    const parts = [kind, type === 'outbound-rtp' ? 'out' : 'in'];
    if (mid !== null) parts.push(String(mid));
    if (rid) parts.push(rid);
    return `${parts.join(' ')}${ssrc !== null ? ` (${String(ssrc)})` : ''}`;
  }

  private streamOrder(id: string): string {
    const mid = this.latest(id, 'mid');
    const midKey = typeof mid === 'string' && /^\d+$/.test(mid) ? mid.padStart(6, '0') : `~${String(mid ?? '')}`;
    const encoding = num(this.latest(id, 'encodingIndex'));
    return `${midKey}|${str(this.latest(id, 'rid')) ?? ''}|${encoding ?? ''}|${id}`;
  }

  /**
   * Media sources: "audio capture (out 0)" when an outbound stream names it (or named it: after replaceTrack(null) and
   * back, Chromium reports the track under a new media-source id, and the old one kept its sender in its label, so
   * the same capture was not listed under two names), else by track id. A stream without a mid (legacy stats) is
   * named by its SSRC: "audio capture (out 1228289922)".
   */
  private sourceLabel(id: string): string {
    const kind = str(this.latest(id, 'kind')) ?? 'media';
    const users: string[] = [];
    for (const other in this.columns!.objects) {
      const o = this.columns!.objects[other];
      if (o.type === 'outbound-rtp' && (this.fields(other)?.mediaSourceId ?? []).includes(id)) {
        const name = this.latest(other, 'mid') ?? this.latest(other, 'ssrc');
        const text = `out ${name === null ? '?' : String(name)}`;
        if (!users.includes(text)) users.push(text);
      }
    }
    if (users.length > 0) return `${kind} capture (${users.join(', ')})`;
    const track = str(this.latest(id, 'trackIdentifier'));
    return `${kind} capture${track ? ` (track ${shortTrackId(track)})` : ''}`;
  }

  /** A data channel by its label (as text: a page's string) and SCTP stream id: `"chat" (id 1)`. */
  private channelLabel(id: string): string {
    const label = str(this.latest(id, 'label'));
    const streamId = num(this.latest(id, 'dataChannelIdentifier'));
    // Quoted (an empty label shows), and cut short: the page chooses it, up to 65535 bytes.
    const name = label === null ? 'data channel' : JSON.stringify(label.length > CHANNEL_LABEL_CHARS ? `${label.slice(0, CHANNEL_LABEL_CHARS - 1)}…` : label);
    return streamId === null ? `${name} [${id}]` : `${name} (id ${streamId})`;
  }

  /** Channels in SCTP stream id order, those without one last. */
  private channelOrder(id: string): string {
    const streamId = num(this.latest(id, 'dataChannelIdentifier'));
    return `${streamId === null ? '~' : String(streamId).padStart(6, '0')}|${id}`;
  }

  private objectLabel(id: string): string {
    const type = this.columns?.objects[id]?.type;
    if (type === 'outbound-rtp' || type === 'inbound-rtp') return this.streamLabel(id);
    if (type === 'remote-inbound-rtp' || type === 'remote-outbound-rtp') {
      const local = str(this.latest(id, 'localId'));
      if (local && this.fields(local)) return `${this.streamLabel(local)} · remote`;
    }
    if (type === 'media-source') return this.sourceLabel(id);
    if (type === 'data-channel') return this.channelLabel(id);
    return type ? `${type} ${id}` : id;
  }

  private hasAudioLevel(id: string): boolean {
    const f = this.fields(id);
    return f !== undefined && ((hasOwn.call(f, 'totalAudioEnergy') && hasOwn.call(f, 'totalSamplesDuration')) || hasOwn.call(f, 'audioLevel'));
  }

  // ─── computers ─────────────────────────────────────────────────────────────────────────────────────────────
  // Computers hold on to the object's column arrays (stable once created; a field's column is created the first
  // time the field appears, so those are looked up again until they exist): one array read per value.

  private value(id: string, field: string, row: number): ChartValue {
    return num(this.fields(id)?.[field]?.[row]);
  }

  /** Δ of a column between two rows of the same object, null unless both are numbers. */
  private static diff(column: (Json | null)[] | undefined, prev: number, row: number): ChartValue {
    if (!column) return null;
    const a = column[prev];
    const b = column[row];
    return typeof a === 'number' && typeof b === 'number' ? b - a : null;
  }

  /**
   * Δcounter per second between a row and the object's previous row; null unless that is the row just before (as
   * Chromium's rates), where Δt ≤ 0, the counter is missing or went backwards, or the interval spans a stats gap.
   */
  private rate(ts: (Json | null)[] | undefined, column: (Json | null)[] | undefined, prev: number, row: number): ChartValue {
    if (prev !== row - 1 || this.gapBefore[row]) return null;
    const dt = ChartModel.diff(ts, prev, row);
    if (dt === null || dt <= 0) return null;
    const d = ChartModel.diff(column, prev, row);
    if (d === null || d < 0 || !Number.isFinite(d)) return null;
    return (1000 * d) / dt;
  }

  /** A computer that calls `f(prev, row)` for rows where the object exists (prev = its previous such row, or -1). */
  private withPrev(id: string, f: (prev: number, row: number) => ChartValue): Computer {
    const type = this.fields(id)!.type;
    let prev = -1;
    return (row) => {
      if (type[row] == null) return null;
      const p = prev;
      prev = row;
      return p < 0 ? null : f(p, row);
    };
  }

  /** A getter for a field's column that keeps it once it exists. */
  private columnOf(id: string, field: string): () => (Json | null)[] | undefined {
    const fields = this.fields(id)!;
    let column: (Json | null)[] | undefined = hasOwn.call(fields, field) ? fields[field] : undefined;
    return () => column ?? (column = hasOwn.call(fields, field) ? fields[field] : undefined);
  }

  private perSecond(id: string, field: string): Computer {
    const ts = this.columnOf(id, 'timestamp');
    const column = this.columnOf(id, field);
    return this.withPrev(id, (p, row) => this.rate(ts(), column(), p, row));
  }

  /** webrtc-internals' `[X_in_bits/s]` (rounded to whole bit/s), in kbit/s. */
  private kbits(id: string, field: string): Computer {
    const ts = this.columnOf(id, 'timestamp');
    const column = this.columnOf(id, field);
    return this.withPrev(id, (p, row) => {
      const r = this.rate(ts(), column(), p, row);
      return r === null ? null : Math.round(8 * r) / 1000;
    });
  }

  /**
   * One key of a record of counters (`qualityLimitationDurations.bandwidth`), as its change per second between
   * samples: for a record of durations (seconds) the share of the time, in %, that went to that key.
   */
  private recordRate(id: string, base: string, key: string): Computer {
    const ts = this.columnOf(id, 'timestamp');
    const column = this.columnOf(id, base);
    const scale = isDurationRecord(base) ? 100 : 1;
    const at = (row: number): number | null => {
      const record = column()?.[row];
      return record !== null && typeof record === 'object' && !Array.isArray(record) && hasOwn.call(record, key) ? num((record as Record<string, Json>)[key]) : null;
    };
    return this.withPrev(id, (p, row) => {
      const [a, b, t0, t1] = [at(p), at(row), num(ts()?.[p]), num(ts()?.[row])];
      if (a === null || b === null || t0 === null || t1 === null || t1 <= t0 || b < a) return null;
      return ((b - a) / ((t1 - t0) / 1000)) * scale;
    });
  }

  private level(id: string, field: string, scale: number): Computer {
    const column = this.columnOf(id, field);
    return (row) => {
      const v = num(column()?.[row]);
      return v === null ? null : v * scale;
    };
  }

  /** A picture dimension: 0 (Firefox's 0×0 before the first frame) is no picture, not a size. */
  private size(id: string, field: string): Computer {
    const column = this.columnOf(id, field);
    return (row) => {
      const v = num(column()?.[row]);
      return v === null || v <= 0 ? null : v;
    };
  }

  /**
   * `inner`'s values while the stream moves: none once `counter` (frames, packets, a report's timestamp) has not
   * changed for `staleMs` ({@link MIN_GAP_MS} by default). A stopped stream keeps its last resolution and jitter in
   * its stats, which drew as a flat line as if it still flowed (QA pass); a slow one (a still screen share, one frame
   * in a few seconds) keeps its line.
   */
  private whileCounting(id: string, counter: string, inner: Computer, staleMs = MIN_GAP_MS): Computer {
    const column = this.columnOf(id, counter);
    const t = this.columns!.t;
    let last: number | null = null;
    let lastMoved: number | null = null;
    return (row) => {
      const v = inner(row);
      const c = num(column()?.[row]);
      if (c === null) return v;
      if (last === null || c !== last) lastMoved = t[row];
      last = c;
      return lastMoved !== null && t[row] - lastMoved >= staleMs ? null : v;
    };
  }

  /** The browser's `framesPerSecond` where reported, else Δframes/Δt. */
  private fps(id: string, counter: string): Computer {
    const derived = this.perSecond(id, counter);
    const reported = this.columnOf(id, 'framesPerSecond');
    return (row) => {
      const d = derived(row);
      return num(reported()?.[row]) ?? d;
    };
  }

  /** Receiver-side loss (inbound-rtp): max(0, Δlost) / (max(0, Δlost) + Δreceived) per interval, in %. */
  private lossReceived(id: string): Computer {
    const lostColumn = this.columnOf(id, 'packetsLost');
    const receivedColumn = this.columnOf(id, 'packetsReceived');
    return this.withPrev(id, (p, row) => {
      const loss = lossFraction(ChartModel.diff(lostColumn(), p, row), ChartModel.diff(receivedColumn(), p, row));
      return loss === null ? null : 100 * loss;
    });
  }

  /**
   * Sender-side loss from the peer's receiver reports (remote-inbound-rtp), over the interval between two reports
   * (a new report = the object's `timestamp` advanced), held until the next report: Firefox
   * max(0, Δlost) / (max(0, Δlost) + ΔpacketsReceived); Chromium (no packetsReceived) Δlost / Δ(outbound
   * packetsSent), approximate. The health metrics take the same values (StreamMetrics.held) for the audio score.
   */
  private lossSent(id: string): Computer {
    const fields = this.fields(id)!;
    const type = fields.type;
    const ts = this.columnOf(id, 'timestamp');
    const lostColumn = this.columnOf(id, 'packetsLost');
    const receivedColumn = this.columnOf(id, 'packetsReceived');
    const localColumn = this.columnOf(id, 'localId');
    let last = -1;
    let held: ChartValue = null;
    return (row) => {
      if (type[row] == null) {
        held = null;
        return null;
      }
      const times = ts();
      const t = num(times?.[row]);
      if (last < 0 || t === null) {
        last = row;
        return null;
      }
      const before = num(times?.[last]);
      if (before !== null && t <= before) return held;
      let loss: ChartValue = null;
      const lost = ChartModel.diff(lostColumn(), last, row);
      if (lost !== null) {
        const received = ChartModel.diff(receivedColumn(), last, row);
        if (received !== null) {
          loss = lossFraction(lost, received);
        } else {
          const local = str(localColumn()?.[row]);
          const sent = local ? ChartModel.diff(this.fields(local)?.packetsSent, last, row) : null;
          if (sent !== null && sent > 0) loss = clamp01(lost / sent);
        }
      }
      last = row;
      held = loss === null ? null : 100 * loss;
      return held;
    };
  }

  /** RMS level √(ΔtotalAudioEnergy / ΔtotalSamplesDuration) where those exist, else the reported `audioLevel`. */
  private audioLevel(id: string): Computer {
    const f = this.fields(id)!;
    if (!(hasOwn.call(f, 'totalAudioEnergy') && hasOwn.call(f, 'totalSamplesDuration'))) return this.level(id, 'audioLevel', 1);
    const energyColumn = this.columnOf(id, 'totalAudioEnergy');
    const durationColumn = this.columnOf(id, 'totalSamplesDuration');
    return this.withPrev(id, (p, row) => {
      const energy = ChartModel.diff(energyColumn(), p, row);
      const duration = ChartModel.diff(durationColumn(), p, row);
      if (energy === null || duration === null || duration <= 0 || energy < 0) return null;
      return Math.sqrt(energy / duration);
    });
  }

  private category(id: string, field: string, categories: readonly string[]): Computer {
    const column = this.columnOf(id, field);
    return (row) => {
      const v = str(column()?.[row]);
      if (v === null) return null;
      const i = categories.indexOf(v);
      return i < 0 ? categories.length - 1 : i;
    };
  }

  /** A level of the selected pairs: the largest (RTT: the worst path) or the sum (available bitrate per transport). */
  private pairLevel(field: string, scale: number, combine: 'max' | 'sum'): Computer {
    return (row) => {
      let out: number | null = null;
      for (const pair of this.selectedPair[row]) {
        const v = this.value(pair, field, row);
        if (v === null) continue;
        out = out === null ? v : combine === 'sum' ? out + v : Math.max(out, v);
      }
      return out === null ? null : out * scale;
    };
  }

  /**
   * Rate of the selected pairs' counter, summed over transports, each against that same pair in the previous
   * sample (so a switch is no spike; a pair absent there gives none, as {@link rate}).
   */
  private pairKbits(field: string): Computer {
    return (row) => {
      let total: number | null = null;
      for (const pair of this.selectedPair[row]) {
        const f = this.fields(pair)!;
        if (row === 0 || f.type[row - 1] == null) continue;
        const r = this.rate(f.timestamp, f[field], row - 1, row);
        if (r !== null) total = (total ?? 0) + r;
      }
      return total === null ? null : Math.round(8 * total) / 1000;
    };
  }

  /** An extra field: a bracketed derived series, the rate of a counter webrtc-internals derives one for, or raw. */
  private extraComputer(statsId: string, field: string): Computer {
    const sub = recordSubField(field);
    if (sub) return this.recordRate(statsId, sub.base, sub.key);
    const type = this.columns!.objects[statsId].type;
    const rule = extraRule(type, field);
    if (!rule) return this.level(statsId, field, 1);
    const scale = rule.kind === 'bits-per-second' ? 1 / 1000 : 1;
    if (rule.kind === 'difference') {
      // `[A-B-C]` of each sample alone, from the first one on (as Chromium).
      const fields = this.fields(statsId)!;
      return (row) => (fields.type[row] == null ? null : rateBetween(rule, fields, row - 1, row));
    }
    return this.withPrev(statsId, (p, row) => {
      if (this.gapBefore[row] && (rule.kind === 'per-second' || rule.kind === 'bits-per-second')) return null;
      const v = rateBetween(rule, this.fields(statsId)!, p, row);
      // A counter going backwards was reset: no value, not a negative rate.
      if (v === null || (v < 0 && rule.kind !== 'ratio')) return null;
      return v * scale;
    });
  }
}

/** The lower median of `xs` (null when empty). */
function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}

/** The rule an extra field is charted with: its own (bracketed name) or the counter's rate; none = raw values. */
function extraRule(type: string, field: string): RateRule | undefined {
  return field.startsWith('[') ? findRateRule(type, field) : counterRateRule(type, field);
}

/**
 * `base.key` names one key of a record field (`qualityLimitationDurations.cpu`), as the stats table lists them;
 * null for a field of its own (stats field names have no dots) or a bracketed derived one.
 */
export function recordSubField(field: string): { base: string; key: string } | null {
  if (field.startsWith('[')) return null;
  const dot = field.indexOf('.');
  return dot > 0 && dot < field.length - 1 ? { base: field.slice(0, dot), key: field.slice(dot + 1) } : null;
}

/** Records whose values are seconds spent in each state (qualityLimitationDurations): charted as shares of time. */
const isDurationRecord = (base: string) => base.endsWith('Durations');

export function extraChartId(extra: ExtraField): string {
  return `extra:${extra.statsId}:${extra.field}`;
}

const SECONDS_FIELDS = /^(jitter|roundTripTime|currentRoundTripTime|totalRoundTripTime|jitterBuffer\w*Delay|total\w*(Time|Delay|Duration)|totalFreezesDuration|totalPausesDuration)$/;

/**
 * Legend decimals of an extra field chart by its unit, as the default charts of the same unit show them (a rate in
 * kbit/s with one decimal); seconds and unitless values (levels, ratios) keep three.
 */
const EXTRA_DECIMALS: Record<string, number> = { 'kbit/s': 1, '/s': 1, ms: 1, '%': 1, 'bit/s': 0, bytes: 0 };

/** Title, unit and axis of an extra field chart (derived series take the rule's unit). */
function extraChartHeader(extra: ExtraField, columns: StatsColumns | undefined): Omit<ChartSpec, 'series' | 'signature'> {
  const type = columns?.objects[extra.statsId]?.type ?? '';
  const rule = type ? extraRule(type, extra.field) : undefined;
  let unit = '';
  let title = extra.field;
  const sub = recordSubField(extra.field);
  if (sub) {
    unit = isDurationRecord(sub.base) ? '%' : '/s';
    title = isDurationRecord(sub.base) ? `${extra.field} (share of the time)` : `${extra.field} per second`;
  } else if (rule) {
    title = extra.field === rule.name ? rule.name : `${extra.field} ${rule.name}`;
    if (rule.kind === 'bits-per-second') unit = 'kbit/s';
    else if (rule.kind === 'per-second') unit = '/s';
    else if ((rule.kind === 'ratio' && rule.scale === 1000) || rule.kind === 'inter-frame-stdev-ms') unit = 'ms';
    // Seconds per count (e.g. [totalRoundTripTime/roundTripTimeMeasurements]) stay seconds, as Chromium names them.
    else if (rule.kind === 'ratio' && SECONDS_FIELDS.test(rule.numerator)) unit = 's';
  } else if (SECONDS_FIELDS.test(extra.field)) unit = 's';
  else if (/Bitrate$/.test(extra.field)) unit = 'bit/s';
  else if (/^(header|retransmitted|fec)?[bB]ytes/.test(extra.field)) unit = 'bytes';
  return {
    id: extraChartId(extra),
    title: `${title} · ${extra.statsId}`,
    unit,
    yLabel: unit || extra.field,
    kind: 'line',
    decimals: EXTRA_DECIMALS[unit] ?? 3,
    // A share of the time on its whole scale: jitter around 100 % must not fill the axis.
    ...(unit === '%' ? { yMin: 0, yMax: 100 } : {}),
    extra: { ...extra },
  };
}

function dedupeExtras(fields: readonly ExtraField[]): ExtraField[] {
  const seen = new Set<string>();
  const out: ExtraField[] = [];
  for (const f of fields) {
    const id = extraChartId(f);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ statsId: f.statsId, field: f.field });
  }
  return out;
}

/** The first 8 characters of a track id, without Firefox's braces. */
function shortTrackId(track: string): string {
  return track.replace(/[{}]/g, '').slice(0, 8);
}

/** The default charts of a PC's columns (a one-shot {@link ChartModel}). */
export function buildDefaultCharts(columns: StatsColumns): { x: number[]; charts: ChartSpec[] } {
  const model = new ChartModel();
  model.update(columns, 0);
  return { x: model.x, charts: model.charts };
}

/** One extra field's chart over a PC's columns. */
export function buildExtraChart(columns: StatsColumns, statsId: string, field: string): { x: number[]; chart: ChartSpec } {
  const model = new ChartModel({ extraFields: [{ statsId, field }] });
  model.update(columns, 0);
  return { x: model.x, chart: model.charts[model.charts.length - 1] };
}
