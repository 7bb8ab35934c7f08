/**
 * Units of stats fields, for the stats table: a short human rendering of a value (`0.0005` s of jitter → "0.5 ms",
 * `911958` bytes → "912 kB") shown beside the exact value, never instead of it.
 *
 * Only fields whose unit the W3C webrtc-stats definitions (and `shared/docs/domain.md` §1.2) state are listed; a field
 * not listed gets no hint. Names ending in Delay/Duration/Time are not all seconds, so nothing is inferred from a name:
 * - `totalSquaredInterFrameDelay` is a sum of squared seconds (s²), `totalAudioEnergy` a sum of squared levels times
 *   seconds: no hint.
 * - `fractionLost`: the spec says "fraction" (RFC 3550's 8-bit field), MDN says the value is that fraction × 256;
 *   sources disagree, so no hint.
 * - `estimatedPlayoutTimestamp` is the sender's NTP clock: Chromium reports NTP ms (since 1900, as webrtc-internals
 *   reads it), Firefox ms since 1970 (both in `corpus/getstats`). A value at or past the NTP–Unix offset (a Unix time
 *   after 2039) is read as NTP.
 *
 * Pure: no locale (fixed 24-hour clock), only the local time zone for clock times. Hints are meant to be computed
 * for the fields a view shows, not for a whole report.
 */
import type { Json } from '../protocol/json';
import { isEpochMs } from '../protocol/guards';

export type StatsUnit =
  /** ms since 1970 on this browser's clock. */
  | 'epoch-ms'
  /** ms since 1970 on the remote endpoint's clock (from its RTCP sender report). */
  | 'remote-epoch-ms'
  /** The sender's NTP clock in ms (since 1900 in Chromium, since 1970 in Firefox). */
  | 'sender-clock-ms'
  | 'seconds'
  /** A record of seconds (`qualityLimitationDurations`). */
  | 'seconds-record'
  | 'bytes'
  | 'bits-per-second'
  /** Linear 0..1, 1 = 0 dBov. */
  | 'audio-level'
  | 'decibels'
  | 'hertz';

const FIELDS_BY_UNIT: Record<StatsUnit, readonly string[]> = {
  'epoch-ms': ['timestamp', 'lastPacketReceivedTimestamp', 'lastPacketSentTimestamp'],
  'remote-epoch-ms': ['remoteTimestamp'],
  'sender-clock-ms': ['estimatedPlayoutTimestamp'],
  seconds: [
    'jitter',
    'roundTripTime',
    'currentRoundTripTime',
    'totalRoundTripTime',
    'jitterBufferDelay',
    'jitterBufferTargetDelay',
    'jitterBufferMinimumDelay',
    'totalProcessingDelay',
    'totalDecodeTime',
    'totalEncodeTime',
    'totalInterFrameDelay',
    'totalAssemblyTime',
    'totalFreezesDuration',
    'totalPausesDuration',
    'totalPacketSendDelay',
    'totalSamplesDuration',
    'synthesizedSamplesDuration',
    'totalPlayoutDelay',
    'totalCaptureDelay',
  ],
  'seconds-record': ['qualityLimitationDurations'],
  bytes: [
    'bytesSent',
    'bytesReceived',
    'headerBytesSent',
    'headerBytesReceived',
    'retransmittedBytesSent',
    'retransmittedBytesReceived',
    'fecBytesReceived',
    'bytesDiscardedOnSend',
    'totalEncodedBytesTarget',
  ],
  'bits-per-second': ['availableOutgoingBitrate', 'availableIncomingBitrate', 'targetBitrate'],
  'audio-level': ['audioLevel'],
  decibels: ['echoReturnLoss', 'echoReturnLossEnhancement'],
  hertz: ['clockRate'],
};

// A Map, not an object: field names come from the page (`__proto__`, `constructor` must find nothing).
const UNIT_OF = new Map<string, StatsUnit>(
  (Object.keys(FIELDS_BY_UNIT) as StatsUnit[]).flatMap((unit) => FIELDS_BY_UNIT[unit].map((name) => [name, unit] as const)),
);

/** The unit of a stats field, or null when it has none we know of (or is not a measurement). */
export function statsFieldUnit(name: string): StatsUnit | null {
  return UNIT_OF.get(name) ?? null;
}

/** ms from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01): 70 years with 17 leap days. */
export const NTP_UNIX_OFFSET_MS = 2_208_988_800_000;

/** About three significant digits, trailing zeros dropped ("0.5", "12.3", "912"); a typographic minus. */
function short(v: number): string {
  const a = Math.abs(v);
  const text = String(+v.toFixed(a < 10 ? 2 : a < 100 ? 1 : 0));
  return text === '-0' ? '0' : text.replace('-', '−');
}

/** `v` in the largest unit of `units` (each 1000 times the previous) that keeps it under 1000: "912 kB". */
function scaled(v: number, units: readonly string[]): string {
  let i = 0;
  // 999.5 and up would print as "1000": go one unit up instead.
  while (Math.abs(v) >= 999.5 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${short(v)} ${units[i]}`;
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];
const BIT_RATE_UNITS = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
const FREQUENCY_UNITS = ['Hz', 'kHz', 'MHz'];

/** Seconds as "0.5 ms" below a second, "1.5 s" from there. */
function seconds(s: number): string {
  const ms = s * 1000;
  return Math.abs(ms) < 999.5 ? `${short(ms)} ms` : `${short(s)} s`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local clock time of epoch ms, "14:03:22.123", or null when it is no time a Date can hold. */
function clockTime(epochMs: number): string | null {
  if (!isEpochMs(epochMs)) return null;
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function isSecondsRecord(value: Json): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const values = Object.values(value);
  return values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/**
 * A short reading of `value` for field `name` in its unit (see {@link StatsUnit}), or null: unknown unit, or a value
 * that is not what the unit expects (a string where a number belongs, a time out of range, a level outside 0..1…).
 */
export function statsValueHint(name: string, value: Json): string | null {
  const unit = UNIT_OF.get(name);
  if (unit === undefined) return null;
  if (unit === 'seconds-record') return isSecondsRecord(value) ? 'values in seconds' : null;
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  switch (unit) {
    case 'epoch-ms': {
      const clock = clockTime(value);
      return clock && `${clock} local time (epoch ms)`;
    }
    case 'remote-epoch-ms': {
      const clock = clockTime(value);
      return clock && `${clock} remote clock (epoch ms)`;
    }
    case 'sender-clock-ms': {
      const ntp = value >= NTP_UNIX_OFFSET_MS;
      const clock = clockTime(ntp ? value - NTP_UNIX_OFFSET_MS : value);
      return clock && `${clock} sender clock (${ntp ? 'NTP ms' : 'epoch ms'})`;
    }
    case 'seconds':
      return seconds(value);
    case 'bytes':
      return value >= 0 ? scaled(value, BYTE_UNITS) : null;
    case 'bits-per-second':
      return value >= 0 ? scaled(value, BIT_RATE_UNITS) : null;
    case 'hertz':
      return value > 0 ? scaled(value, FREQUENCY_UNITS) : null;
    case 'decibels':
      return `${short(value)} dB`;
    case 'audio-level': {
      if (value < 0 || value > 1) return null;
      if (value === 0) return 'silence (0..1 linear)';
      // One decimal: the level is an average over an implementation-defined interval, no finer than that.
      const db = 20 * Math.log10(value);
      const text = db.toFixed(1);
      return `${text === '-0.0' ? '0.0' : text.replace('-', '−')} dBov (0..1 linear)`;
    }
  }
}
