/**
 * Health metrics of a peer connection, per stream and per connection, per sample interval, from its stats columns
 * ({@link StatsColumns}), and their summary over a session. Formulas: shared/docs/domain.md §3.1.
 *
 * Every interval series is aligned with `columns.t`: the value at row i covers the interval from the previous row
 * in which the same stats object existed to row i, with Δt from the object's own `timestamp`. A value is null
 * (never NaN) where the object or a field is absent (Firefox and Safari lack some), Δt ≤ 0, a counter it needs went
 * backwards (a reset: counters never continue across ids, §1.2) or a ratio's denominator did not grow. Level series
 * (jitter, resolution, reported levels) are the reported value at the row. What an outbound stream's receiver
 * reports say (sender-side loss, RTT, the peer's jitter) is a value only on the rows where a new report arrived
 * (the remote object's `timestamp` advanced; audio reports come about every 5 s in Chromium), so that one report
 * counts once; {@link StreamMetrics.held} carries the last report's values over the rows in between.
 *
 * Bitrates and packet rates come from {@link rateBetween} (webrtc-internals' own derivation, pinned against
 * Chromium in rates.test.ts: like Chromium, none on a row whose previous row lacks the object). Units: bit/s,
 * packets/s, ms, frames/s, px, seconds of quality limitation per interval, loss and concealment as fractions 0–1,
 * keyframe requests (PLI) per second (sent by an inbound stream, received by an outbound one).
 *
 * The series are derived row by row ({@link MetricsTracker}), and so are the summaries ({@link SeriesSummaryTracker}):
 * a live PC's appended rows cost only themselves, with the values a derivation of the whole series gives.
 *
 * Pure: no UI or browser API.
 */
import type { Json } from '../../protocol/json';
import { selectedPairIdsAt } from '../candidate-pairs';
import { standardStatsView } from '../legacy-stats';
import { findRateRule, rateBetween } from '../rates';
import type { PcSummary, SessionData, StatsColumns, TraceEvent } from '../session';
import { pcEventFacts, type PcEventFacts } from './pc-events';

type Fields = StatsColumns['objects'][string]['fields'];
export type MetricValue = number | null;
export type MetricSeries = MetricValue[];

/** Metrics of a received stream (inbound-rtp). */
export const INBOUND_METRICS = [
  'bitrate', 'packetRate', 'lossFraction', 'jitterMs', 'fps', 'frameWidth', 'frameHeight', 'freezeCount',
  'freezeDurationMs', 'freezeRatio', 'decodeMsPerFrame', 'qpPerFrame', 'jitterBufferDelayMs', 'audioLevel',
  'concealmentRatio', 'pliRate',
] as const;
/** Metrics of a sent stream (outbound-rtp, with its remote-inbound-rtp and media-source). */
export const OUTBOUND_METRICS = [
  'bitrate', 'packetRate', 'lossFraction', 'fractionLost', 'remoteJitterMs', 'rttMs', 'fps', 'sourceFps', 'frameWidth',
  'frameHeight', 'encodeMsPerFrame', 'qpPerFrame', 'audioLevel', 'targetBitrate', 'qualityLimitedCpuS',
  'qualityLimitedBandwidthS', 'qualityLimitedOtherS', 'pliRate',
] as const;
/** Metrics of the connection (the selected candidate pair of each row). */
export const CONNECTION_METRICS = ['rttMs', 'availableOutgoingBitrate', 'sendBitrate', 'receiveBitrate'] as const;

export type InboundMetric = (typeof INBOUND_METRICS)[number];
export type OutboundMetric = (typeof OUTBOUND_METRICS)[number];
export type ConnectionMetric = (typeof CONNECTION_METRICS)[number];
export type StreamMetric = InboundMetric | OutboundMetric;

export interface StreamMetrics {
  statsId: string;
  direction: 'inbound' | 'outbound';
  kind: string | null;
  ssrc: number | null;
  mid: string | null;
  rid: string | null;
  /** MIME type of the stream's codec (latest), e.g. `audio/opus`. */
  codec: string | null;
  /** Every metric of the direction, aligned with `t` ({@link INBOUND_METRICS} / {@link OUTBOUND_METRICS}). */
  series: Partial<Record<StreamMetric, MetricSeries>>;
  /**
   * Outbound streams: what the latest receiver report said, on every row its remote object is present (null
   * elsewhere), aligned with `t`: the sender-side loss of the last report interval (held until the next report,
   * as the loss chart draws it) and the reported jitter. The series above have these only on the rows where a new
   * report arrived (one measurement, one sample for the rules and summaries); the audio score rates the rows in
   * between with these.
   */
  held?: HeldReport;
}

/** {@link StreamMetrics.held}. */
export interface HeldReport {
  lossFraction: MetricSeries;
  remoteJitterMs: MetricSeries;
}

export interface ConnectionMetrics {
  t: number[];
  streams: StreamMetrics[];
  connection: Record<ConnectionMetric, MetricSeries>;
}

const num = (v: Json | null | undefined): MetricValue => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: Json | null | undefined): string | null => (typeof v === 'string' ? v : null);
const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const hasOwn = Object.prototype.hasOwnProperty;
const col = (fields: Fields, field: string) => (hasOwn.call(fields, field) ? fields[field] : undefined);
const at = (fields: Fields, field: string, row: number): Json | null => col(fields, field)?.[row] ?? null;
const present = (fields: Fields, row: number): boolean => at(fields, 'type', row) !== null;

// ─── pure interval helpers ─────────────────────────────────────────────────────────────────────────────────────

/** Δ of a numeric field between two rows; null if either is missing. May be negative. */
export function fieldDelta(fields: Fields, field: string, prev: number, row: number): MetricValue {
  const a = num(at(fields, field, prev));
  const b = num(at(fields, field, row));
  return a === null || b === null ? null : b - a;
}

/** Δ of a monotonic counter; null if missing or it went backwards (reset). */
export function counterDelta(fields: Fields, field: string, prev: number, row: number): MetricValue {
  const d = fieldDelta(fields, field, prev, row);
  return d === null || d < 0 ? null : d;
}

/** Δt (ms) from the object's own `timestamp`; null when missing or ≤ 0. */
export function intervalMs(fields: Fields, prev: number, row: number): MetricValue {
  const d = fieldDelta(fields, 'timestamp', prev, row);
  return d === null || d <= 0 ? null : d;
}

/**
 * Loss fraction max(0, Δlost) / (max(0, Δlost) + Δreceived), clamped to 0…1: Δlost < 0 (duplicates, late
 * retransmissions counted) is no loss, §3.1, however many packets arrived. Null when a delta is unknown,
 * Δreceived < 0 (reset) or nothing was expected (nothing lost, nothing received).
 */
export function lossFraction(deltaLost: MetricValue, deltaReceived: MetricValue): MetricValue {
  if (deltaLost === null || deltaReceived === null || deltaReceived < 0) return null;
  const lost = deltaLost < 0 ? 0 : deltaLost;
  const expected = lost + deltaReceived;
  return expected <= 0 ? null : clamp01(lost / expected);
}

/** scale · Δnumerator / Δdenominator for two counters; null on reset or when the denominator did not grow. */
export function counterRatio(fields: Fields, numerator: string, denominator: string, prev: number, row: number, scale = 1): MetricValue {
  const n = counterDelta(fields, numerator, prev, row);
  const d = counterDelta(fields, denominator, prev, row);
  return n === null || d === null || d <= 0 ? null : (scale * n) / d;
}

/** A webrtc-internals rate (`[bytesSent_in_bits/s]`, `[packetsReceived/s]`…) via rates.ts; negative (reset) → null. */
function internalsRate(type: string, name: string, fields: Fields, prev: number, row: number): MetricValue {
  const rule = findRateRule(type, name);
  if (!rule) return null;
  const v = rateBetween(rule, fields, prev, row);
  return v === null || !Number.isFinite(v) || v < 0 ? null : v;
}

/** Frames per second: Δcounter/Δt over the interval, else the browser's `framesPerSecond`. */
function fpsBetween(fields: Fields, counter: string, prev: number, row: number, dt: MetricValue): MetricValue {
  const d = dt === null ? null : counterDelta(fields, counter, prev, row);
  return d !== null && dt !== null ? (1000 * d) / dt : num(at(fields, 'framesPerSecond', row));
}

/** RMS audio level √(ΔtotalAudioEnergy/ΔtotalSamplesDuration) (§3.1), else the reported `audioLevel`. */
function audioLevelBetween(fields: Fields, prev: number, row: number): MetricValue {
  if (prev >= 0 && col(fields, 'totalAudioEnergy') && col(fields, 'totalSamplesDuration')) {
    const energy = counterDelta(fields, 'totalAudioEnergy', prev, row);
    const duration = counterDelta(fields, 'totalSamplesDuration', prev, row);
    if (energy !== null && duration !== null && duration > 0) return Math.sqrt(energy / duration);
  }
  return num(at(fields, 'audioLevel', row));
}

/** Δcounter per second over an interval of `dt` ms; null when unknown or reset. */
function counterRate(fields: Fields, field: string, prev: number, row: number, dt: number): MetricValue {
  const d = counterDelta(fields, field, prev, row);
  return d === null ? null : (1000 * d) / dt;
}

/**
 * Share of received audio samples concealed audibly (domain.md §3.1): Δ(concealedSamples − silentConcealedSamples) /
 * ΔtotalSamplesReceived, as ObserveRTC counts it, since concealing silence is inaudible. Null without
 * silentConcealedSamples (counting silence as audible would flag every quiet stretch) or samples.
 */
function audibleConcealment(fields: Fields, prev: number, row: number): MetricValue {
  const concealed = counterDelta(fields, 'concealedSamples', prev, row);
  const silent = counterDelta(fields, 'silentConcealedSamples', prev, row);
  const total = counterDelta(fields, 'totalSamplesReceived', prev, row);
  return concealed === null || silent === null || total === null || total <= 0 ? null : clamp01(Math.max(0, concealed - silent) / total);
}

/** Δ of one reason of `qualityLimitationDurations` (seconds); null if missing or backwards. */
function limitationDelta(fields: Fields, reason: string, prev: number, row: number): MetricValue {
  const pick = (r: number): MetricValue => {
    const v = at(fields, 'qualityLimitationDurations', r);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? num((v as Record<string, Json>)[reason]) : null;
  };
  const a = pick(prev);
  const b = pick(row);
  return a === null || b === null || b < a ? null : b - a;
}

// ─── per PC ─────────────────────────────────────────────────────────────────────────────────────────────────────

function latest(fields: Fields, field: string): Json | null {
  const c = col(fields, field);
  if (!c) return null;
  for (let i = c.length - 1; i >= 0; i--) if (c[i] !== null) return c[i];
  return null;
}

/** The last non-null value of a field in rows `from`… (null when none). */
function latestSince(fields: Fields, field: string, from: number): Json | null {
  const c = col(fields, field);
  if (!c) return null;
  for (let i = c.length - 1; i >= from; i--) if (c[i] !== null) return c[i];
  return null;
}

function codecOf(columns: StatsColumns, codecId: Json | null): string | null {
  const id = str(codecId);
  const codec = id && hasOwn.call(columns.objects, id) ? columns.objects[id] : undefined;
  return codec ? str(latest(codec.fields, 'mimeType')) : null;
}

/** The remote-inbound-rtp object that names outbound `id` as its `localId` (the last such), else null. */
function reportingRemote(columns: StatsColumns, id: string): string | null {
  let byLocal: string | null = null;
  for (const other of Object.keys(columns.objects)) {
    const o = columns.objects[other];
    if (o.type === 'remote-inbound-rtp' && latest(o.fields, 'localId') === id) byLocal = other;
  }
  return byLocal;
}

/** Fields a stream's description comes from, kept at their latest (last non-null) value. */
const HEADER_FIELDS = ['kind', 'mediaType', 'ssrc', 'mid', 'rid', 'codecId'] as const;
type HeaderField = (typeof HEADER_FIELDS)[number];

/** One stream's derivation so far: its series, and where the next row's intervals start. */
interface StreamTrack {
  statsId: string;
  inbound: boolean;
  series: Partial<Record<StreamMetric, MetricSeries>>;
  header: Record<HeaderField, Json | null>;
  /** Last row the object was present in. */
  prev: number;
  /** Outbound: the remote-inbound-rtp naming it as `localId`, for rows without a usable `remoteId`. */
  byLocal: string | null;
  /** Outbound: the remote object followed, its last row, the row of its last receiver report. */
  lastRemote: string | null;
  remotePrev: number;
  lastReport: number;
  /** Outbound: the last report's values on every row ({@link StreamMetrics.held}), and the loss held now. */
  held: HeldReport | null;
  heldLoss: MetricValue;
  /** Outbound: last row of each media source. */
  sourcePrev: Map<string, number>;
}

/**
 * A PC's metrics derived up to row `rows`, resumable: rows appended to the same columns cost only themselves
 * ({@link advanceMetrics}), every row's values being those a derivation of the whole series gives. What the
 * earlier rows were derived with and later samples can change is checked by {@link metricsContinue}.
 */
export interface MetricsTracker {
  rows: number;
  /** `t[0]` when started: columns emptied and refilled in place start at another time. */
  firstT: number | undefined;
  /** {@link shapingFields} when started (appended samples only ever add fields). */
  shapingFields: number;
  t: number[];
  streams: StreamTrack[];
  connection: Record<ConnectionMetric, MetricSeries>;
  pairIds: string[];
  /** Last row each candidate pair was present in. */
  pairPrev: Map<string, number>;
}

/**
 * Objects of these types change what earlier rows derive when they arrive, or gain a field: a new stream; a
 * remote-inbound-rtp, which a `remoteId` of an earlier row may name and whose fields decide how RTT and loss are
 * taken; a candidate pair, whose rows the connection series follow. Other objects are read only at rows where they
 * are present (media sources, transports) or by their latest value (codecs, see the streams' kinds and codecs).
 */
const SHAPING_TYPES = new Set(['inbound-rtp', 'outbound-rtp', 'remote-inbound-rtp', 'candidate-pair']);

/** Fields of the objects of the {@link SHAPING_TYPES}: a new such object brings at least its `type`. */
function shapingFields(columns: StatsColumns): number {
  let count = 0;
  for (const id in columns.objects) {
    const object = columns.objects[id];
    if (SHAPING_TYPES.has(object.type)) count += Object.keys(object.fields).length;
  }
  return count;
}

/** A tracker at row 0 of `columns`, for the objects and fields they have now. */
export function startMetrics(columns: StatsColumns): MetricsTracker {
  const ids = Object.keys(columns.objects);
  const streams: StreamTrack[] = [];
  for (const id of ids) {
    const type = columns.objects[id].type;
    if (type !== 'inbound-rtp' && type !== 'outbound-rtp') continue;
    const inbound = type === 'inbound-rtp';
    const series: Partial<Record<StreamMetric, MetricSeries>> = {};
    for (const name of inbound ? INBOUND_METRICS : OUTBOUND_METRICS) series[name] = [];
    streams.push({
      statsId: id, inbound, series, header: { kind: null, mediaType: null, ssrc: null, mid: null, rid: null, codecId: null },
      prev: -1, byLocal: inbound ? null : reportingRemote(columns, id), lastRemote: null, remotePrev: -1, lastReport: -1,
      held: inbound ? null : { lossFraction: [], remoteJitterMs: [] }, heldLoss: null, sourcePrev: new Map(),
    });
  }
  return {
    rows: 0, firstT: columns.t[0], shapingFields: shapingFields(columns), t: [], streams,
    connection: { rttMs: [], availableOutgoingBitrate: [], sendBitrate: [], receiveBitrate: [] },
    pairIds: ids.filter((id) => columns.objects[id].type === 'candidate-pair'), pairPrev: new Map(),
  };
}

/**
 * Whether `tracker`'s rows are still what `columns` give them: the same columns grown by appended samples, with no
 * new object or field of the {@link SHAPING_TYPES} and the same remote object naming each outbound stream by its
 * `localId`. Else derive again from row 0.
 */
export function metricsContinue(tracker: MetricsTracker, columns: StatsColumns): boolean {
  if (columns.t.length < tracker.rows || columns.t[0] !== tracker.firstT) return false;
  if (shapingFields(columns) !== tracker.shapingFields) return false;
  return tracker.streams.every((s) => s.inbound || reportingRemote(columns, s.statsId) === s.byLocal);
}

/** Derives the rows `tracker.rows`… of `columns` (see {@link metricsContinue} for when it may). */
export function advanceMetrics(tracker: MetricsTracker, columns: StatsColumns): void {
  const from = tracker.rows;
  const n = columns.t.length;
  if (from >= n) return;
  for (let row = from; row < n; row++) tracker.t.push(columns.t[row]);
  for (const s of tracker.streams) {
    for (const key in s.series) padTo(s.series[key as StreamMetric]!, n);
    if (s.held) {
      padTo(s.held.lossFraction, n);
      padTo(s.held.remoteJitterMs, n);
    }
    const f = columns.objects[s.statsId].fields;
    for (const field of HEADER_FIELDS) {
      const v = latestSince(f, field, from);
      if (v !== null) s.header[field] = v;
    }
    if (s.inbound) advanceInbound(f, s, from, n);
    else advanceOutbound(columns, s, from, n);
  }
  advanceConnection(tracker, columns, from, n);
  tracker.rows = n;
}

/**
 * The metrics of the rows derived so far. The series are the tracker's own, not copies: they grow with its next
 * advance.
 */
export function metricsOf(tracker: MetricsTracker, columns: StatsColumns): ConnectionMetrics {
  return {
    t: tracker.t,
    streams: tracker.streams.map((s) => {
      const stream: StreamMetrics = {
        statsId: s.statsId,
        direction: s.inbound ? 'inbound' : 'outbound',
        kind: str(s.header.kind) ?? str(s.header.mediaType),
        ssrc: num(s.header.ssrc),
        mid: str(s.header.mid),
        rid: str(s.header.rid),
        codec: codecOf(columns, s.header.codecId),
        series: s.series,
      };
      if (s.held) stream.held = s.held;
      return stream;
    }),
    connection: tracker.connection,
  };
}

/** Every metric of every stream and of the connection, per row. */
export function connectionMetrics(columns: StatsColumns): ConnectionMetrics {
  const tracker = startMetrics(columns);
  advanceMetrics(tracker, columns);
  return metricsOf(tracker, columns);
}

function padTo(series: MetricSeries, n: number): void {
  while (series.length < n) series.push(null);
}

function advanceInbound(f: Fields, track: StreamTrack, from: number, n: number): void {
  const s = track.series as Record<InboundMetric, MetricSeries>;
  let prev = track.prev;
  for (let row = from; row < n; row++) {
    if (!present(f, row)) continue;
    const jitter = num(at(f, 'jitter', row));
    s.jitterMs[row] = jitter === null ? null : 1000 * jitter;
    s.frameWidth[row] = num(at(f, 'frameWidth', row));
    s.frameHeight[row] = num(at(f, 'frameHeight', row));
    const dt = prev >= 0 ? intervalMs(f, prev, row) : null;
    s.audioLevel[row] = audioLevelBetween(f, dt === null ? -1 : prev, row);
    if (dt === null) {
      s.fps[row] = num(at(f, 'framesPerSecond', row));
      prev = row;
      continue;
    }
    s.bitrate[row] = internalsRate('inbound-rtp', '[bytesReceived_in_bits/s]', f, prev, row);
    s.packetRate[row] = internalsRate('inbound-rtp', '[packetsReceived/s]', f, prev, row);
    s.lossFraction[row] = lossFraction(fieldDelta(f, 'packetsLost', prev, row), fieldDelta(f, 'packetsReceived', prev, row));
    s.fps[row] = fpsBetween(f, 'framesDecoded', prev, row, dt);
    const freezes = counterDelta(f, 'freezeCount', prev, row);
    s.freezeCount[row] = freezes;
    const frozen = counterDelta(f, 'totalFreezesDuration', prev, row);
    s.freezeDurationMs[row] = frozen === null ? null : 1000 * frozen;
    s.freezeRatio[row] = frozen === null ? null : clamp01((1000 * frozen) / dt);
    s.decodeMsPerFrame[row] = counterRatio(f, 'totalDecodeTime', 'framesDecoded', prev, row, 1000);
    s.qpPerFrame[row] = counterRatio(f, 'qpSum', 'framesDecoded', prev, row);
    s.jitterBufferDelayMs[row] = counterRatio(f, 'jitterBufferDelay', 'jitterBufferEmittedCount', prev, row, 1000);
    s.concealmentRatio[row] = audibleConcealment(f, prev, row);
    s.pliRate[row] = counterRate(f, 'pliCount', prev, row, dt);
    prev = row;
  }
  track.prev = prev;
}

/** The remote-inbound-rtp object reporting on outbound `id` at `row`: its `remoteId`, else one whose localId is id. */
function remoteOf(columns: StatsColumns, f: Fields, row: number, fallback: string | null): string | null {
  const remote = str(at(f, 'remoteId', row));
  if (remote && hasOwn.call(columns.objects, remote) && columns.objects[remote].type === 'remote-inbound-rtp') return remote;
  return fallback;
}

function advanceOutbound(columns: StatsColumns, track: StreamTrack, from: number, n: number): void {
  const f = columns.objects[track.statsId].fields;
  const s = track.series as Record<OutboundMetric, MetricSeries>;
  let prev = track.prev;
  // Sender-side loss spans the interval between two receiver reports (the remote object's timestamp advanced).
  let lastReport = track.lastReport;
  let lastRemote = track.lastRemote;
  let remotePrev = track.remotePrev;
  let heldLoss = track.heldLoss;
  const held = track.held!;
  const sourcePrev = track.sourcePrev;
  for (let row = from; row < n; row++) {
    // The remote object and the media source live their own lives: follow them even where we skip.
    const remoteId = present(f, row) ? remoteOf(columns, f, row, track.byLocal) : null;
    const r = remoteId ? columns.objects[remoteId].fields : undefined;
    if (remoteId !== lastRemote) {
      lastReport = -1;
      remotePrev = -1;
      lastRemote = remoteId;
      heldLoss = null;
    }
    if (r && present(r, row)) {
      const jitter = num(at(r, 'jitter', row));
      const jitterMs = jitter === null ? null : 1000 * jitter;
      s.fractionLost[row] = num(at(r, 'fractionLost', row));
      const isNew = lastReport >= 0 && intervalMs(r, lastReport, row) !== null;
      // The jitter is a level the object keeps until the next report: one sample per report (the first one seen
      // included), so that one report is one of the samples the rules count, not one per poll until the next.
      if (lastReport < 0 || isNew) s.remoteJitterMs[row] = jitterMs;
      held.remoteJitterMs[row] = jitterMs;
      if (remotePrev >= 0) {
        const rtt = counterRatio(r, 'totalRoundTripTime', 'roundTripTimeMeasurements', remotePrev, row, 1000);
        const reported = num(at(r, 'roundTripTime', row));
        s.rttMs[row] = rtt ?? (!col(r, 'totalRoundTripTime') && isNew && reported !== null ? 1000 * reported : null);
      }
      if (isNew) {
        const lost = fieldDelta(r, 'packetsLost', lastReport, row);
        if (col(r, 'packetsReceived')) {
          s.lossFraction[row] = lossFraction(lost, fieldDelta(r, 'packetsReceived', lastReport, row));
        } else {
          // Chromium: no packetsReceived; Δlost / Δ(our packetsSent), approximate because RRs lag (§3.1).
          const sent = counterDelta(f, 'packetsSent', lastReport, row);
          s.lossFraction[row] = lost === null || sent === null || sent <= 0 ? null : clamp01(lost / sent);
        }
        heldLoss = s.lossFraction[row];
      }
      held.lossFraction[row] = heldLoss;
      if (lastReport < 0 || isNew) lastReport = row;
      remotePrev = row;
    } else {
      heldLoss = null;
    }
    if (!present(f, row)) continue;
    s.frameWidth[row] = num(at(f, 'frameWidth', row));
    s.frameHeight[row] = num(at(f, 'frameHeight', row));
    s.targetBitrate[row] = num(at(f, 'targetBitrate', row));
    const sourceId = str(at(f, 'mediaSourceId', row));
    const src = sourceId && hasOwn.call(columns.objects, sourceId) ? columns.objects[sourceId].fields : undefined;
    if (sourceId && src && present(src, row)) {
      s.sourceFps[row] = num(at(src, 'framesPerSecond', row));
      const sp = sourcePrev.get(sourceId) ?? -1;
      s.audioLevel[row] = audioLevelBetween(src, sp >= 0 && intervalMs(src, sp, row) !== null ? sp : -1, row);
      sourcePrev.set(sourceId, row);
    }
    const dt = prev >= 0 ? intervalMs(f, prev, row) : null;
    if (dt === null) {
      s.fps[row] = num(at(f, 'framesPerSecond', row));
      prev = row;
      continue;
    }
    s.bitrate[row] = internalsRate('outbound-rtp', '[bytesSent_in_bits/s]', f, prev, row);
    s.packetRate[row] = internalsRate('outbound-rtp', '[packetsSent/s]', f, prev, row);
    s.fps[row] = fpsBetween(f, 'framesEncoded', prev, row, dt);
    s.encodeMsPerFrame[row] = counterRatio(f, 'totalEncodeTime', 'framesEncoded', prev, row, 1000);
    s.qpPerFrame[row] = counterRatio(f, 'qpSum', 'framesEncoded', prev, row);
    s.qualityLimitedCpuS[row] = limitationDelta(f, 'cpu', prev, row);
    s.qualityLimitedBandwidthS[row] = limitationDelta(f, 'bandwidth', prev, row);
    s.qualityLimitedOtherS[row] = limitationDelta(f, 'other', prev, row);
    s.pliRate[row] = counterRate(f, 'pliCount', prev, row, dt);
    prev = row;
  }
  track.prev = prev;
  track.lastReport = lastReport;
  track.lastRemote = lastRemote;
  track.remotePrev = remotePrev;
  track.heldLoss = heldLoss;
}

/**
 * Connection series from the selected candidate pair of each row (rates against that pair's previous row). A PC
 * without BUNDLE has a transport, and a selected pair, per m-line: bitrates and available bitrate are summed over
 * them and the RTT is the worst path's, as the connection charts show them.
 */
function advanceConnection(tracker: MetricsTracker, columns: StatsColumns, from: number, n: number): void {
  const out = tracker.connection;
  for (const key in out) padTo(out[key as ConnectionMetric], n);
  const lastRow = tracker.pairPrev;
  for (let row = from; row < n; row++) {
    for (const selected of selectedPairIdsAt(columns, row)) {
      const f = columns.objects[selected].fields;
      out.availableOutgoingBitrate[row] = sumOf(out.availableOutgoingBitrate[row], num(at(f, 'availableOutgoingBitrate', row)));
      const prev = lastRow.get(selected) ?? -1;
      const current = num(at(f, 'currentRoundTripTime', row));
      let rtt: MetricValue = null;
      if (prev >= 0 && intervalMs(f, prev, row) !== null) {
        rtt = counterRatio(f, 'totalRoundTripTime', 'responsesReceived', prev, row, 1000);
        out.sendBitrate[row] = sumOf(out.sendBitrate[row], internalsRate('candidate-pair', '[bytesSent_in_bits/s]', f, prev, row));
        out.receiveBitrate[row] = sumOf(out.receiveBitrate[row], internalsRate('candidate-pair', '[bytesReceived_in_bits/s]', f, prev, row));
      }
      const pathRtt = rtt ?? (current === null ? null : 1000 * current);
      const worst = out.rttMs[row];
      if (pathRtt !== null && (worst === null || pathRtt > worst)) out.rttMs[row] = pathRtt;
    }
    for (const id of tracker.pairIds) if (present(columns.objects[id].fields, row)) lastRow.set(id, row);
  }
}

/** a + b where either may be missing (null when both are). */
function sumOf(a: MetricValue, b: MetricValue): MetricValue {
  return a === null ? b : b === null ? a : a + b;
}

// ─── summaries ──────────────────────────────────────────────────────────────────────────────────────────────────

export interface MetricSummary {
  /** Number of values (non-null samples). */
  count: number;
  avg: number;
  min: number;
  max: number;
  /** 95th percentile, nearest-rank: the ⌈0.95·count⌉-th smallest value. */
  p95: number;
  /** Added in row order, as a live series adds up its new values (the same number at every length). */
  sum: number;
}

/** Nearest-rank percentile (0 < p ≤ 100) of ascending `sorted` values; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Average, min, max, p95 and sum of a series' values (nulls skipped); null when it has none. */
export function summarizeSeries(values: readonly MetricValue[]): MetricSummary | null {
  const tracker = new SeriesSummaryTracker();
  tracker.advance(values);
  return tracker.summary();
}

/** Up to this many new values are inserted one by one into the sorted ones; more are appended and sorted. */
const FEW_NEW_VALUES = 32;

/**
 * {@link summarizeSeries} of a series that grows, paying for its new rows only: the values so far kept sorted
 * (for the p95; an insertion moves memory, a few µs an hour in), and their running sum.
 */
export class SeriesSummaryTracker {
  private rows = 0;
  private sum = 0;
  private readonly sorted: number[] = [];

  /** Takes in the rows of `values` after those taken before (the same series, longer). */
  advance(values: readonly MetricValue[]): void {
    const sorted = this.sorted;
    const fresh: number[] = [];
    for (let row = this.rows; row < values.length; row++) {
      const v = values[row];
      if (v === null || !Number.isFinite(v)) continue;
      fresh.push(v);
      this.sum += v;
    }
    this.rows = values.length;
    if (fresh.length > FEW_NEW_VALUES) {
      for (const v of fresh) sorted.push(v);
      sorted.sort((a, b) => a - b);
      return;
    }
    for (const v of fresh) {
      // After any equal values, as the stable sort above places them.
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid] <= v) lo = mid + 1;
        else hi = mid;
      }
      sorted.splice(lo, 0, v);
    }
  }

  summary(): MetricSummary | null {
    const xs = this.sorted;
    if (xs.length === 0) return null;
    return { count: xs.length, avg: this.sum / xs.length, min: xs[0], max: xs[xs.length - 1], p95: percentile(xs, 95) as number, sum: this.sum };
  }
}

/** {@link SeriesSummaryTracker}s for each series of a record (a stream's metrics, the connection's). */
export class SeriesSummaries<K extends string> {
  private readonly trackers = new Map<K, SeriesSummaryTracker>();

  advance(series: Partial<Record<K, MetricSeries>>): void {
    for (const key of Object.keys(series) as K[]) {
      let tracker = this.trackers.get(key);
      if (!tracker) this.trackers.set(key, (tracker = new SeriesSummaryTracker()));
      tracker.advance(series[key] as MetricSeries);
    }
  }

  /** The summaries of the series with at least one value. */
  summaries(): Partial<Record<K, MetricSummary>> {
    const out: Partial<Record<K, MetricSummary>> = {};
    for (const [key, tracker] of this.trackers) {
      const s = tracker.summary();
      if (s) out[key] = s;
    }
    return out;
  }
}

function summarizeAll<K extends string>(series: Partial<Record<K, MetricSeries>>): Partial<Record<K, MetricSummary>> {
  const summaries = new SeriesSummaries<K>();
  summaries.advance(series);
  return summaries.summaries();
}

export interface StreamSummary extends Omit<StreamMetrics, 'series'> {
  /** Metrics with at least one value. */
  metrics: Partial<Record<StreamMetric, MetricSummary>>;
}

export interface PcHealthSummary {
  pcId: string;
  /** Creation time (PcSummary.createdAt, else the `pc-created` record), epoch ms; null if unknown. */
  createdAt: number | null;
  /** First `connectionstatechange` to "connected" (or, without any connectionstatechange, ICE connected/completed). */
  connectedAt: number | null;
  /** connectedAt − createdAt, ms. */
  setupTimeMs: number | null;
  /** From creation (else the first sample) to close (else the last sample), ms. */
  durationMs: number | null;
  streams: StreamSummary[];
  connection: Partial<Record<ConnectionMetric, MetricSummary>>;
}

/** When the PC was created and first connected, from its trace events. */
export function pcTimes(events: readonly TraceEvent[], pcId: string, pc?: PcSummary): { createdAt: number | null; connectedAt: number | null } {
  return pcTimesOf(pcEventFacts(events, pcId), pc);
}

/** {@link pcTimes} from the facts of the PC's events. */
export function pcTimesOf(facts: PcEventFacts, pc?: PcSummary): { createdAt: number | null; connectedAt: number | null } {
  return {
    createdAt: pc && Number.isFinite(pc.createdAt) ? pc.createdAt : facts.createdRecordAt,
    connectedAt: facts.sawConnectionState ? facts.connectedAt : facts.iceConnectedAt,
  };
}

/** A PC's summary: per stream and connection metric avg/min/max/p95, its duration and setup time. */
export function summarizePc(raw: StatsColumns | undefined, events: readonly TraceEvent[], pcId: string, pc?: PcSummary): PcHealthSummary {
  // Legacy stats as the assessment reads them (legacy-stats.ts).
  const columns = raw && standardStatsView(raw);
  const metrics = columns ? connectionMetrics(columns) : null;
  return pcHealthSummary(
    pcId, pcTimes(events, pcId, pc), columns?.t ?? [], pc,
    (metrics?.streams ?? []).map(({ series, ...rest }) => ({ ...rest, metrics: summarizeAll(series) })),
    metrics ? summarizeAll(metrics.connection) : {},
  );
}

/** The summary from its parts: the PC's times, its samples' times and the summaries of its metrics. */
export function pcHealthSummary(
  pcId: string, times: { createdAt: number | null; connectedAt: number | null }, t: readonly number[], pc: PcSummary | undefined,
  streams: StreamSummary[], connection: Partial<Record<ConnectionMetric, MetricSummary>>,
): PcHealthSummary {
  const { createdAt, connectedAt } = times;
  const start = createdAt ?? (t.length > 0 ? t[0] : null);
  const end = pc?.closedAt ?? (t.length > 0 ? t[t.length - 1] : null);
  return {
    pcId,
    createdAt,
    connectedAt,
    setupTimeMs: createdAt !== null && connectedAt !== null ? connectedAt - createdAt : null,
    durationMs: start !== null && end !== null && end >= start ? end - start : null,
    streams,
    connection,
  };
}

export interface SessionHealthSummary {
  sessionId: string;
  /** (endedAt, else lastActivityAt) − startedAt, ms. */
  durationMs: number;
  pcs: PcHealthSummary[];
}

/** Summary of every PC of a session. */
export function summarizeSession(data: SessionData): SessionHealthSummary {
  const s = data.session;
  return {
    sessionId: s.id,
    durationMs: Math.max(0, (s.endedAt ?? s.lastActivityAt) - s.startedAt),
    pcs: data.pcs.map((pc) => summarizePc(data.stats[pc.pcId], data.events, pc.pcId, pc)),
  };
}
