/**
 * Derived rates pinned against the values Chromium itself computed: the corpus rtcstats export of a 60 s call
 * carries, in every getStats line, both the raw fields and Chromium's own bracketed rate fields. We derive from
 * the raw fields only and compare with Chromium's.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { StatsReportJson, StatsSample } from '../../../lib/model/session';
import { deriveRates, RATE_RULES } from '../../../lib/model/rates';
import { samplesToColumns } from '../../../lib/model/stats-columns';
import { RTCSTATS_V3_CALL } from './corpus';

type Report = Record<string, Record<string, unknown>>;

function chromeReports(pc: '10-1' | '10-2'): Report[] {
  const lines = gunzipSync(readFileSync(RTCSTATS_V3_CALL)).toString('utf8').split('\n').slice(2);
  return lines.map((l) => JSON.parse(l)).filter((e) => e[0] === 'getStats' && e[1] === pc).map((e) => e[2] as Report);
}

function rawColumns(reports: Report[]) {
  const samples: StatsSample[] = reports.map((report, index) => {
    const raw: StatsReportJson = {};
    for (const [id, o] of Object.entries(report)) {
      raw[id] = Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'id' && !k.startsWith('['))) as never;
    }
    return { index, t: index * 1000, report: raw };
  });
  return samplesToColumns(samples);
}

describe('deriveRates', () => {
  it.each(['10-1', '10-2'] as const)('matches every rate Chromium computed for PC %s', (pc) => {
    const reports = chromeReports(pc);
    const derived = deriveRates(rawColumns(reports));
    const names = new Set(Object.values(RATE_RULES).flat().map((r) => r.name));
    let compared = 0;
    reports.forEach((report, i) => {
      for (const [id, o] of Object.entries(report)) {
        for (const [key, chromeValue] of Object.entries(o)) {
          if (!names.has(key) || typeof chromeValue !== 'number') continue;
          const ours = derived[id]?.[key]?.[i];
          expect(ours, `${id} ${key} poll ${i}`).not.toBeNull();
          expect(ours).toBeCloseTo(chromeValue, 6);
          compared++;
        }
      }
    });
    expect(compared).toBeGreaterThan(1000);
  });

  it('gives nothing for the first sample, a non-advancing timestamp or a denominator that did not grow', () => {
    const columns = samplesToColumns([
      { index: 0, t: 0, report: { O: { type: 'outbound-rtp', timestamp: 1000, bytesSent: 0, packetsSent: 0, totalEncodeTime: 0, framesEncoded: 0 } } },
      { index: 1, t: 1, report: { O: { type: 'outbound-rtp', timestamp: 2000, bytesSent: 1000, packetsSent: 10, totalEncodeTime: 0.5, framesEncoded: 25 } } },
      { index: 2, t: 2, report: { O: { type: 'outbound-rtp', timestamp: 2000, bytesSent: 2000, packetsSent: 20, totalEncodeTime: 0.5, framesEncoded: 25 } } },
      { index: 3, t: 3, report: { O: { type: 'outbound-rtp', timestamp: 2500, bytesSent: 2500, packetsSent: 25, totalEncodeTime: 0.6, framesEncoded: 25 } } },
    ]);
    const o = deriveRates(columns).O;
    expect(o['[bytesSent_in_bits/s]']).toEqual([null, 8000, null, 8000]);
    expect(o['[packetsSent/s]']).toEqual([null, 10, null, 10]);
    expect(o['[totalEncodeTime/framesEncoded_in_ms]']).toEqual([null, 20, null, null]);
  });

  it('gives nothing for an object that was not in the previous sample (Chromium compares with the previous report only)', () => {
    // The corpus sender's video stream missing from polls 20 and 21: Chromium's calculator has no previous stats
    // for it at poll 22, so no rate there (ours averaged the two polls of absence into it).
    const reports = chromeReports('10-1');
    const video = Object.keys(reports[0]).find((id) => reports[0][id].type === 'outbound-rtp' && reports[0][id].kind === 'video')!;
    const gapped = reports.map((r, i) => (i === 20 || i === 21 ? Object.fromEntries(Object.entries(r).filter(([id]) => id !== video)) : r));
    const rates = deriveRates(rawColumns(gapped))[video]['[bytesSent_in_bits/s]'];
    expect(rates.slice(19, 24).map((v) => v !== null)).toEqual([true, false, false, false, true]);
    expect(rates[23]).toBe(reports[23][video]['[bytesSent_in_bits/s]']);
  });

  it('[interFrameDelayStDev_in_ms]: nothing for a negative variance (inconsistent counters): no square root', () => {
    const inbound = (t: number, framesDecoded: number, totalInterFrameDelay: number, totalSquaredInterFrameDelay: number) =>
      ({ I: { type: 'inbound-rtp', timestamp: t, framesDecoded, totalInterFrameDelay, totalSquaredInterFrameDelay } });
    const columns = samplesToColumns([
      { index: 0, t: 0, report: inbound(1000, 0, 0, 0) },
      // 10 frames 100 ms apart: variance 0.
      { index: 1, t: 1, report: inbound(2000, 10, 1, 0.1) },
      // Σd² 0.09 < (Σd)²/n = 0.1: variance −0.001.
      { index: 2, t: 2, report: inbound(3000, 20, 2, 0.19) },
      // 10 frames of 50 and 150 ms: σ = 50 ms.
      { index: 3, t: 3, report: inbound(4000, 30, 3, 0.19 + 5 * 0.0025 + 5 * 0.0225) },
    ]);
    const stdev = deriveRates(columns).I['[interFrameDelayStDev_in_ms]'];
    expect(stdev[1]).toBe(0);
    expect(stdev[2]).toBeNull();
    expect(stdev[3]).toBeCloseTo(50, 9);
  });
});
