/**
 * Long sessions for chart tests and the benchmark, made from recorded samples: a recorded call is repeated
 * end to end ("tiles"), with times shifted and every cumulative counter continued from where the previous tile
 * ended, so rates, loss and levels look like the recording all along (no resets, no spikes).
 */
import type { Json } from '../../../lib/protocol/json';
import type { StatsObject, StatsSample } from '../../../lib/model/session';

/** Fields that are levels or identifiers, never continued across tiles (everything else numeric and non-decreasing is). */
const NOT_COUNTERS = new Set([
  'ssrc', 'payloadType', 'clockRate', 'channels', 'port', 'relatedPort', 'priority', 'dataChannelIdentifier',
  'frameWidth', 'frameHeight', 'framesPerSecond', 'width', 'height', 'audioLevel', 'jitter', 'roundTripTime',
  'currentRoundTripTime', 'availableOutgoingBitrate', 'availableIncomingBitrate', 'targetBitrate', 'fractionLost',
  'encodingIndex', 'echoReturnLoss', 'echoReturnLossEnhancement',
]);
const TIME_FIELDS = /^(timestamp|remoteTimestamp|lastPacketReceivedTimestamp|lastPacketSentTimestamp|estimatedPlayoutTimestamp)$/;

/**
 * Repeats `samples` (one PC's consecutive polls) `tiles` times. Poll spacing stays the recording's; tile k starts
 * one poll interval after tile k − 1 ended.
 */
export function tileSamples(samples: StatsSample[], tiles: number): StatsSample[] {
  if (samples.length < 2) return samples.slice();
  const first = samples[0];
  const last = samples[samples.length - 1];
  const step = (last.t - first.t) / (samples.length - 1);
  const span = last.t - first.t + step;
  // Per object and field: how much a counter grew over one tile.
  const growth = new Map<string, number>();
  for (const [id, obj] of Object.entries(last.report)) {
    const start = findFirst(samples, id);
    if (!start) continue;
    for (const [key, value] of Object.entries(obj)) {
      if (typeof value !== 'number' || NOT_COUNTERS.has(key) || TIME_FIELDS.test(key)) continue;
      const v0 = start[key];
      // One poll more than first → last, so the step across a tile boundary is an average step, not 0.
      if (typeof v0 === 'number' && value >= v0) growth.set(`${id}\u0000${key}`, ((value - v0) * samples.length) / (samples.length - 1));
    }
  }
  const out: StatsSample[] = [];
  for (let k = 0; k < tiles; k++) {
    for (const s of samples) {
      const report: Record<string, StatsObject> = {};
      for (const [id, obj] of Object.entries(s.report)) {
        const copy: Record<string, Json> = {};
        for (const [key, value] of Object.entries(obj)) {
          if (k > 0 && typeof value === 'number') {
            if (TIME_FIELDS.test(key)) {
              copy[key] = value + k * span;
              continue;
            }
            const g = growth.get(`${id}\u0000${key}`);
            if (g !== undefined) {
              copy[key] = value + k * g;
              continue;
            }
          }
          copy[key] = value;
        }
        report[id] = copy;
      }
      out.push({ index: out.length, t: s.t + k * span, report, cost: s.cost });
    }
  }
  return out;
}

function findFirst(samples: StatsSample[], id: string): StatsObject | undefined {
  for (const s of samples) if (s.report[id]) return s.report[id];
  return undefined;
}
