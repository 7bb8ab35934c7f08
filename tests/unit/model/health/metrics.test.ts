/** Health metrics (lib/model/health/metrics.ts): hand-computed intervals, edge cases, the real corpus call. */
import { describe, expect, it } from 'vitest';
import {
  connectionMetrics, counterDelta, lossFraction, pcTimes, percentile, summarizePc, summarizeSeries, summarizeSession,
  type StreamMetrics,
} from '../../../../lib/model/health/metrics';
import { deriveRates } from '../../../../lib/model/rates';
import type { StatsReportJson } from '../../../../lib/model/session';
import { samplesToColumns } from '../../../../lib/model/stats-columns';
import { columnsOf, getStatsReport, internalsCallSession, makePc } from '../../../fixtures/session-builders';
import { buildDefaultCharts } from '../../../../lib/model/chart-series';
import { loadCallSamples, withUplinkAudioLoss } from '../corpus';

const stream = (streams: StreamMetrics[], id: string) => streams.find((s) => s.statsId === id)!;
const obj = (o: Record<string, unknown>) => o as StatsReportJson[string];

describe('interval helpers', () => {
  it('loss fraction Δlost/(Δlost + Δreceived), clamped', () => {
    expect(lossFraction(5, 95)).toBe(0.05);
    expect(lossFraction(0, 100)).toBe(0);
    expect(lossFraction(-2, 100)).toBe(0); // duplicates
    expect(lossFraction(10, 0)).toBe(1); // 100 % loss
    expect(lossFraction(0, 0)).toBeNull(); // nothing expected
    expect(lossFraction(null, 5)).toBeNull();
    expect(lossFraction(3, -10)).toBeNull(); // reset
  });
  it('Δlost < 0 is no loss even when the duplicates outnumber the packets received (domain.md §3.1: → 0)', () => {
    expect(lossFraction(-5, 3)).toBe(0);
    expect(lossFraction(-5, 5)).toBe(0);
    expect(lossFraction(-5, 0)).toBeNull(); // nothing received, nothing lost: nothing expected
    // In a stream: 3 packets received while packetsLost drops by 5 (late packets counted as lost before arrived).
    const inbound = (ts: number, received: number, lost: number) =>
      ({ I: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 1, timestamp: ts, packetsReceived: received, packetsLost: lost, bytesReceived: received * 100 }) });
    const columns = columnsOf([inbound(1000, 0, 0), inbound(2000, 100, 10), inbound(3000, 103, 5)]);
    expect(stream(connectionMetrics(columns).streams, 'I').series.lossFraction).toEqual([null, 10 / 110, 0]);
  });
  it('counters going backwards give null', () => {
    const c = columnsOf([{ a: obj({ type: 'x', timestamp: 1, n: 10 }) }, { a: obj({ type: 'x', timestamp: 2, n: 4 }) }, { a: obj({ type: 'x', timestamp: 3, n: 9 }) }]);
    expect(counterDelta(c.objects.a.fields, 'n', 0, 1)).toBeNull();
    expect(counterDelta(c.objects.a.fields, 'n', 1, 2)).toBe(5);
    expect(counterDelta(c.objects.a.fields, 'missing', 1, 2)).toBeNull();
  });
  it('percentile is nearest-rank; summaries skip nulls', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1); // 1…20
    expect(percentile(xs, 95)).toBe(19); // ⌈0.95·20⌉ = 19th value
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 95)).toBeNull();
    expect(summarizeSeries([null, 4, 1, null, 7])).toEqual({ count: 3, avg: 4, min: 1, max: 7, p95: 7, sum: 12 });
    expect(summarizeSeries([null, null])).toBeNull();
  });
});

describe('inbound stream, hand-computed', () => {
  const video = (ts: number, over: Record<string, unknown>) => ({
    IV: obj({
      type: 'inbound-rtp', kind: 'video', ssrc: 1, mid: '1', timestamp: ts, packetsReceived: 100, packetsLost: 0, bytesReceived: 10_000,
      framesDecoded: 0, totalDecodeTime: 0, qpSum: 0, jitter: 0.01, jitterBufferDelay: 0, jitterBufferEmittedCount: 0,
      freezeCount: 0, totalFreezesDuration: 0, frameWidth: 640, frameHeight: 480, ...over,
    }),
  });
  const columns = columnsOf([
    video(1000, {}),
    // +1 s: 90 received, 10 lost, 125000 bytes, 30 frames in 0.15 s decode, qp 900, jb 1.5 s over 30 frames, 1 freeze of 0.25 s
    video(2000, { packetsReceived: 190, packetsLost: 10, bytesReceived: 135_000, framesDecoded: 30, totalDecodeTime: 0.15, qpSum: 900, jitter: 0.02, jitterBufferDelay: 1.5, jitterBufferEmittedCount: 30, freezeCount: 1, totalFreezesDuration: 0.25 }),
    // Δt = 0 (same object timestamp): no interval values
    video(2000, { packetsReceived: 190, packetsLost: 10, bytesReceived: 135_000, framesDecoded: 30, jitter: 0.03, framesPerSecond: 29 }),
    // counters reset (new object state, went backwards)
    video(3000, { packetsReceived: 5, packetsLost: 0, bytesReceived: 500, framesDecoded: 1 }),
    // 100 % loss: nothing received, 50 lost
    video(4000, { packetsReceived: 5, packetsLost: 50, bytesReceived: 500, framesDecoded: 1 }),
  ]);
  const s = stream(connectionMetrics(columns).streams, 'IV').series;

  it('computes every metric of an interval', () => {
    expect(s.lossFraction![1]).toBe(0.1); // 10/(10 + 90)
    expect(s.bitrate![1]).toBe(1_000_000); // 8·125000 bytes / 1 s
    expect(s.packetRate![1]).toBe(90);
    expect(s.fps![1]).toBe(30); // 30 frames / 1 s
    expect(s.decodeMsPerFrame![1]).toBeCloseTo(5, 12); // 1000·0.15/30
    expect(s.qpPerFrame![1]).toBe(30); // 900/30
    expect(s.jitterBufferDelayMs![1]).toBeCloseTo(50, 12); // 1000·1.5/30
    expect(s.freezeCount![1]).toBe(1);
    expect(s.freezeDurationMs![1]).toBe(250);
    expect(s.freezeRatio![1]).toBe(0.25); // 0.25 s of 1 s
    expect(s.jitterMs![1]).toBe(20);
    expect(s.frameWidth![1]).toBe(640);
    expect(s.frameHeight![1]).toBe(480);
  });
  it('has no interval values on the first row and for Δt = 0, but keeps levels', () => {
    for (const row of [0, 2]) {
      for (const m of ['lossFraction', 'bitrate', 'packetRate', 'decodeMsPerFrame', 'freezeCount'] as const) expect(s[m]![row]).toBeNull();
    }
    expect(s.jitterMs![2]).toBe(30);
    expect(s.fps![2]).toBe(29); // reported framesPerSecond where no interval exists
    expect(s.fps![0]).toBeNull();
  });
  it('gives null, not negative values, when counters go backwards', () => {
    expect(s.lossFraction![3]).toBeNull();
    expect(s.bitrate![3]).toBeNull();
    expect(s.packetRate![3]).toBeNull();
    expect(s.fps![3]).toBeNull();
  });
  it('100 % loss is 1', () => {
    expect(s.lossFraction![4]).toBe(1);
    expect(s.bitrate![4]).toBe(0);
  });
  it('a missing field is null everywhere, never NaN', () => {
    expect(s.audioLevel!.every((v) => v === null)).toBe(true);
    for (const values of Object.values(s)) for (const v of values!) expect(Number.isNaN(v)).toBe(false);
  });
});

describe('audible concealment and keyframe requests, hand-computed', () => {
  const audio = (ts: number, o: Record<string, number | undefined>) => ({ IA: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 1, timestamp: ts, ...o }) });
  it('concealment = Δ(concealed − silent concealed) / Δ samples received; null without silentConcealedSamples', () => {
    const columns = columnsOf([
      audio(1000, { totalSamplesReceived: 0, concealedSamples: 0, silentConcealedSamples: 0 }),
      // 2 s: 96000 samples, 4800 concealed of which 1920 silent: 2880 audible = 3 %
      audio(3000, { totalSamplesReceived: 96_000, concealedSamples: 4800, silentConcealedSamples: 1920 }),
    ]);
    expect(stream(connectionMetrics(columns).streams, 'IA').series.concealmentRatio![1]).toBeCloseTo(0.03, 12);
    const noSilent = columnsOf([audio(1000, { totalSamplesReceived: 0, concealedSamples: 0 }), audio(2000, { totalSamplesReceived: 48_000, concealedSamples: 480 })]);
    expect(stream(connectionMetrics(noSilent).streams, 'IA').series.concealmentRatio![1]).toBeNull();
  });
  it('PLIs per second: sent by an inbound stream, received by an outbound one', () => {
    const columns = columnsOf([
      { IV: obj({ type: 'inbound-rtp', kind: 'video', ssrc: 2, timestamp: 1000, pliCount: 3 }), OV: obj({ type: 'outbound-rtp', kind: 'video', ssrc: 3, timestamp: 1000, pliCount: 0 }) },
      { IV: obj({ type: 'inbound-rtp', kind: 'video', ssrc: 2, timestamp: 3000, pliCount: 5 }), OV: obj({ type: 'outbound-rtp', kind: 'video', ssrc: 3, timestamp: 3000, pliCount: 4 }) },
    ]);
    const streams = connectionMetrics(columns).streams;
    expect(stream(streams, 'IV').series.pliRate![1]).toBe(1); // 2 in 2 s
    expect(stream(streams, 'OV').series.pliRate![1]).toBe(2); // 4 in 2 s
  });
});

describe('outbound stream with receiver reports, hand-computed', () => {
  const out = (ts: number, sent: number, cpu: number, bw: number) =>
    obj({
      type: 'outbound-rtp', kind: 'video', ssrc: 2, mid: '1', timestamp: ts, packetsSent: sent, bytesSent: sent * 1000, framesEncoded: ts / 50,
      totalEncodeTime: ts / 10_000, qpSum: ts / 5, remoteId: 'RI', mediaSourceId: 'SV', frameWidth: 640, frameHeight: 360,
      qualityLimitationDurations: { none: ts / 1000 - cpu - bw, cpu, bandwidth: bw, other: 0 }, qualityLimitationReason: 'cpu',
    });
  const ri = (ts: number, lost: number, total: number, n: number, extra: Record<string, unknown> = {}) =>
    obj({ type: 'remote-inbound-rtp', kind: 'video', localId: 'OV', timestamp: ts, packetsLost: lost, fractionLost: 0.0390625, jitter: 0.004, totalRoundTripTime: total, roundTripTimeMeasurements: n, roundTripTime: 0.05, ...extra });
  const src = (ts: number) => obj({ type: 'media-source', kind: 'video', timestamp: ts, framesPerSecond: 25, frames: ts / 40 });
  const reports: StatsReportJson[] = [
    { OV: out(1000, 100, 0, 0), RI: ri(900, 0, 0.1, 2), SV: src(1000) },
    // no new RR (RI timestamp unchanged)
    { OV: out(2000, 200, 0.5, 0), RI: ri(900, 0, 0.1, 2), SV: src(2000) },
    // new RR: 6 lost since the previous report, our packetsSent grew 300 − 100 = 200 since then → 0.03;
    // RTT: (0.16 − 0.1)/(3 − 2) = 60 ms
    { OV: out(3000, 300, 1.0, 0.25), RI: ri(2900, 6, 0.16, 3), SV: src(3000) },
  ];
  const s = stream(connectionMetrics(columnsOf(reports)).streams, 'OV').series;

  it('sender-side loss spans the interval between receiver reports (Chromium: Δlost/ΔpacketsSent)', () => {
    expect(s.lossFraction).toEqual([null, null, 0.03]);
    expect(s.fractionLost).toEqual([0.0390625, 0.0390625, 0.0390625]); // as reported (10/256)
  });
  it('RTT = ΔtotalRoundTripTime/Δmeasurements, only when a measurement arrived', () => {
    expect(s.rttMs![0]).toBeNull();
    expect(s.rttMs![1]).toBeNull();
    expect(s.rttMs![2]).toBeCloseTo(60, 10);
    expect(s.remoteJitterMs![2]).toBe(4);
  });
  it('fps, encode time, QP, source fps, quality limitation per interval', () => {
    expect(s.fps![1]).toBe(20); // Δframes 20 / 1 s
    expect(s.encodeMsPerFrame![1]).toBeCloseTo(5, 10); // 1000·0.1/20
    expect(s.qpPerFrame![1]).toBe(10); // 200/20
    expect(s.sourceFps![1]).toBe(25);
    expect(s.bitrate![1]).toBe(800_000); // 8·100000 bytes / 1 s
    expect(s.qualityLimitedCpuS![1]).toBe(0.5);
    expect(s.qualityLimitedCpuS![2]).toBe(0.5);
    expect(s.qualityLimitedBandwidthS![2]).toBe(0.25);
    expect(s.qualityLimitedOtherS![2]).toBe(0);
    expect(s.qualityLimitedCpuS![0]).toBeNull();
  });
  it('Firefox-style reports with packetsReceived use Δlost/(Δlost + Δreceived)', () => {
    const ff = reports.map((r, i) => ({ ...r, RI: obj({ ...(r.RI as object), packetsReceived: [80, 80, 274][i] }) }));
    // Δlost 6, Δreceived 194 → 6/200
    expect(stream(connectionMetrics(columnsOf(ff)).streams, 'OV').series.lossFraction).toEqual([null, null, 0.03]);
  });
});

describe('receiver reports in the corpus call (Chromium 156: audio reports every ~5 s), 10 % uplink audio loss added', () => {
  const columns = samplesToColumns(withUplinkAudioLoss(loadCallSamples()['10-1'], 0.1));
  const audio = connectionMetrics(columns).streams.find((s) => s.direction === 'outbound' && s.kind === 'audio')!;
  const remoteId = Object.keys(columns.objects).find((id) => columns.objects[id].type === 'remote-inbound-rtp' && columns.objects[id].fields.kind.includes('audio'))!;
  const remote = columns.objects[remoteId].fields;
  // The rows with a report we had not seen: the first one shown, then each whose timestamp advanced.
  const reportRows: number[] = [];
  let seen: unknown = null;
  remote.timestamp.forEach((ts, row) => {
    if (ts !== null && ts !== seen) reportRows.push(row);
    if (ts !== null) seen = ts;
  });

  it('the peer\'s jitter and the sender-side loss are values of the report rows only: one report, one sample', () => {
    expect(reportRows.length).toBeGreaterThan(8);
    expect(reportRows.length).toBeLessThan(columns.t.length / 3);
    const jitterRows = audio.series.remoteJitterMs!.flatMap((v, row) => (v === null ? [] : [row]));
    expect(jitterRows).toEqual(reportRows);
    for (const row of reportRows) expect(audio.series.remoteJitterMs![row]).toBe(1000 * (remote.jitter[row] as number));
    // Loss from the second report on (the first has no interval before it), ≈ 10 % (packet counts are whole).
    const lossRows = audio.series.lossFraction!.flatMap((v, row) => (v === null ? [] : [row]));
    expect(lossRows).toEqual(reportRows.slice(1));
    for (const row of lossRows) expect(Math.abs(audio.series.lossFraction![row]! - 0.1)).toBeLessThan(0.01);
  });
  it('held: the last report\'s loss and jitter on every row, as the charts draw them', () => {
    const charts = buildDefaultCharts(columns).charts;
    const chartSeries = (chartId: string) => charts.find((c) => c.id === chartId)!.series.find((s) => s.statsId === remoteId)!.values;
    const loss = chartSeries('packet-loss');
    const jitter = chartSeries('jitter');
    const held = audio.held!;
    expect(held.lossFraction).toHaveLength(columns.t.length);
    for (let row = 0; row < columns.t.length; row++) {
      expect(held.lossFraction[row] === null ? null : 100 * held.lossFraction[row]!).toBe(loss[row]);
      expect(held.remoteJitterMs[row]).toBe(jitter[row]);
    }
    // Between the second report and the end every row holds a loss, not only the report rows.
    expect(held.lossFraction.slice(reportRows[1]).every((v) => v !== null && Math.abs(v - 0.1) < 0.01)).toBe(true);
  });
});

describe('connection metrics', () => {
  it('follow the selected pair: RTT ΔtotalRoundTripTime/ΔresponsesReceived, else currentRoundTripTime', () => {
    const pair = (ts: number, total: number, responses: number, bytes: number) =>
      obj({ type: 'candidate-pair', timestamp: ts, state: 'succeeded', nominated: true, totalRoundTripTime: total, responsesReceived: responses, currentRoundTripTime: 0.03, availableOutgoingBitrate: 2_500_000, bytesSent: bytes, bytesReceived: bytes / 2 });
    const transport = { type: 'transport', timestamp: 0, selectedCandidatePairId: 'CP' };
    const columns = columnsOf([
      { T: obj({ ...transport, timestamp: 1000 }), CP: pair(1000, 0.1, 4, 0) },
      { T: obj({ ...transport, timestamp: 2000 }), CP: pair(2000, 0.14, 5, 125_000) }, // 40 ms; 1 Mbit/s out
      { T: obj({ ...transport, timestamp: 3000 }), CP: pair(3000, 0.14, 5, 250_000) }, // no response: current 30 ms
    ]);
    const c = connectionMetrics(columns).connection;
    expect(c.rttMs[0]).toBeCloseTo(30, 10);
    expect(c.rttMs[1]).toBeCloseTo(40, 10);
    expect(c.rttMs[2]).toBeCloseTo(30, 10);
    expect(c.sendBitrate).toEqual([null, 1_000_000, 1_000_000]);
    expect(c.receiveBitrate).toEqual([null, 500_000, 500_000]);
    expect(c.availableOutgoingBitrate).toEqual([2_500_000, 2_500_000, 2_500_000]);
  });

  it('a PC without BUNDLE (a transport per m-line): bitrates and available bitrate summed over the selected pairs, RTT the worst path', () => {
    const pair = (ts: number, bytes: number, rtt: number) =>
      obj({ type: 'candidate-pair', timestamp: ts, state: 'succeeded', nominated: true, currentRoundTripTime: rtt, availableOutgoingBitrate: 1_000_000, bytesSent: bytes, bytesReceived: bytes / 4 });
    const row = (i: number) => ({
      T0: obj({ type: 'transport', timestamp: i * 1000, selectedCandidatePairId: 'A' }),
      T1: obj({ type: 'transport', timestamp: i * 1000, selectedCandidatePairId: 'B' }),
      A: pair(i * 1000, 125_000 * i, 0.01), // 1 Mbit/s out, 10 ms
      B: pair(i * 1000, 250_000 * i, 0.04), // 2 Mbit/s out, 40 ms
    });
    const c = connectionMetrics(columnsOf([row(1), row(2), row(3)])).connection;
    expect(c.sendBitrate).toEqual([null, 3_000_000, 3_000_000]);
    expect(c.receiveBitrate).toEqual([null, 750_000, 750_000]);
    expect(c.availableOutgoingBitrate).toEqual([2_000_000, 2_000_000, 2_000_000]);
    for (const rtt of c.rttMs) expect(rtt).toBeCloseTo(40, 10);
  });
});

describe('the corpus call (Chromium 156 loopback, 60 s, 2 PCs)', () => {
  const samples = loadCallSamples();
  const send = samplesToColumns(samples['10-1']);
  const receive = samplesToColumns(samples['10-2']);
  const sendMetrics = connectionMetrics(send);
  const receiveMetrics = connectionMetrics(receive);
  const kindOf = (m: ReturnType<typeof connectionMetrics>, direction: string, kind: string) => m.streams.find((s) => s.direction === direction && s.kind === kind)!;
  const values = (xs: (number | null)[] | undefined) => (xs ?? []).filter((v): v is number => v !== null);

  it('finds the four streams with their codecs', () => {
    expect(sendMetrics.streams.map((s) => `${s.direction} ${s.kind} ${s.codec}`).sort()).toEqual(['outbound audio audio/opus', 'outbound video video/VP8']);
    expect(receiveMetrics.streams.map((s) => `${s.direction} ${s.kind} ${s.codec}`).sort()).toEqual(['inbound audio audio/opus', 'inbound video video/VP8']);
  });
  it('a loopback loses nothing', () => {
    for (const m of [sendMetrics, receiveMetrics]) {
      for (const s of m.streams) {
        const loss = values(s.series.lossFraction);
        expect(loss.length).toBeGreaterThan(10);
        expect(loss.every((v) => v === 0)).toBe(true);
      }
    }
  });
  it('fps is near the capture rate the media source reports', () => {
    const out = kindOf(sendMetrics, 'outbound', 'video').series;
    const capture = summarizeSeries(out.sourceFps!)!.avg;
    expect(capture).toBeGreaterThan(19);
    expect(capture).toBeLessThan(22);
    expect(Math.abs(summarizeSeries(out.fps!)!.avg - capture)).toBeLessThan(1.5);
    expect(Math.abs(summarizeSeries(kindOf(receiveMetrics, 'inbound', 'video').series.fps!)!.avg - capture)).toBeLessThan(1.5);
  });
  it('bitrates are webrtc-internals\' own series', () => {
    const id = kindOf(sendMetrics, 'outbound', 'video').statsId;
    const expected = deriveRates(send)[id]['[bytesSent_in_bits/s]'];
    expect(kindOf(sendMetrics, 'outbound', 'video').series.bitrate).toEqual(expected);
    expect(summarizeSeries(expected)!.avg).toBeGreaterThan(300_000);
  });
  it('media RTT equals the raw fields\' ratio, and is plausible for a loopback', () => {
    const out = kindOf(sendMetrics, 'outbound', 'video');
    const remote = Object.keys(send.objects).find((id) => send.objects[id].type === 'remote-inbound-rtp' && send.objects[id].fields.localId.includes(out.statsId))!;
    const f = send.objects[remote].fields;
    const rtt = out.series.rttMs!;
    let checked = 0;
    for (let row = 1; row < send.t.length; row++) {
      const dn = (f.roundTripTimeMeasurements[row] as number) - (f.roundTripTimeMeasurements[row - 1] as number);
      const dt = (f.totalRoundTripTime[row] as number) - (f.totalRoundTripTime[row - 1] as number);
      if (dn > 0) {
        expect(rtt[row]).toBeCloseTo((1000 * dt) / dn, 9);
        checked++;
      } else expect(rtt[row]).toBeNull();
    }
    expect(checked).toBeGreaterThan(20);
    // Whole-call average from the raw counters (first to last), as a range check on the summary.
    const last = send.t.length - 1;
    const overall = (1000 * ((f.totalRoundTripTime[last] as number) - (f.totalRoundTripTime[0] as number))) / ((f.roundTripTimeMeasurements[last] as number) - (f.roundTripTimeMeasurements[0] as number));
    expect(overall).toBeGreaterThan(0.1);
    expect(overall).toBeLessThan(50);
    const s = summarizeSeries(rtt)!;
    expect(s.min).toBeGreaterThan(0);
    expect(s.max).toBeLessThan(50);
    // every interval weighs its measurements equally only when each has one; the plain mean stays near the overall one
    expect(Math.abs(s.avg - overall)).toBeLessThan(3);
  });
  it('connection RTT and available bitrate come from the selected pair', () => {
    const c = sendMetrics.connection;
    expect(values(c.rttMs).every((v) => v >= 0 && v < 50)).toBe(true);
    expect(values(c.availableOutgoingBitrate).length).toBe(send.t.length);
    expect(values(c.sendBitrate).length).toBe(send.t.length - 1);
    // path bitrate ≥ the video stream's payload bitrate in every interval
    const video = kindOf(sendMetrics, 'outbound', 'video').series.bitrate!;
    for (let i = 1; i < send.t.length; i++) if (c.sendBitrate[i] !== null && video[i] !== null) expect(c.sendBitrate[i]!).toBeGreaterThan(video[i]!);
  });
  it('receiver: no freezes, plausible decode time and jitter-buffer delay, jitter in ms', () => {
    const v = kindOf(receiveMetrics, 'inbound', 'video').series;
    expect(summarizeSeries(v.freezeCount!)!.sum).toBe(0);
    expect(summarizeSeries(v.freezeRatio!)!.max).toBe(0);
    const decode = summarizeSeries(v.decodeMsPerFrame!)!;
    expect(decode.min).toBeGreaterThan(0);
    expect(decode.max).toBeLessThan(50);
    const jb = summarizeSeries(kindOf(receiveMetrics, 'inbound', 'audio').series.jitterBufferDelayMs!)!;
    expect(jb.min).toBeGreaterThan(0);
    expect(jb.max).toBeLessThan(500);
    const jitter = summarizeSeries(v.jitterMs!)!;
    expect(jitter.max).toBeLessThan(30);
    expect(jitter.count).toBe(receive.t.length);
  });
  it('Chromium reports no quality limitation on this call', () => {
    const out = kindOf(sendMetrics, 'outbound', 'video').series;
    expect(summarizeSeries(out.qualityLimitedCpuS!)!.sum).toBe(0);
    expect(summarizeSeries(out.qualityLimitedBandwidthS!)!.sum).toBe(0);
  });
  it('never produces NaN', () => {
    for (const m of [sendMetrics, receiveMetrics]) {
      for (const s of m.streams) for (const v of Object.values(s.series)) expect(v!.some((x) => Number.isNaN(x))).toBe(false);
      for (const v of Object.values(m.connection)) expect(v.some((x) => Number.isNaN(x))).toBe(false);
    }
  });
});

describe('Firefox 153 shapes', () => {
  /** Two polls one second apart: the real report, then the same with counters advanced by known amounts. */
  function twoPolls(pc: 'pc1' | 'pc2', advance: Record<string, Record<string, number>>): StatsReportJson[] {
    const first = getStatsReport('firefox153.json', pc);
    const second = structuredClone(first);
    for (const [id, o] of Object.entries(second)) {
      const rec = o as Record<string, unknown>;
      rec.timestamp = (rec.timestamp as number) + 1000;
      for (const [field, by] of Object.entries(advance[id] ?? {})) rec[field] = (rec[field] as number) + by;
    }
    return [first, second];
  }

  it('receiver: loss, fps, decode time, audio level and jitter-buffer delay; qp absent → null', () => {
    const reports = twoPolls('pc2', {
      '258e2e8d': { packetsReceived: 57, packetsLost: 3, bytesReceived: 50_000, framesDecoded: 30, totalDecodeTime: 0.06, jitterBufferDelay: 0.9, jitterBufferEmittedCount: 30 },
      '4c92a06f': { packetsReceived: 50, totalAudioEnergy: 0.01, totalSamplesDuration: 1, jitterBufferDelay: 1920, jitterBufferEmittedCount: 48_000 },
    });
    const m = connectionMetrics(columnsOf(reports));
    const v = stream(m.streams, '258e2e8d').series;
    expect(v.lossFraction![1]).toBe(0.05); // 3/(3 + 57)
    expect(v.bitrate![1]).toBe(400_000); // 8·50000
    expect(v.fps![1]).toBe(30);
    expect(v.decodeMsPerFrame![1]).toBeCloseTo(2, 10); // 1000·0.06/30
    expect(v.jitterBufferDelayMs![1]).toBeCloseTo(30, 10); // 1000·0.9/30
    expect(v.jitterMs![1]).toBeCloseTo(1.4, 10);
    expect(v.qpPerFrame).toEqual([null, null]); // Firefox sends no qpSum on inbound video
    expect(v.freezeCount![1]).toBe(0);
    const a = stream(m.streams, '4c92a06f').series;
    expect(a.audioLevel![1]).toBeCloseTo(0.1, 10); // √(0.01/1)
    expect(a.audioLevel![0]).toBeCloseTo(0.10092471083712272, 12); // reported audioLevel without an interval
    // jitterBufferDelay sums each emitted sample's delay (s): 48000 samples at 40 ms add 1920 → 1000·1920/48000 = 40
    expect(a.jitterBufferDelayMs![1]).toBeCloseTo(40, 10);
    expect(a.lossFraction![1]).toBe(0);
    // no availableOutgoingBitrate in Firefox
    expect(m.connection.availableOutgoingBitrate).toEqual([null, null]);
    expect(m.connection.receiveBitrate[1]).toBe(0);
  });
  it('sender: no quality limitation or source audio level in Firefox; RR packetsReceived used for loss', () => {
    // video RR 1e0f31e7: 2 lost and 38 received since the last report → 0.05; RTT Δ0.004/Δ2 = 2 ms
    const reports = twoPolls('pc1', {
      '77d75775': { packetsSent: 40, bytesSent: 40_000, framesEncoded: 30, totalEncodeTime: 0.09, qpSum: 300 },
      '1e0f31e7': { packetsLost: 2, packetsReceived: 38, totalRoundTripTime: 0.004, roundTripTimeMeasurements: 2 },
    });
    const m = connectionMetrics(columnsOf(reports));
    const v = stream(m.streams, '77d75775').series;
    expect(v.lossFraction![1]).toBe(0.05);
    expect(v.rttMs![1]).toBeCloseTo(2, 10);
    expect(v.fps![1]).toBe(30);
    expect(v.encodeMsPerFrame![1]).toBeCloseTo(3, 10);
    expect(v.qpPerFrame![1]).toBe(10);
    // Firefox's outbound-rtp has no mediaSourceId, so the capture rate is not linked
    expect(v.sourceFps).toEqual([null, null]);
    for (const k of ['qualityLimitedCpuS', 'qualityLimitedBandwidthS', 'qualityLimitedOtherS', 'targetBitrate'] as const) expect(v[k]).toEqual([null, null]);
    const audio = stream(m.streams, '3eddd26d').series;
    expect(audio.audioLevel).toEqual([null, null]); // Firefox audio media-source has no levels
    // audio RR 990fb1a7 has no RTT measurements and did not change: nothing
    expect(audio.rttMs).toEqual([null, null]);
    expect(audio.lossFraction).toEqual([null, null]);
  });
  it('a single poll gives levels only', () => {
    const m = connectionMetrics(samplesToColumns([{ index: 0, t: 1, report: getStatsReport('firefox153.json', 'pc2') }]));
    const v = stream(m.streams, '258e2e8d').series;
    expect(v.fps).toEqual([30]);
    expect(v.frameHeight).toEqual([480]);
    expect(v.bitrate).toEqual([null]);
  });
});

describe('summaries', () => {
  it('the corpus call: setup time from the trace, duration, per-stream stats', () => {
    const data = internalsCallSession();
    const summary = summarizeSession(data);
    expect(summary.pcs.map((p) => p.pcId)).toEqual(['0-1', '0-2']);
    for (const pc of summary.pcs) {
      const created = data.pcs.find((p) => p.pcId === pc.pcId)!.createdAt;
      const connected = data.events.find((e) => e.pcId === pc.pcId && e.record.type === 'pc-event' && e.record.event === 'connectionstatechange' && e.record.value === 'connected')!.record.t;
      expect(pc.setupTimeMs).toBe(connected - created);
      expect(pc.setupTimeMs!).toBeGreaterThan(0);
      expect(pc.setupTimeMs!).toBeLessThan(2000);
      const t = data.stats[pc.pcId].t;
      expect(pc.durationMs).toBe(t[t.length - 1] - created); // open PC: to the last sample
      expect(pc.durationMs!).toBeGreaterThan(55_000);
      expect(pc.durationMs!).toBeLessThan(65_000);
      expect(pc.streams).toHaveLength(2);
      expect(pc.connection.rttMs!.count).toBe(t.length);
    }
    const video = summary.pcs[1].streams.find((s) => s.kind === 'video')!;
    expect(video.metrics.lossFraction!.max).toBe(0);
    expect(video.metrics.fps!.p95).toBeGreaterThanOrEqual(video.metrics.fps!.avg);
    expect(video.metrics.bitrate!.min).toBeLessThanOrEqual(video.metrics.bitrate!.avg);
    expect(video.metrics.qpPerFrame!.avg).toBeGreaterThan(0); // VP8 reports qpSum on the receiving side
    expect(summary.durationMs).toBe(data.session.lastActivityAt - data.session.startedAt);
  });
  it('setup time falls back to ICE connected without connectionstatechange; closedAt ends the duration', () => {
    const ev = (seq: number, t: number, record: object) => ({ seq, frame: 0, pcId: '0-1', record: record as never });
    const events = [
      ev(0, 1000, { type: 'pc-created', pc: 1, t: 1000, config: {} }),
      ev(1, 1400, { type: 'pc-event', pc: 1, t: 1400, event: 'iceconnectionstatechange', value: 'checking' }),
      ev(2, 1650, { type: 'pc-event', pc: 1, t: 1650, event: 'iceconnectionstatechange', value: 'connected' }),
    ];
    expect(pcTimes(events, '0-1')).toEqual({ createdAt: 1000, connectedAt: 1650 });
    const s = summarizePc(undefined, events, '0-1', makePc('0-1', 1000, { closedAt: 9000 }));
    expect(s.setupTimeMs).toBe(650);
    expect(s.durationMs).toBe(8000);
    expect(s.streams).toEqual([]);
    // never connected
    expect(summarizePc(undefined, events.slice(0, 2), '0-1').setupTimeMs).toBeNull();
    // connectionstatechange present but never "connected": no fallback
    const failed = [...events, ev(3, 1700, { type: 'pc-event', pc: 1, t: 1700, event: 'connectionstatechange', value: 'failed' })];
    expect(pcTimes(failed, '0-1').connectedAt).toBeNull();
  });
});
