/**
 * The live charts' series: formulas pinned with hand-computed cases and against Chromium's own derived values
 * (the corpus rtcstats export carries both the raw fields and Chromium's bracketed rates), Firefox 153 shapes
 * from the corpus getStats files, and the incremental model held to a full rebuild.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildDefaultCharts, buildExtraChart, ChartModel, DEFAULT_CHARTS, QUALITY_LIMITATION_REASONS, type ChartSpec } from '../../../lib/model/chart-series';
import type { StatsObject, StatsReportJson, StatsSample } from '../../../lib/model/session';
import { deriveRates } from '../../../lib/model/rates';
import { appendSamples, emptyStatsColumns, samplesToColumns } from '../../../lib/model/stats-columns';
import { selectedPairIdsAt } from '../../../lib/model/candidate-pairs';
import { connectionMetrics } from '../../../lib/model/health/metrics';
import { CHROME_PAIR } from '../../fixtures/session-builders';
import { loadCallSamples, loadGetStatsFile, RTCSTATS_V3_CALL } from './corpus';

const sample = (index: number, t: number, report: Record<string, StatsObject>): StatsSample => ({ index, t, report });
const seriesOf = (charts: ChartSpec[], chartId: string, label?: string) => {
  const chart = charts.find((c) => c.id === chartId);
  if (!chart) throw new Error(`no chart ${chartId}: ${charts.map((c) => c.id).join(', ')}`);
  const s = label === undefined ? chart.series[0] : chart.series.find((x) => x.label === label);
  if (!s) throw new Error(`no series ${label} in ${chartId}: ${chart.series.map((x) => x.label).join(', ')}`);
  return s;
};
/** The report with every object's timestamp `ms` later. */
const shifted = (report: StatsReportJson, ms: number): StatsReportJson => {
  const out: StatsReportJson = {};
  for (const [id, o] of Object.entries(report)) out[id] = typeof o.timestamp === 'number' ? { ...o, timestamp: o.timestamp + ms } : o;
  return out;
};
const buildGaps = (samples: StatsSample[]) => {
  const model = new ChartModel();
  model.update(samplesToColumns(samples), 0);
  return model.gapRows;
};
const round = (values: (number | null)[], digits = 6) => values.map((v) => (v === null ? null : Number(v.toFixed(digits))));

const out = (ts: number, bytesSent: number, packetsSent: number, extra: StatsObject = {}): StatsObject => ({
  type: 'outbound-rtp', timestamp: ts, kind: 'video', mid: '1', ssrc: 1234567, bytesSent, packetsSent, ...extra,
});
const inb = (ts: number, bytesReceived: number, packetsReceived: number, packetsLost: number, extra: StatsObject = {}): StatsObject => ({
  type: 'inbound-rtp', timestamp: ts, kind: 'audio', mid: '0', ssrc: 42, bytesReceived, packetsReceived, packetsLost, ...extra,
});

describe('default charts: formulas', () => {
  it('bitrate in kbit/s and packets/s from two samples, Δt from the object timestamp', () => {
    const { x, charts } = buildDefaultCharts(samplesToColumns([
      sample(0, 10_000, { O: out(10_000, 0, 0) }),
      // 125 000 bytes in 1.25 s = 800 kbit/s; 100 packets in 1.25 s = 80 packets/s (not × 8).
      sample(1, 11_000, { O: out(11_250, 125_000, 100) }),
    ]));
    expect(x).toEqual([10, 11]);
    expect(seriesOf(charts, 'bitrate-send').values).toEqual([null, 800]);
    expect(seriesOf(charts, 'packet-rate').values).toEqual([null, 80]);
    expect(seriesOf(charts, 'bitrate-send').label).toBe('video out 1 (1234567)');
    expect(charts.find((c) => c.id === 'bitrate-send')).toMatchObject({ title: 'Send bitrate', unit: 'kbit/s' });
  });

  it('receiver loss is % per interval from cumulative counters, clamped, never cumulative', () => {
    const { charts } = buildDefaultCharts(samplesToColumns([
      sample(0, 0, { I: inb(0, 0, 0, 0) }),
      sample(1, 1000, { I: inb(1000, 1000, 95, 5) }), // 5 / (5 + 95) = 5 %
      sample(2, 2000, { I: inb(2000, 2000, 195, 5) }), // 0 / 100 = 0 % (the cumulative ratio would be 2.5 %)
      sample(3, 3000, { I: inb(3000, 3000, 305, 3) }), // duplicates: Δlost = -2 → 0 %
      sample(4, 4000, { I: inb(4000, 4000, 305, 3) }), // nothing expected: no value
      sample(5, 5000, { I: inb(5000, 5000, 330, 28) }), // 25 / 50 = 50 %
    ]));
    expect(round(seriesOf(charts, 'packet-loss').values)).toEqual([null, 5, 0, 0, null, 50]);
  });

  it('receiver loss: Δlost < 0 is 0 % even when the duplicates outnumber the packets received, as health has it', () => {
    const columns = samplesToColumns([
      sample(0, 0, { I: inb(0, 0, 0, 0) }),
      sample(1, 1000, { I: inb(1000, 1000, 100, 10) }),
      sample(2, 2000, { I: inb(2000, 1300, 103, 5) }), // 3 received, packetsLost −5: 0 %, not "no value"
      sample(3, 3000, { I: inb(3000, 1300, 103, 0) }), // nothing received, −5 lost: nothing expected
    ]);
    expect(round(seriesOf(buildDefaultCharts(columns).charts, 'packet-loss').values)).toEqual([null, round([100 / 11])[0], 0, null]);
    const health = connectionMetrics(columns).streams[0].series.lossFraction!;
    expect(health.map((v) => (v === null ? null : Number((100 * v).toFixed(6))))).toEqual([null, round([100 / 11])[0], 0, null]);
  });

  it('sender loss from remote-inbound-rtp: per receiver-report interval, held until the next report', () => {
    const ri = (ts: number, packetsLost: number, extra: StatsObject = {}): StatsObject => ({
      type: 'remote-inbound-rtp', timestamp: ts, kind: 'video', ssrc: 1234567, localId: 'O', packetsLost, ...extra,
    });
    // Chromium: no packetsReceived → Δlost / Δ(outbound packetsSent) between reports.
    const chromium = buildDefaultCharts(samplesToColumns([
      sample(0, 0, { O: out(0, 0, 0), R: ri(0, 0) }),
      sample(1, 1000, { O: out(1000, 1000, 100), R: ri(0, 0) }), // no new report yet
      sample(2, 2000, { O: out(2000, 2000, 200), R: ri(1900, 10) }), // 10 lost of 200 sent = 5 %
      sample(3, 3000, { O: out(3000, 3000, 300), R: ri(1900, 10) }), // same report: held
      sample(4, 4000, { O: out(4000, 4000, 400), R: ri(3900, 10) }), // 0 of 200
    ])).charts;
    const chromeLoss = seriesOf(chromium, 'packet-loss', 'video out 1 (1234567) · remote');
    expect(round(chromeLoss.values)).toEqual([null, null, 5, 5, 0]);
    // Firefox: packetsReceived present → Δlost / (Δlost + Δreceived).
    const firefox = buildDefaultCharts(samplesToColumns([
      sample(0, 0, { O: out(0, 0, 0), R: ri(0, 0, { packetsReceived: 0 }) }),
      sample(1, 1000, { O: out(1000, 1000, 100), R: ri(900, 2, { packetsReceived: 98 }) }), // 2 %
      sample(2, 2000, { O: out(2000, 2000, 200), R: ri(900, 2, { packetsReceived: 98 }) }), // held
    ])).charts;
    expect(round(seriesOf(firefox, 'packet-loss', 'video out 1 (1234567) · remote').values)).toEqual([null, 2, 2]);
  });

  it('jitter and round-trip time in ms: remote-inbound-rtp, inbound-rtp and the selected candidate pair', () => {
    const { charts } = buildDefaultCharts(samplesToColumns([
      sample(0, 0, {
        O: out(0, 0, 0),
        R: { type: 'remote-inbound-rtp', timestamp: 0, kind: 'video', ssrc: 1234567, localId: 'O', jitter: 0.004, roundTripTime: 0.05 },
        I: inb(0, 0, 0, 0, { jitter: 0.012 }),
        T: { type: 'transport', timestamp: 0, selectedCandidatePairId: 'CP2' },
        CP1: { type: 'candidate-pair', timestamp: 0, currentRoundTripTime: 0.3, bytesSent: 0, bytesReceived: 0 },
        CP2: { type: 'candidate-pair', timestamp: 0, currentRoundTripTime: 0.021, bytesSent: 0, bytesReceived: 0, availableOutgoingBitrate: 2_500_000 },
      }),
    ]));
    expect(round(seriesOf(charts, 'rtt', 'video out 1 (1234567) · remote').values)).toEqual([50]);
    expect(round(seriesOf(charts, 'rtt', 'ICE (selected pair)').values)).toEqual([21]);
    expect(round(seriesOf(charts, 'jitter', 'video out 1 (1234567) · remote').values)).toEqual([4]);
    expect(round(seriesOf(charts, 'jitter', 'audio in 0 (42)').values)).toEqual([12]);
    expect(seriesOf(charts, 'available-bitrate').values).toEqual([2500]);
  });

  it('the selected pair without selectedCandidatePairId (older Firefox: selected: true), and its switch is no spike', () => {
    const pair = (ts: number, selected: boolean, bytesSent: number): StatsObject => ({ type: 'candidate-pair', timestamp: ts, selected, bytesSent, currentRoundTripTime: 0.01 });
    const { charts } = buildDefaultCharts(samplesToColumns([
      sample(0, 0, { A: pair(0, true, 0), B: pair(0, false, 1_000_000) }),
      sample(1, 1000, { A: pair(1000, true, 1000), B: pair(1000, false, 1_000_000) }),
      // B becomes selected: its own Δ (500 bytes) counts, not B − A.
      sample(2, 2000, { A: pair(2000, false, 1000), B: pair(2000, true, 1_000_500) }),
    ]));
    expect(seriesOf(charts, 'bitrate-send', 'connection total (selected pair)').values).toEqual([null, 8, 4]);
  });

  it('no transport and no selected flag: the nominated, succeeded pair, as health and the connection header take it', () => {
    // Chromium 156's real report without its transport (some builds briefly report none).
    const report = structuredClone(loadGetStatsFile('chromium156.json').pc1);
    for (const id of Object.keys(report)) if (report[id].type === 'transport') delete report[id];
    const later = structuredClone(report);
    for (const o of Object.values(later) as StatsObject[]) if (typeof o.timestamp === 'number') o.timestamp += 1000;
    (later[CHROME_PAIR] as StatsObject).currentRoundTripTime = 0.05;
    const columns = samplesToColumns([sample(0, 1_000_000, report), sample(1, 1_001_000, later)]);
    expect([...selectedPairIdsAt(columns, 1)]).toEqual([CHROME_PAIR]);
    const rtt = seriesOf(buildDefaultCharts(columns).charts, 'rtt', 'ICE (selected pair)').values;
    expect(round(rtt)).toEqual([1, 50]);
    expect(round(connectionMetrics(columns).connection.rttMs)).toEqual(round(rtt));
  });

  it('a PC without BUNDLE (one transport per m-line): the connection total sums every transport\'s selected pair, RTT takes the worst', () => {
    const pair = (ts: number, bytesSent: number, rtt: number): StatsObject => ({ type: 'candidate-pair', timestamp: ts, bytesSent, currentRoundTripTime: rtt, availableOutgoingBitrate: 100_000 });
    const row = (i: number) => ({
      T0: { type: 'transport', timestamp: i * 1000, selectedCandidatePairId: 'A' },
      T1: { type: 'transport', timestamp: i * 1000, selectedCandidatePairId: 'B' },
      A: pair(i * 1000, 1000 * i, 0.01),
      B: pair(i * 1000, 3000 * i, 0.03),
    });
    const { charts } = buildDefaultCharts(samplesToColumns([sample(0, 0, row(0)), sample(1, 1000, row(1)), sample(2, 2000, row(2))]));
    // (1000 + 3000) bytes per second = 32 kbit/s.
    expect(seriesOf(charts, 'bitrate-send', 'connection total (selected pair)').values).toEqual([null, 32, 32]);
    expect(round(seriesOf(charts, 'rtt', 'ICE (selected pair)').values)).toEqual([30, 30, 30]);
    expect(seriesOf(charts, 'available-bitrate', 'outgoing (selected pair)').values).toEqual([200, 200, 200]);
  });

  it('a media source keeps its sender in its label after the sender moved to another source (replaceTrack)', () => {
    const src = (energy: number): StatsObject => ({ type: 'media-source', timestamp: 0, kind: 'audio', trackIdentifier: 't1', totalAudioEnergy: energy, totalSamplesDuration: energy * 4 });
    const o = (source: string): StatsObject => ({ ...out(0, 0, 0), kind: 'audio', mid: '0', mediaSourceId: source });
    const { charts } = buildDefaultCharts(samplesToColumns([
      sample(0, 0, { S1: src(0), O: o('S1') }),
      sample(1, 1000, { S1: src(1), O: o('S1') }),
      // replaceTrack(null), then the same track again: Chromium reports it under a new media-source id.
      sample(2, 2000, { S1: src(1), S2: src(0), O: o('S2') }),
      sample(3, 3000, { S1: src(1), S2: src(1), O: o('S2') }),
    ]));
    const labels = charts.find((c) => c.id === 'audio-level')!.series.map((x) => x.label);
    // The same sender's capture under both ids (twin labels get their stats id); before, the first read "(track t1)".
    expect(labels).toEqual(['audio capture (out 0) [S1]', 'audio capture (out 0) [S2]']);
  });

  it('a stopped stream\'s resolution and jitter end 5 s after its frames or packets stopped; a 0×0 picture is none', () => {
    // Inbound video: frames and packets for 4 s, then nothing for 8 s (the stats keep their last size and jitter).
    const rows = Array.from({ length: 12 }, (_, i) => {
      const n = Math.min(i, 4);
      return sample(i, i * 1000, { I: { ...inb(i * 1000, n * 1000, n * 10, 0), kind: 'video', framesDecoded: n * 30, frameWidth: i === 0 ? 0 : 640, frameHeight: i === 0 ? 0 : 360, jitter: 0.01 } });
    });
    const { charts } = buildDefaultCharts(samplesToColumns(rows));
    // Row 0: Firefox's 0×0 before the first frame. Last growth at row 4 (4 s): drawn up to row 8, none from 9 s.
    expect(seriesOf(charts, 'resolution').values).toEqual([null, 360, 360, 360, 360, 360, 360, 360, 360, null, null, null]);
    expect(seriesOf(charts, 'jitter').values).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, null, null, null]);
  });

  it('the peer\'s last report of a stream we stopped sending ends 15 s after it came', () => {
    // Reports (new timestamps) for 5 s, then the same report for 20 s.
    const rows = Array.from({ length: 25 }, (_, i) => sample(i, i * 1000, {
      O: out(i * 1000, Math.min(i, 5) * 1000, Math.min(i, 5) * 10, { remoteId: 'R' }),
      R: { type: 'remote-inbound-rtp', timestamp: Math.min(i, 5) * 1000, kind: 'video', ssrc: 1234567, localId: 'O', roundTripTime: 0.02, jitter: 0.003, packetsLost: 0 },
    }));
    const rtt = seriesOf(buildDefaultCharts(samplesToColumns(rows)).charts, 'rtt', 'video out 1 (1234567) · remote').values;
    expect(rtt.slice(0, 20).every((v) => v !== null && Math.abs(v - 20) < 1e-9)).toBe(true);
    expect(rtt.slice(20)).toEqual([null, null, null, null, null]);
  });

  it('audio level: RMS from ΔtotalAudioEnergy / ΔtotalSamplesDuration (send: media-source, receive: inbound-rtp)', () => {
    const src = (energy: number, duration: number): StatsObject => ({ type: 'media-source', timestamp: 0, kind: 'audio', trackIdentifier: 't1', totalAudioEnergy: energy, totalSamplesDuration: duration, audioLevel: 0.9 });
    const { charts } = buildDefaultCharts(samplesToColumns([
      sample(0, 0, { S: src(0, 0), O: { ...out(0, 0, 0), kind: 'audio', mid: '0', mediaSourceId: 'S' }, I: inb(0, 0, 0, 0, { totalAudioEnergy: 1, totalSamplesDuration: 10 }) }),
      sample(1, 1000, { S: src(0.25, 1), O: { ...out(1000, 0, 0), kind: 'audio', mid: '0', mediaSourceId: 'S' }, I: inb(1000, 0, 0, 0, { totalAudioEnergy: 1.04, totalSamplesDuration: 11 }) }),
      sample(2, 2000, { S: src(0.25, 1), O: { ...out(2000, 0, 0), kind: 'audio', mid: '0', mediaSourceId: 'S' }, I: inb(2000, 0, 0, 0, { totalAudioEnergy: 1.05, totalSamplesDuration: 12 }) }),
    ]));
    // √(0.25 / 1) = 0.5; no duration elapsed → no value.
    expect(round(seriesOf(charts, 'audio-level', 'audio capture (out 0)').values)).toEqual([null, 0.5, null]);
    // √(0.04 / 1) = 0.2, √(0.01 / 1) = 0.1.
    expect(round(seriesOf(charts, 'audio-level', 'audio in 0 (42)').values)).toEqual([null, 0.2, 0.1]);
  });

  it('frames per second (reported, else Δframes/Δt), resolution with width alongside, quality limitation bands', () => {
    const video = (ts: number, framesEncoded: number, extra: StatsObject = {}) => out(ts, 0, 0, { framesEncoded, frameWidth: 640, frameHeight: 360, ...extra });
    const { charts } = buildDefaultCharts(samplesToColumns([
      sample(0, 0, { O: video(0, 0, { qualityLimitationReason: 'none' }) }),
      sample(1, 1000, { O: video(1000, 30, { qualityLimitationReason: 'bandwidth' }) }),
      sample(2, 2000, { O: video(2000, 60, { framesPerSecond: 29, qualityLimitationReason: 'cpu', frameWidth: 1280, frameHeight: 720 }) }),
      sample(3, 3000, { O: video(3000, 90, { qualityLimitationReason: 'something-new' }) }),
    ]));
    expect(seriesOf(charts, 'fps').values).toEqual([null, 30, 29, 30]);
    const resolution = seriesOf(charts, 'resolution');
    expect(resolution.values).toEqual([360, 360, 720, 360]);
    expect(resolution.aux).toEqual([640, 640, 1280, 640]);
    const bands = charts.find((c) => c.id === 'quality-limitation')!;
    expect(bands.kind).toBe('bands');
    expect(bands.series[0].values.map((v) => QUALITY_LIMITATION_REASONS[v!])).toEqual(['none', 'bandwidth', 'cpu', 'other']);
  });

  it('gaps: an absent object, a counter reset and a stats gap give null, never a spike', () => {
    const { charts, x } = buildDefaultCharts(samplesToColumns([
      sample(0, 0, { O: out(0, 0, 0) }),
      sample(1, 1000, { O: out(1000, 1000, 10) }),
      sample(2, 2000, {}), // object missing
      sample(3, 3000, { O: out(3000, 3000, 30) }), // back, not in the previous sample: no rate (as Chromium), not 2000 bytes over 2 s
      sample(4, 4000, { O: out(4000, 500, 5) }), // went backwards: reset
      sample(5, 5000, { O: out(5000, 1500, 15) }),
      sample(6, 65_000, { O: out(65_000, 61_500, 615) }), // 60 s pause (throttled tab): a gap
      sample(7, 66_000, { O: out(66_000, 62_500, 625) }),
    ]));
    expect(x.length).toBe(8);
    expect(seriesOf(charts, 'bitrate-send').values).toEqual([null, 8, null, null, null, 8, null, 8]);
    expect(seriesOf(charts, 'packet-rate').values).toEqual([null, 10, null, null, null, 10, null, 10]);
    const model = new ChartModel();
    model.update(samplesToColumns([sample(0, 0, {}), sample(1, 1000, {}), sample(2, 2000, {}), sample(3, 30_000, {}), sample(4, 31_000, {})]), 0);
    expect(model.gapRows).toEqual([3]);
  });

  it('a stats gap is a pause of at least 5 s and more than twice the typical poll interval; one slow poll does not move it', () => {
    const gaps = (times: number[]) => {
      const model = new ChartModel();
      model.update(samplesToColumns(times.map((t, i) => sample(i, t, { O: out(t, 1000 * i, 10 * i) }))), 0);
      return model.gapRows;
    };
    const seconds = (...s: number[]) => s.map((v) => v * 1000);
    // Exactly 5 s at a 1 s interval.
    expect(gaps(seconds(0, 1, 2, 7, 8))).toEqual([3]);
    expect(gaps(seconds(0, 1, 2, 6.9, 8))).toEqual([]);
    // One slow poll (4.9 s) before a 9 s pause: the pause is still a gap (the median interval is 1 s).
    expect(gaps(seconds(0, 1, 2, 6.9, 15.9, 16.9))).toEqual([4]);
    // A 10 s poll interval: 10 s apart is no gap; 5 s at a 3 s interval neither (not more than twice).
    expect(gaps(seconds(0, 10, 20, 30, 40))).toEqual([]);
    expect(gaps(seconds(0, 3, 6, 9, 14))).toEqual([]);
    // The interval changed from 1 s to 6 s (a setting): gaps until the median follows, then none.
    expect(gaps(seconds(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 21, 27, 33, 39, 45, 51, 57))).toEqual([10, 11, 12, 13, 14]);
  });

  it('the corpus call (1 s polls) with a 5 s pause: a gap, whose rates are null in the charts', () => {
    const samples = loadCallSamples()['10-1'];
    expect(buildGaps(samples)).toEqual([]);
    // Polls from row 30 on 4.1 s later: 5.1 s between rows 29 and 30.
    const paused = samples.map((s, i) => (i < 30 ? s : { ...s, t: s.t + 4100, report: shifted(s.report, 4100) }));
    expect(paused[30].t - paused[29].t).toBeGreaterThanOrEqual(5000);
    expect(buildGaps(paused)).toEqual([30]);
    const model = new ChartModel();
    model.update(samplesToColumns(paused), 0);
    const send = model.chart('bitrate-send')!;
    for (const series of send.series) {
      expect(series.values[30]).toBeNull();
      expect(series.values[31]).not.toBeNull();
    }
  });

  it('leaves out charts with no series (a receive-only PC has no send bitrate from RTP, Firefox no quality limitation)', () => {
    const { charts } = buildDefaultCharts(samplesToColumns([sample(0, 0, { I: inb(0, 0, 0, 0) })]));
    expect(charts.map((c) => c.id)).toEqual(['bitrate-receive', 'packet-rate', 'packet-loss']);
  });
});

describe('Firefox 153 and Chromium 156 shapes (corpus getStats reports)', () => {
  /** Two polls from one real report: the second one 1 s later with every counter grown by 1 %. */
  function twoPolls(report: StatsReportJson): StatsSample[] {
    const later: StatsReportJson = {};
    for (const [id, o] of Object.entries(report)) {
      const copy: StatsObject = { ...o };
      for (const [k, v] of Object.entries(o)) {
        if (k === 'timestamp' && typeof v === 'number') copy[k] = v + 1000;
        else if (typeof v === 'number' && /^(bytes|packets|frames|header|total|jitterBufferEmitted)/.test(k) && k !== 'packetsLost') copy[k] = v * 1.01;
      }
      later[id] = copy;
    }
    return [sample(0, 1_000_000, report), sample(1, 1_001_000, later)];
  }

  it('Firefox: every default chart it can feed, labels from kind/mid/ssrc, no quality limitation or available bitrate', () => {
    const ff = loadGetStatsFile('firefox153.json');
    const send = buildDefaultCharts(samplesToColumns(twoPolls(ff.pc1))).charts;
    expect(send.map((c) => c.id)).toEqual(['bitrate-send', 'bitrate-receive', 'packet-rate', 'packet-loss', 'jitter', 'rtt', 'fps', 'resolution', 'data-channel-bitrate']);
    expect(send.find((c) => c.id === 'bitrate-send')!.series.map((s) => s.label)).toEqual([
      'audio out 0 (1242431818)', 'video out 1 (3741199345)', 'connection total (selected pair)',
    ]);
    // 1 % of 195 235 bytes in 1 s.
    expect(seriesOf(send, 'bitrate-send', 'video out 1 (3741199345)').values[1]).toBeCloseTo((8 * 1952.35) / 1000, 2);
    expect(seriesOf(send, 'rtt', 'video out 1 (3741199345) · remote').values[0]).toBeCloseTo(1.816, 6);
    // Firefox's selected pair: through transport.selectedCandidatePairId (and `selected: true`).
    expect(seriesOf(send, 'rtt', 'ICE (selected pair)').values).toEqual([0, 0]);
    const recv = buildDefaultCharts(samplesToColumns(twoPolls(ff.pc2))).charts;
    expect(recv.map((c) => c.id)).toEqual(['bitrate-send', 'bitrate-receive', 'packet-rate', 'packet-loss', 'jitter', 'rtt', 'fps', 'resolution', 'audio-level', 'data-channel-bitrate']);
    // 1 % of 666 bytes received in 1 s (53.28 bit/s, whole bit/s as webrtc-internals gives them); nothing sent.
    expect(seriesOf(recv, 'data-channel-bitrate', '"chat" (id 1) received').values).toEqual([null, 0.053]);
    expect(seriesOf(recv, 'data-channel-bitrate', '"chat" (id 1) sent').values).toEqual([null, 0]);
    expect(seriesOf(recv, 'jitter', 'video in 1 (3741199345)').values[0]).toBeCloseTo(1.4, 6);
    expect(seriesOf(recv, 'resolution').aux).toEqual([640, 640]);
    // Audio level comes from inbound-rtp's energy counters (ΔE/ΔD is unchanged by scaling both by 1.01).
    expect(seriesOf(recv, 'audio-level').values[1]).toBeCloseTo(Math.sqrt(0.0755409896175889 / 7.559999999999883), 6);
  });

  it('Chromium: media-source audio level, quality limitation, available outgoing bitrate', () => {
    const chrome = loadGetStatsFile('chromium156.json');
    const charts = buildDefaultCharts(samplesToColumns(twoPolls(chrome.pc1))).charts;
    expect(charts.map((c) => c.id)).toEqual([
      'bitrate-send', 'bitrate-receive', 'packet-rate', 'packet-loss', 'jitter', 'rtt', 'fps', 'resolution', 'available-bitrate', 'audio-level', 'quality-limitation',
      'data-channel-bitrate',
    ]);
    // A channel's sent and received bytes, each a series named by the channel's label and stream id; 1 % of 1350 bytes
    // in 1 s is 108 bit/s.
    const channel = seriesOf(charts, 'data-channel-bitrate');
    expect(charts.find((c) => c.id === 'data-channel-bitrate')!.series.map((s) => [s.label, s.statsId, s.values])).toEqual([
      ['"chat" (id 1) sent', 'D1', [null, 0.108]],
      ['"chat" (id 1) received', 'D1', [null, 0]],
    ]);
    expect(channel.key).toBe('D1|bytesSent');
    expect(seriesOf(charts, 'available-bitrate').values[0]).toBeCloseTo(4092.923, 6);
    expect(seriesOf(charts, 'audio-level').label).toBe('audio capture (out 0)');
    expect(seriesOf(charts, 'quality-limitation').label).toBe('video out 1 (893251156)');
  });
});

describe('data channels', () => {
  const channel = (label: string | undefined, streamId: number | undefined, sent: number, received: number): StatsObject => {
    const o: StatsObject = { type: 'data-channel', timestamp: 0, state: 'open', bytesSent: sent, bytesReceived: received, messagesSent: 1, messagesReceived: 1 };
    if (label !== undefined) o.label = label;
    if (streamId !== undefined) o.dataChannelIdentifier = streamId;
    return o;
  };
  const at = (t: number, objects: Record<string, StatsObject>) => Object.fromEntries(Object.entries(objects).map(([id, o]) => [id, { ...o, timestamp: t }]));

  it('one series per channel and direction, in stream id order, named by the label as text (quoted, cut at 40 characters)', () => {
    const long = 'x'.repeat(100);
    const first = { B: channel(long, 3, 0, 0), A: channel('<b>files</b>', 1, 0, 0), C: channel(undefined, undefined, 0, 0) };
    const second = { B: channel(long, 3, 1000, 0), A: channel('<b>files</b>', 1, 250_000, 500), C: channel(undefined, undefined, 0, 125) };
    const { charts } = buildDefaultCharts(samplesToColumns([sample(0, 1_000_000, at(1_000_000, first)), sample(1, 1_002_000, at(1_002_000, second))]));
    expect(charts.map((c) => c.id)).toEqual(['data-channel-bitrate']);
    const chart = charts[0];
    expect(chart.unit).toBe('kbit/s');
    const cut = `"${'x'.repeat(39)}…"`;
    // Δbytes × 8 / Δt over 2 s, whole bit/s, in kbit/s.
    expect(chart.series.map((s) => [s.label, s.values[1]])).toEqual([
      ['"<b>files</b>" (id 1) sent', 1000],
      ['"<b>files</b>" (id 1) received', 2],
      [`${cut} (id 3) sent`, 4],
      [`${cut} (id 3) received`, 0],
      ['data channel [C] sent', 0],
      ['data channel [C] received', 0.5],
    ]);
    // The first sample has no rate (no previous one), and the two directions of a channel differ in colour.
    expect(chart.series.every((s) => s.values[0] === null)).toBe(true);
    expect(new Set(chart.series.map((s) => s.color)).size).toBe(6);
  });

  it('an extra chart of a channel field is named by the channel', () => {
    const cols = samplesToColumns([sample(0, 1_000_000, at(1_000_000, { A: channel('chat', 1, 0, 0) })), sample(1, 1_001_000, at(1_001_000, { A: channel('chat', 1, 10, 0) }))]);
    expect(buildExtraChart(cols, 'A', 'messagesSent').chart.series.map((s) => s.label)).toEqual(['"chat" (id 1)']);
  });
});

describe('series colours', () => {
  /** Colour by series label, per chart. */
  const colours = (charts: ChartSpec[]) => new Map(charts.map((c) => [c.id, new Map(c.series.map((x) => [x.label, x.color]))]));

  it('one stream has one colour in every chart of its PC, its remote reports take it, and no chart repeats a colour', () => {
    const chrome = loadGetStatsFile('chromium156.json');
    const later: StatsReportJson = shifted(chrome.pc1, 1000);
    const { charts } = buildDefaultCharts(samplesToColumns([sample(0, 1_000_000, chrome.pc1), sample(1, 1_001_000, later)]));
    const c = colours(charts);
    const video = 'video out 1 (893251156)';
    const videoColour = c.get('bitrate-send')!.get(video);
    expect(videoColour).toBeTypeOf('number');
    for (const chart of ['packet-rate', 'fps', 'resolution']) expect(c.get(chart)!.get(video), chart).toBe(videoColour);
    expect(c.get('rtt')!.get(`${video} · remote`)).toBe(videoColour);
    expect(c.get('packet-loss')!.get(`${video} · remote`)).toBe(videoColour);
    // The connection total and the pair's RTT and outgoing bitrate: one colour.
    const pair = c.get('bitrate-send')!.get('connection total (selected pair)');
    expect(c.get('rtt')!.get('ICE (selected pair)')).toBe(pair);
    expect(c.get('available-bitrate')!.get('outgoing (selected pair)')).toBe(pair);
    for (const chart of charts) {
      const used = chart.series.map((x) => x.color);
      expect(new Set(used).size, `${chart.id}: ${used.join(', ')}`).toBe(used.length);
    }
    // The capture and the stream sending it share a chart (fps): each keeps a colour of its own.
    const fps = charts.find((x) => x.id === 'fps')!.series;
    expect(fps.length).toBeGreaterThan(1);
  });

  it('a series added later leaves the colours of the others as they were', () => {
    const a = (ts: number, bytes: number) => out(ts, bytes, bytes / 100);
    const b = (ts: number, bytes: number) => ({ ...out(ts, bytes, bytes / 100), mid: '2', ssrc: 99 });
    const columns = emptyStatsColumns();
    const model = new ChartModel();
    appendSamples(columns, [sample(0, 0, { A: a(0, 0) }), sample(1, 1000, { A: a(1000, 1000) })]);
    model.update(columns, 0);
    const before = model.chart('bitrate-send')!.series.map((x) => [x.label, x.color]);
    appendSamples(columns, [sample(2, 2000, { B: b(2000, 0), A: a(2000, 2000) }), sample(3, 3000, { B: b(3000, 500), A: a(3000, 3000) })]);
    expect(model.update(columns, 2).structural).toBe(true);
    const after = model.chart('bitrate-send')!.series.map((x) => [x.label, x.color]);
    expect(after.slice(0, 1)).toEqual(before);
    expect(after[1][1]).not.toBe(before[0][1]);
  });

  it('two captures of one sender with different tracks are told apart by their track, not by their stats id', () => {
    const src = (track: string, energy: number): StatsObject => ({ type: 'media-source', timestamp: 0, kind: 'audio', trackIdentifier: track, totalAudioEnergy: energy, totalSamplesDuration: energy * 4 });
    const o = (source: string): StatsObject => ({ ...out(0, 0, 0), kind: 'audio', mid: '0', mediaSourceId: source });
    const { charts } = buildDefaultCharts(samplesToColumns([
      sample(0, 0, { S1: src('{1b3c5d7e-aaaa}', 0), O: o('S1') }),
      sample(1, 1000, { S1: src('{1b3c5d7e-aaaa}', 1), O: o('S1') }),
      // replaceTrack to another microphone.
      sample(2, 2000, { S1: src('{1b3c5d7e-aaaa}', 1), S2: src('9f8e7d6c-bbbb', 0), O: o('S2') }),
      sample(3, 3000, { S1: src('{1b3c5d7e-aaaa}', 1), S2: src('9f8e7d6c-bbbb', 1), O: o('S2') }),
    ]));
    expect(charts.find((c) => c.id === 'audio-level')!.series.map((x) => x.label)).toEqual([
      'audio capture (out 0, track 1b3c5d7e)', 'audio capture (out 0, track 9f8e7d6c)',
    ]);
  });
});

describe('against Chromium and webrtc-internals', () => {
  type Report = Record<string, Record<string, unknown>>;
  function chromeReports(pc: string): Report[] {
    const lines = gunzipSync(readFileSync(RTCSTATS_V3_CALL)).toString('utf8').split('\n').filter(Boolean).slice(2);
    return lines.map((l) => JSON.parse(l)).filter((e) => e[0] === 'getStats' && e[1] === pc).map((e) => e[2] as Report);
  }

  it.each(['10-1', '10-2'])('bitrates equal Chromium\'s own [bytes…_in_bits/s] / 1000 for PC %s', (pc) => {
    const samples = loadCallSamples()[pc];
    const reports = chromeReports(pc);
    const model = new ChartModel();
    model.update(samplesToColumns(samples), 0);
    let compared = 0;
    for (const chart of model.charts.filter((c) => c.id.startsWith('bitrate-'))) {
      const field = chart.id === 'bitrate-send' ? '[bytesSent_in_bits/s]' : '[bytesReceived_in_bits/s]';
      for (const s of chart.series) {
        if (!s.statsId) continue;
        reports.forEach((report, i) => {
          const chrome = report[s.statsId!]?.[field];
          if (typeof chrome !== 'number') return;
          expect(s.values[i], `${s.label} row ${i}`).toBe(chrome / 1000);
          compared++;
        });
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('ChartModel: incremental', () => {
  function incremental(samples: StatsSample[], batch: number): ChartModel {
    const model = new ChartModel({ extraFields: [{ statsId: 'CP', field: 'bytesSent' }] });
    const columns = emptyStatsColumns();
    for (let i = 0; i < samples.length; i += batch) {
      const from = columns.t.length;
      appendSamples(columns, samples.slice(i, i + batch));
      model.update(columns, from);
    }
    return model;
  }

  it.each([1, 7])('appending in batches of %i equals a full rebuild on the real 60 s call', (batch) => {
    for (const samples of Object.values(loadCallSamples())) {
      const full = new ChartModel({ extraFields: [{ statsId: 'CP', field: 'bytesSent' }] });
      full.update(samplesToColumns(samples), 0);
      const inc = incremental(samples, batch);
      expect(inc.x).toEqual(full.x);
      expect(inc.charts.map((c) => [c.id, c.signature])).toEqual(full.charts.map((c) => [c.id, c.signature]));
      inc.charts.forEach((chart, i) => {
        const other = full.charts[i];
        chart.series.forEach((s, j) => {
          expect(s.values, `${chart.id} ${s.label}`).toEqual(other.series[j].values);
          expect(s.aux).toEqual(other.series[j].aux);
        });
      });
    }
  });

  it('reports a plain append as non-structural, a new stream or late field as structural, fromRow 0 as a rebuild', () => {
    const columns = emptyStatsColumns();
    const model = new ChartModel();
    appendSamples(columns, [sample(0, 0, { O: out(0, 0, 0) })]);
    expect(model.update(columns, 0)).toEqual({ structural: true, fromRow: 0 });
    const version = model.version;
    const sendSeries = model.chart('bitrate-send')!.series[0];
    appendSamples(columns, [sample(1, 1000, { O: out(1000, 1000, 10) })]);
    expect(model.update(columns, 1)).toEqual({ structural: false, fromRow: 1 });
    expect(model.version).toBe(version);
    // Same arrays, grown in place.
    expect(model.chart('bitrate-send')!.series[0]).toBe(sendSeries);
    expect(sendSeries.values).toEqual([null, 8]);
    appendSamples(columns, [sample(2, 2000, { O: out(2000, 2000, 20), I: inb(2000, 0, 0, 0) })]);
    expect(model.update(columns, 2).structural).toBe(true);
    expect(model.version).toBe(version + 1);
    expect(model.chart('bitrate-receive')!.series[0].values).toEqual([null, null, null]);
    // roundTripTime appears only after the first receiver report: a series is added then.
    appendSamples(columns, [sample(3, 3000, { O: out(3000, 3000, 30), R: { type: 'remote-inbound-rtp', timestamp: 3000, localId: 'O', kind: 'video', jitter: 0.001 } })]);
    expect(model.update(columns, 3).structural).toBe(true);
    expect(model.chart('rtt')).toBeUndefined();
    appendSamples(columns, [sample(4, 4000, { O: out(4000, 4000, 40), R: { type: 'remote-inbound-rtp', timestamp: 4000, localId: 'O', kind: 'video', jitter: 0.001, roundTripTime: 0.1 } })]);
    expect(model.update(columns, 4).structural).toBe(true);
    expect(model.chart('rtt')!.series[0].values).toEqual([null, null, null, null, 100]);
    expect(model.update(columns, 0)).toEqual({ structural: true, fromRow: 0 });
    expect(model.chart('bitrate-send')!.series[0].values).toEqual([null, 8, 8, 8, 8]);
    expect(model.update(undefined, 0).structural).toBe(true);
    expect(model.charts).toEqual([]);
  });
});

describe('extra field charts', () => {
  const columns = () => samplesToColumns([
    sample(0, 0, { O: out(0, 0, 0, { targetBitrate: 300_000, totalEncodeTime: 0, framesEncoded: 0 }) }),
    sample(1, 1000, { O: out(1000, 1000, 10, { targetBitrate: 310_000, totalEncodeTime: 0.25, framesEncoded: 25 }) }),
  ]);

  it('charts a plain field raw, a counter as webrtc-internals\' derived rate, a bracketed name as that series', () => {
    const raw = buildExtraChart(columns(), 'O', 'targetBitrate').chart;
    expect(raw).toMatchObject({ id: 'extra:O:targetBitrate', unit: 'bit/s', extra: { statsId: 'O', field: 'targetBitrate' } });
    expect(raw.series[0].values).toEqual([300_000, 310_000]);
    expect(raw.series[0].label).toBe('video out 1 (1234567)');
    const counter = buildExtraChart(columns(), 'O', 'bytesSent').chart;
    expect(counter).toMatchObject({ unit: 'kbit/s', title: 'bytesSent [bytesSent_in_bits/s] · O' });
    expect(counter.series[0].values).toEqual([null, 8]);
    const ratio = buildExtraChart(columns(), 'O', '[totalEncodeTime/framesEncoded_in_ms]').chart;
    expect(ratio.unit).toBe('ms');
    expect(ratio.series[0].values).toEqual([null, 10]);
  });

  it('charts one key of qualityLimitationDurations as the share of the time it took between samples (%)', () => {
    const c = samplesToColumns([
      sample(0, 0, { O: out(0, 0, 0, { qualityLimitationDurations: { none: 10, bandwidth: 0, cpu: 0, other: 0 } }) }),
      sample(1, 1000, { O: out(1000, 1000, 10, { qualityLimitationDurations: { none: 10.25, bandwidth: 0.75, cpu: 0, other: 0 } }) }),
      sample(2, 3000, { O: out(3000, 2000, 20, { qualityLimitationDurations: { none: 12.25, bandwidth: 0.75, cpu: 0, other: 0 } }) }),
      // A record without the key, then a reset (a new stream with the same id): no value rather than a wrong one.
      sample(3, 4000, { O: out(4000, 3000, 30, { qualityLimitationDurations: { none: 13.25 } }) }),
      sample(4, 5000, { O: out(5000, 4000, 40, { qualityLimitationDurations: { none: 0, bandwidth: 0 } }) }),
    ]);
    const chart = buildExtraChart(c, 'O', 'qualityLimitationDurations.bandwidth').chart;
    expect(chart).toMatchObject({ unit: '%', title: 'qualityLimitationDurations.bandwidth (share of the time) · O', decimals: 1, yMin: 0, yMax: 100 });
    expect(chart.series[0].values).toEqual([null, 75, 0, null, null]);
    expect(buildExtraChart(c, 'O', 'qualityLimitationDurations.none').chart.series[0].values).toEqual([null, 25, 100, 100, null]);
  });

  it('legend decimals follow the unit, as the default charts show it (a rate in kbit/s: one decimal, not three)', () => {
    const c = columns();
    expect(buildExtraChart(c, 'O', 'bytesSent').chart.decimals).toBe(DEFAULT_CHARTS.find((d) => d.id === 'bitrate-send')!.decimals);
    expect(buildExtraChart(c, 'O', 'bytesSent').chart.decimals).toBe(1);
    expect(buildExtraChart(c, 'O', 'packetsSent').chart.decimals).toBe(1);
    expect(buildExtraChart(c, 'O', '[totalEncodeTime/framesEncoded_in_ms]').chart.decimals).toBe(1);
    expect(buildExtraChart(c, 'O', 'targetBitrate').chart.decimals).toBe(0);
    // Seconds and unitless values keep three.
    expect(buildExtraChart(c, 'O', 'totalEncodeTime').chart.decimals).toBe(3);
  });

  it('a ratio of seconds to a count is in seconds; a ratio of counts has no unit', () => {
    const remote = (ts: number, total: number, n: number): StatsObject => ({ id: 'R', type: 'remote-inbound-rtp', timestamp: ts, kind: 'video', ssrc: 1, totalRoundTripTime: total, roundTripTimeMeasurements: n });
    const c = samplesToColumns([
      sample(0, 0, { R: remote(0, 0.1, 2), O: out(0, 0, 0, { qpSum: 0, framesEncoded: 0 }) }),
      sample(1, 1000, { R: remote(1000, 0.16, 4), O: out(1000, 1000, 10, { qpSum: 300, framesEncoded: 10 }) }),
    ]);
    const rtt = buildExtraChart(c, 'R', '[totalRoundTripTime/roundTripTimeMeasurements]').chart;
    expect(rtt).toMatchObject({ unit: 's', yLabel: 's' });
    expect(round(rtt.series[0].values)).toEqual([null, 0.03]);
    expect(buildExtraChart(c, 'O', '[qpSum/framesEncoded]').chart.unit).toBe('');
  });

  it('a rate needs the object in the previous sample, as Chromium (webrtc-internals, the exports); [A-B-C] is per sample', () => {
    const c = samplesToColumns([
      sample(0, 0, { O: out(0, 0, 0), I: inb(0, 0, 0, 0, { framesReceived: 10, framesDecoded: 8, framesDropped: 1 }) }),
      sample(1, 1000, { O: out(1000, 125_000, 100) }),
      sample(2, 2000, {}),
      sample(3, 3000, { O: out(3000, 625_000, 500), I: inb(3000, 0, 0, 0, { framesReceived: 20, framesDecoded: 17, framesDropped: 1 }) }),
      sample(4, 4000, { O: out(4000, 750_000, 600) }),
    ]);
    const expected = [null, 1000, null, null, 1000];
    expect(buildExtraChart(c, 'O', 'bytesSent').chart.series[0].values).toEqual(expected);
    expect(buildExtraChart(c, 'O', '[bytesSent_in_bits/s]').chart.series[0].values).toEqual(expected);
    expect(seriesOf(buildDefaultCharts(c).charts, 'bitrate-send').values).toEqual(expected);
    expect(deriveRates(c).O['[bytesSent_in_bits/s]'].map((v) => (v === null ? null : v / 1000))).toEqual(expected);
    expect(buildExtraChart(c, 'I', '[framesReceived-framesDecoded-framesDropped]').chart.series[0].values).toEqual([1, null, null, 2, null]);
  });

  it('an unknown object gives an empty chart that fills when the object appears; removing is structural', () => {
    const c = emptyStatsColumns();
    appendSamples(c, [sample(0, 0, {})]);
    const model = new ChartModel();
    model.update(c, 0);
    expect(model.setExtraFields([{ statsId: 'X', field: 'jitter' }])).toBe(true);
    expect(model.setExtraFields([{ statsId: 'X', field: 'jitter' }])).toBe(false);
    expect(model.charts.map((ch) => [ch.id, ch.series.length])).toEqual([['extra:X:jitter', 0]]);
    appendSamples(c, [sample(1, 1000, { X: inb(1000, 0, 0, 0, { jitter: 0.02 }) })]);
    expect(model.update(c, 1).structural).toBe(true);
    expect(model.chart('extra:X:jitter')!.series[0].values).toEqual([null, 0.02]);
    expect(model.chart('extra:X:jitter')!.unit).toBe('s');
    expect(model.setExtraFields([])).toBe(true);
    expect(model.chart('extra:X:jitter')).toBeUndefined();
  });
});
