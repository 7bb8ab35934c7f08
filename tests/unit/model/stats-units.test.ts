import { describe, expect, it } from 'vitest';
import type { Json } from '../../../lib/protocol/json';
import { NTP_UNIX_OFFSET_MS, statsFieldUnit, statsValueHint } from '../../../lib/model/stats-units';
import { getStatsReport } from '../../fixtures/session-builders';

/** Epoch ms of a local wall-clock time, so the expected text holds in any time zone. */
const local = (h: number, m: number, s: number, ms: number) => new Date(2026, 10, 22, h, m, s, ms).getTime();

describe('statsFieldUnit', () => {
  it('knows the spec units of the fields that have one', () => {
    expect(statsFieldUnit('timestamp')).toBe('epoch-ms');
    expect(statsFieldUnit('remoteTimestamp')).toBe('remote-epoch-ms');
    expect(statsFieldUnit('estimatedPlayoutTimestamp')).toBe('sender-clock-ms');
    for (const name of ['jitter', 'roundTripTime', 'currentRoundTripTime', 'totalRoundTripTime', 'totalPacketSendDelay', 'jitterBufferDelay', 'totalProcessingDelay', 'totalInterFrameDelay', 'totalDecodeTime', 'totalEncodeTime', 'totalSamplesDuration', 'totalFreezesDuration', 'totalPlayoutDelay']) {
      expect(statsFieldUnit(name), name).toBe('seconds');
    }
    for (const name of ['bytesSent', 'bytesReceived', 'headerBytesSent', 'retransmittedBytesReceived', 'totalEncodedBytesTarget']) {
      expect(statsFieldUnit(name), name).toBe('bytes');
    }
    for (const name of ['availableOutgoingBitrate', 'availableIncomingBitrate', 'targetBitrate']) {
      expect(statsFieldUnit(name), name).toBe('bits-per-second');
    }
  });

  it('infers nothing from a name: Delay/Duration/Time fields that are not seconds, and unsure or unitless fields, have none', () => {
    // s², energy × s, a fraction whose scale the sources disagree on, counts, identifiers, strings.
    for (const name of ['totalSquaredInterFrameDelay', 'totalAudioEnergy', 'fractionLost', 'jitterBufferEmittedCount', 'packetsSent', 'framesPerSecond', 'ssrc', 'priority', 'kind', 'totalTime', 'someVendorDelay']) {
      expect(statsFieldUnit(name), name).toBeNull();
    }
  });

  it('does not find prototype keys for page-named fields', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(statsFieldUnit(name), name).toBeNull();
    expect(statsValueHint('__proto__', 1)).toBeNull();
  });
});

describe('statsValueHint', () => {
  it('epoch-ms times → local clock time, marked as epoch ms', () => {
    expect(statsValueHint('timestamp', local(14, 3, 22, 123))).toBe('14:03:22.123 local time (epoch ms)');
    // Chromium's fractional ms: the clock shows whole ms.
    expect(statsValueHint('timestamp', local(0, 0, 5, 7) + 0.29)).toBe('00:00:05.007 local time (epoch ms)');
    expect(statsValueHint('lastPacketReceivedTimestamp', local(23, 59, 59, 999))).toBe('23:59:59.999 local time (epoch ms)');
    expect(statsValueHint('lastPacketSentTimestamp', local(9, 30, 0, 0))).toBe('09:30:00.000 local time (epoch ms)');
    expect(statsValueHint('remoteTimestamp', local(14, 31, 47, 346))).toBe('14:31:47.346 remote clock (epoch ms)');
  });

  it('estimatedPlayoutTimestamp: NTP ms (Chromium) and epoch ms (Firefox) both read as the sender clock', () => {
    const t = local(14, 31, 51, 7);
    expect(statsValueHint('estimatedPlayoutTimestamp', t + NTP_UNIX_OFFSET_MS)).toBe('14:31:51.007 sender clock (NTP ms)');
    expect(statsValueHint('estimatedPlayoutTimestamp', t)).toBe('14:31:51.007 sender clock (epoch ms)');
    // The corpus' Chromium value is NTP: 1900 + 2026 years, not the year 2096.
    const chromium = getStatsReport('chromium156.json', 'pc2');
    const inbound = Object.values(chromium).find((o) => o.type === 'inbound-rtp' && typeof o.estimatedPlayoutTimestamp === 'number')!;
    const unix = (inbound.estimatedPlayoutTimestamp as number) - NTP_UNIX_OFFSET_MS;
    expect(Math.abs(unix - (inbound.timestamp as number))).toBeLessThan(60_000);
  });

  it('times a Date cannot hold, and non-numbers, get no hint', () => {
    expect(statsValueHint('timestamp', -1)).toBeNull();
    expect(statsValueHint('timestamp', 1e20)).toBeNull();
    expect(statsValueHint('timestamp', '1795314700999')).toBeNull();
    expect(statsValueHint('jitter', null)).toBeNull();
    expect(statsValueHint('jitter', true)).toBeNull();
    expect(statsValueHint('bytesSent', [1, 2])).toBeNull();
  });
});

/** Per rule: field, value, expected hint (null: none). */
const HINTS: Record<string, [string, Json, string | null][]> = {
  'seconds → ms below a second, s from there, trailing zeros dropped': [
    ['jitter', 0, '0 ms'],
    ['jitter', 0.0005, '0.5 ms'],
    ['jitter', 0.000633, '0.63 ms'],
    ['roundTripTime', 0.0123, '12.3 ms'],
    ['currentRoundTripTime', 0.001, '1 ms'],
    ['totalRoundTripTime', 0.25, '250 ms'],
    ['totalPacketSendDelay', 0.9996, '1 s'],
    ['totalDecodeTime', 1.5, '1.5 s'],
    ['totalSamplesDuration', 15.149999999999721, '15.1 s'],
    ['jitterBufferTargetDelay', 25612.8, '25613 s'],
  ],
  'byte counters → B, kB, MB, GB (decimal, as network tools count)': [
    ['bytesSent', 0, '0 B'],
    ['bytesSent', 999, '999 B'],
    ['bytesSent', 1000, '1 kB'],
    ['bytesSent', 911958, '912 kB'],
    ['bytesReceived', 999_600, '1 MB'],
    ['headerBytesReceived', 1_234_567, '1.23 MB'],
    ['bytesReceived', 45_600_000_000, '45.6 GB'],
    ['bytesSent', -5, null],
  ],
  'bit/s → bit/s, kbit/s, Mbit/s': [
    ['availableOutgoingBitrate', 300, '300 bit/s'],
    ['targetBitrate', 32000, '32 kbit/s'],
    ['availableOutgoingBitrate', 2_500_000, '2.5 Mbit/s'],
    ['availableIncomingBitrate', 1_234_567, '1.23 Mbit/s'],
  ],
  'audioLevel → dBov (1.0 = 0 dBov), marked as linear 0..1': [
    ['audioLevel', 1, '0.0 dBov (0..1 linear)'],
    ['audioLevel', 0.5, '−6.0 dBov (0..1 linear)'],
    ['audioLevel', 0.1, '−20.0 dBov (0..1 linear)'],
    ['audioLevel', 0.99999, '0.0 dBov (0..1 linear)'],
    ['audioLevel', 0, 'silence (0..1 linear)'],
    ['audioLevel', 1.5, null],
  ],
  'echo return loss in dB, codec clock rate in Hz, quality-limitation durations in seconds': [
    ['echoReturnLoss', -30, '−30 dB'],
    ['echoReturnLossEnhancement', 0.17551203072071075, '0.18 dB'],
    ['clockRate', 90000, '90 kHz'],
    ['clockRate', 48000, '48 kHz'],
    ['qualityLimitationDurations', { bandwidth: 0, cpu: 0, none: 15.1, other: 0 }, 'values in seconds'],
    ['qualityLimitationDurations', { none: 'x' }, null],
    ['qualityLimitationDurations', {}, null],
  ],
  'fields without a known unit get no hint whatever their value': [
    ['totalSquaredInterFrameDelay', 1.2667989999999962, null],
    ['fractionLost', 0.5, null],
    ['packetsSent', 1234, null],
  ],
};

describe.each(Object.entries(HINTS))('statsValueHint: %s', (_rule, cases) => {
  it.each(cases)('%s %j → %s', (name, value, expected) => {
    expect(statsValueHint(name, value)).toBe(expected);
  });
});
