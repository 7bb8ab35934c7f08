/**
 * Derived rate series, as chrome://webrtc-internals computes them (its StatsRatesCalculator; formulas in
 * shared/docs/domain.md §2.3), from stored stats columns. Names are Chromium's bracketed names, so charts, exports
 * and imported dumps speak of the same series. Each value is computed between a sample and the sample just before
 * it, with Δt from the object's own `timestamp`; no value (null) where the object was not in that previous sample
 * (Chromium compares each report with the previous one only: an object absent from some polls gets no value on
 * its return, not one averaged over its absence), Δt ≤ 0, a counter is missing, or (for ratios) the denominator
 * did not grow. Pure: columns in, columns out.
 *
 * Chromium leaves packet rates out (its "rounded" modifier makes them NaN); we add `[packetsSent/s]` and
 * `[packetsReceived/s]` because loss and rate charts need them.
 */
import { ownEntry, type StatsColumns } from './session';

export type RateRule =
  | { name: string; kind: 'per-second'; field: string }
  | { name: string; kind: 'bits-per-second'; field: string }
  | { name: string; kind: 'ratio'; numerator: string; denominator: string; scale: 1 | 1000 }
  | { name: string; kind: 'rms' }
  /** `[A-B-C]`: A − B − C of the current sample only (Chromium computes it from the first poll on). */
  | { name: string; kind: 'difference'; fields: readonly string[] }
  /** `[interFrameDelayStDev_in_ms]`: 1000·√((ΔtotalSquaredInterFrameDelay − ΔtotalInterFrameDelay²/ΔframesDecoded)/ΔframesDecoded). */
  | { name: string; kind: 'inter-frame-stdev-ms' };

const perSecond = (field: string): RateRule => ({ name: `[${field}/s]`, kind: 'per-second', field });
const bits = (field: string): RateRule => ({ name: `[${field}_in_bits/s]`, kind: 'bits-per-second', field });
const ratio = (numerator: string, denominator: string): RateRule => ({ name: `[${numerator}/${denominator}]`, kind: 'ratio', numerator, denominator, scale: 1 });
const ratioMs = (numerator: string, denominator: string): RateRule => ({ name: `[${numerator}/${denominator}_in_ms]`, kind: 'ratio', numerator, denominator, scale: 1000 });
const rms: RateRule = { name: '[Audio_Level_in_RMS]', kind: 'rms' };
const difference = (...fields: string[]): RateRule => ({ name: `[${fields.join('-')}]`, kind: 'difference', fields });
const interFrameStdev: RateRule = { name: '[interFrameDelayStDev_in_ms]', kind: 'inter-frame-stdev-ms' };

/** Which derived series each stats type gets. */
export const RATE_RULES: Record<string, readonly RateRule[]> = {
  'outbound-rtp': [
    bits('bytesSent'), bits('headerBytesSent'), bits('retransmittedBytesSent'), bits('totalEncodedBytesTarget'),
    perSecond('packetsSent'), perSecond('framesEncoded'), perSecond('framesSent'),
    ratioMs('totalPacketSendDelay', 'packetsSent'), ratioMs('totalEncodeTime', 'framesEncoded'), ratio('qpSum', 'framesEncoded'),
  ],
  'inbound-rtp': [
    bits('bytesReceived'), bits('headerBytesReceived'), bits('retransmittedBytesReceived'), bits('fecBytesReceived'),
    perSecond('packetsReceived'), perSecond('framesReceived'), perSecond('framesDecoded'), perSecond('keyFramesDecoded'),
    difference('framesReceived', 'framesDecoded', 'framesDropped'),
    ratioMs('totalDecodeTime', 'framesDecoded'), ratioMs('totalInterFrameDelay', 'framesDecoded'), interFrameStdev, ratio('qpSum', 'framesDecoded'),
    ratioMs('jitterBufferDelay', 'jitterBufferEmittedCount'), ratioMs('jitterBufferTargetDelay', 'jitterBufferEmittedCount'),
    ratioMs('jitterBufferMinimumDelay', 'jitterBufferEmittedCount'), ratioMs('totalProcessingDelay', 'jitterBufferEmittedCount'),
    ratioMs('totalAssemblyTime', 'framesAssembledFromMultiplePackets'),
    perSecond('totalSamplesReceived'), perSecond('concealedSamples'), ratio('concealedSamples', 'totalSamplesReceived'),
    perSecond('silentConcealedSamples'), perSecond('insertedSamplesForDeceleration'), perSecond('removedSamplesForAcceleration'),
    rms,
  ],
  'remote-inbound-rtp': [ratio('totalRoundTripTime', 'roundTripTimeMeasurements')],
  'remote-outbound-rtp': [ratio('totalRoundTripTime', 'roundTripTimeMeasurements')],
  'candidate-pair': [bits('bytesSent'), bits('bytesReceived'), ratio('totalRoundTripTime', 'responsesReceived')],
  transport: [bits('bytesSent'), bits('bytesReceived')],
  'data-channel': [perSecond('messagesSent'), perSecond('messagesReceived'), bits('bytesSent'), bits('bytesReceived')],
  'media-source': [rms],
  'media-playout': [ratio('totalPlayoutDelay', 'totalSamplesCount')],
};

/** stats id → derived series name → values aligned with `columns.t`. */
export type DerivedSeries = Record<string, Record<string, (number | null)[]>>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Computes every derived series the objects' types call for. Series with no value at all are left out. */
export function deriveRates(columns: StatsColumns): DerivedSeries {
  const out: DerivedSeries = {};
  const length = columns.t.length;
  for (const id of Object.keys(columns.objects)) {
    const object = columns.objects[id];
    const rules = ownEntry(RATE_RULES, object.type);
    if (!rules) continue;
    const ts = object.fields.timestamp ?? [];
    const series: Record<string, (number | null)[]> = {};
    for (const rule of rules) {
      const values = new Array<number | null>(length).fill(null);
      let any = false;
      // The previous sample, if this object existed in it (objects can be absent from some samples).
      let prev = -1;
      for (let i = 0; i < length; i++) {
        const t = num(ts[i]);
        if (t === null) continue;
        if (rule.kind === 'difference') {
          const value = current(rule, object.fields, i);
          if (value !== null) {
            values[i] = value;
            any = true;
          }
        } else if (prev === i - 1) {
          const value = compute(rule, object.fields, prev, i, t - (num(ts[prev]) as number));
          if (value !== null) {
            values[i] = value;
            any = true;
          }
        }
        prev = i;
      }
      if (any) series[rule.name] = values;
    }
    if (Object.keys(series).length > 0) out[id] = series;
  }
  return out;
}

function delta(fields: StatsColumns['objects'][string]['fields'], field: string, prev: number, i: number): number | null {
  const column = fields[field];
  if (!column) return null;
  const a = num(column[prev]);
  const b = num(column[i]);
  return a === null || b === null ? null : b - a;
}

function compute(rule: RateRule, fields: StatsColumns['objects'][string]['fields'], prev: number, i: number, dt: number): number | null {
  switch (rule.kind) {
    case 'per-second': {
      const d = delta(fields, rule.field, prev, i);
      return d === null || dt <= 0 ? null : (1000 * d) / dt;
    }
    case 'bits-per-second': {
      const d = delta(fields, rule.field, prev, i);
      return d === null || dt <= 0 ? null : Math.round((8 * 1000 * d) / dt);
    }
    case 'ratio': {
      const n = delta(fields, rule.numerator, prev, i);
      const d = delta(fields, rule.denominator, prev, i);
      return n === null || d === null || d <= 0 ? null : (rule.scale * n) / d;
    }
    case 'rms': {
      const energy = delta(fields, 'totalAudioEnergy', prev, i);
      const duration = delta(fields, 'totalSamplesDuration', prev, i);
      return energy === null || duration === null || duration <= 0 ? null : Math.sqrt(energy / duration);
    }
    case 'difference':
      return current(rule, fields, i);
    case 'inter-frame-stdev-ms': {
      const squares = delta(fields, 'totalSquaredInterFrameDelay', prev, i);
      const sum = delta(fields, 'totalInterFrameDelay', prev, i);
      const frames = delta(fields, 'framesDecoded', prev, i);
      if (squares === null || sum === null || frames === null || frames <= 0) return null;
      const variance = (squares - (sum * sum) / frames) / frames;
      // A negative variance (inconsistent counters, or rounding around zero) has no square root: no value, as the
      // formula gives (domain.md §2.3; Chromium's own Math.sqrt would give NaN, which it does not plot).
      return variance < 0 ? null : 1000 * Math.sqrt(variance);
    }
  }
}

/** A rule computed from the current sample alone (`[A-B-C]`). */
function current(rule: Extract<RateRule, { kind: 'difference' }>, fields: StatsColumns['objects'][string]['fields'], i: number): number | null {
  let out: number | null = null;
  for (const [k, field] of rule.fields.entries()) {
    const v = num(fields[field]?.[i]);
    if (v === null) return null;
    out = k === 0 ? v : (out as number) - v;
  }
  return out;
}

/** The rule called `name` (a bracketed name such as `[bytesSent_in_bits/s]`) for objects of `type`, if any. */
export function findRateRule(type: string, name: string): RateRule | undefined {
  return ownEntry(RATE_RULES, type)?.find((rule) => rule.name === name);
}

/** The per-second (or bits-per-second) rule whose counter is `field` for objects of `type`, if any. */
export function counterRateRule(type: string, field: string): RateRule | undefined {
  return ownEntry(RATE_RULES, type)?.find((rule) => (rule.kind === 'per-second' || rule.kind === 'bits-per-second') && rule.field === field);
}

/**
 * One value of `rule` at row `i` of an object's columns against row `prev`, the object's previous row (Δt from
 * its own `timestamp`), exactly as {@link deriveRates} computes it; null where it gives nothing, in particular
 * when `prev` is not the row just before `i` (the object was absent there: Chromium gives no rate).
 */
export function rateBetween(rule: RateRule, fields: StatsColumns['objects'][string]['fields'], prev: number, i: number): number | null {
  if (rule.kind === 'difference') return current(rule, fields, i);
  const ts = fields.timestamp;
  if (!ts || prev !== i - 1) return null;
  const a = num(ts[prev]);
  const b = num(ts[i]);
  return a === null || b === null ? null : compute(rule, fields, prev, i, b - a);
}
