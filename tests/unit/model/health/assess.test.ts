/** Scores, verdicts and the popup glance (lib/model/health/assess.ts) on the real corpus call and hand-made cases. */
import { describe, expect, it } from 'vitest';
import { assessPc, assessSession, pcGlance, worseVerdict } from '../../../../lib/model/health/assess';
import { audioQuality, SCORE_GOOD } from '../../../../lib/model/health/e-model';
import type { StatsReportJson, StatsSample } from '../../../../lib/model/session';
import { samplesToColumns } from '../../../../lib/model/stats-columns';
import { columnsOf, EventStream, internalsCallSession, makePc, makeSession } from '../../../fixtures/session-builders';
import { loadCallSamples, withUplinkAudioLoss } from '../corpus';

const T0 = 1_001_000;
const obj = (o: Record<string, unknown>) => o as StatsReportJson[string];

describe('the corpus call (Chromium 156 loopback, healthy)', () => {
  const data = internalsCallSession();
  const health = assessSession(data);
  it('is good, with no warning or critical issue', () => {
    expect(health.verdict).toBe('good');
    expect(health.issues.filter((i) => i.severity !== 'info')).toEqual([]);
    for (const pc of health.pcs) {
      expect(pc.averageScore).not.toBeNull();
      expect(pc.averageScore!).toBeGreaterThanOrEqual(SCORE_GOOD);
    }
  });
  it('the glance of the receiving PC shows bitrate, RTT and the host pair', () => {
    const pc = data.pcs[1];
    const glance = pcGlance(health.pcs[1], data.stats[pc.pcId], data.events, pc);
    expect(glance.receiveBitrate).toBeGreaterThan(100_000);
    expect(glance.pairType).toBe('host ⇄ host');
    expect(glance.relayed).toBe(false);
    expect(glance.verdict).toBe('good');
    expect(glance.topIssue).toBeNull();
    expect(glance.connectionState).toBe('connected');
  });
});

describe('scores', () => {
  /** Inbound opus audio: 50 packets/s, `lost` per interval, jitter 10 ms, RTT from the pair 0.1 s. */
  const audioRows = (lostPerInterval: number[]) => {
    let received = 0;
    let lost = 0;
    return [0, ...lostPerInterval].map((l, i) => {
      received += 50 - l;
      lost += l;
      return {
        IA: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 1, codecId: 'C', timestamp: T0 + i * 1000, packetsReceived: received, packetsLost: lost, bytesReceived: received * 100, jitter: 0.01 }),
        C: obj({ type: 'codec', mimeType: 'audio/opus', timestamp: T0 + i * 1000 }),
      };
    });
  };
  it('audio score per row is the E-model score of that interval (pinned against audioQuality)', () => {
    const health = assessPc({ pcId: '0-1', columns: columnsOf(audioRows([0, 5, 0])), events: [] });
    // Row 2: 5 of 50 lost = 10 %; no RTT known → 0; no jitter-buffer delay → 2 × jitter = 20 ms.
    const expected = audioQuality({ rttMs: null, lossFraction: 0.1, jitterMs: 10, codec: 'audio/opus' }).score;
    expect(health.scores[2]).toBeCloseTo(expected, 10);
    expect(health.scores[0]).toBeNull(); // first row: no interval yet
    expect(health.averageScore).toBeCloseTo((health.scores[1]! + health.scores[2]! + health.scores[3]!) / 3, 10);
  });
  it('the PC score is its worst stream; a critical ongoing issue makes the verdict very low', () => {
    const columns = columnsOf(audioRows([0, 0, 0, 0]));
    const good = assessPc({ pcId: '0-1', columns, events: [] });
    expect(good.verdict).toBe('good');
    const ev = new EventStream().event('0-1', T0, 'connectionstatechange', 'failed');
    const failed = assessPc({ pcId: '0-1', columns, events: ev.events, pc: makePc('0-1', T0 - 1000) });
    expect(failed.verdict).toBe('very-low');
    expect(failed.overallVerdict).toBe('very-low');
  });
  it('a PC without stats and without issues has no verdict (unknown, not good)', () => {
    const h = assessPc({ pcId: '0-1', columns: undefined, events: [] });
    expect(h.verdict).toBeNull();
    expect(h.currentScore).toBeNull();
  });
  it('worseVerdict orders good < low < very-low and ignores null', () => {
    expect(worseVerdict('good', 'low')).toBe('low');
    expect(worseVerdict('very-low', 'low')).toBe('very-low');
    expect(worseVerdict(null, 'good')).toBe('good');
    expect(worseVerdict(null, null)).toBeNull();
  });
  it('a session whose getUserMedia failed is at best low', () => {
    const ev = new EventStream().media(T0, 'getUserMedia', [{ audio: true }], { error: { name: 'NotFoundError', message: 'Requested device not found' } });
    const h = assessSession(makeSession({ events: ev.events }));
    expect(h.verdict).toBe('low');
    expect(h.issues[0].rule).toBe('getusermedia-failed');
  });
});

describe('uplink audio loss between receiver reports (the corpus sender, 10 % loss added to its audio reports)', () => {
  const samples = loadCallSamples()['10-1'];
  const clean = assessPc({ pcId: '0-1', columns: samplesToColumns(samples), events: [] });
  const lossy = assessPc({ pcId: '0-1', columns: samplesToColumns(withUplinkAudioLoss(samples, 0.1)), events: [] });
  const audio = lossy.streams.findIndex((s) => s.kind === 'audio' && s.direction === 'outbound');
  // The first report that says something was lost.
  const from = lossy.metrics!.streams[audio].series.lossFraction!.findIndex((v) => v !== null && v > 0);

  it('every row from the first lossy report on is rated with that loss (reports come every ~5 s), not as loss-free', () => {
    expect(from).toBeGreaterThan(0);
    let rated = 0;
    for (let row = from; row < lossy.t.length; row++) {
      const withLoss = lossy.streams[audio].series[row];
      const without = clean.streams[audio].series[row];
      if (withLoss === null || without === null) continue;
      // 10 % loss costs opus about 30 points (E-model); before, 4 rows of 5 scored as if nothing was lost.
      expect(without - withLoss, `row ${row}`).toBeGreaterThan(20);
      rated++;
    }
    expect(rated).toBeGreaterThan(40);
  });
  it('the current score is the E-model score of that loss; the popup shows it', () => {
    const m = lossy.metrics!.streams[audio];
    const held = m.held!.lossFraction;
    const last = lossy.t.length - 1;
    const rtt = m.series.rttMs!.findLast((v) => v !== null)!;
    const expected = audioQuality({ rttMs: rtt, lossFraction: held[last], jitterMs: m.held!.remoteJitterMs[last], codec: 'audio/opus' }).score;
    expect(lossy.streams[audio].series[last]).toBeCloseTo(expected, 10);
    expect(lossy.currentScore!).toBeLessThan(SCORE_GOOD);
    const glance = pcGlance(lossy, samplesToColumns(withUplinkAudioLoss(samples, 0.1)), []);
    expect(Math.abs(glance.lossFraction! - 0.1)).toBeLessThan(0.01);
  });
});

describe('the popup glance counts the streams of the latest samples only', () => {
  // The corpus receiver, its inbound video re-created under another id from row 40 on (an SSRC changed by a
  // renegotiation, an SFU's participant replaced): the old object's last interval had 60 ms jitter and 10 % loss.
  const samples = loadCallSamples()['10-2'];
  const videoId = Object.keys(samples[0].report).find((id) => samples[0].report[id].type === 'inbound-rtp' && samples[0].report[id].kind === 'video')!;
  const replaced: StatsSample[] = samples.map((sample, row) => {
    const report = structuredClone(sample.report);
    const video = report[videoId] as Record<string, number>;
    if (row === 39) {
      video.jitter = 0.06;
      video.packetsLost += 10;
    }
    if (row >= 40) {
      report[`${videoId}-new`] = report[videoId];
      delete report[videoId];
    }
    return { ...sample, report };
  });
  const glanceOf = (s: StatsSample[]) => {
    const columns = samplesToColumns(s);
    return pcGlance(assessPc({ pcId: '0-2', columns, events: [] }), columns, []);
  };
  const before = glanceOf(samples);
  const after = glanceOf(replaced);

  it('the stream that left no longer adds its bitrate, jitter or loss', () => {
    expect(before.receiveBitrate).toBeGreaterThan(100_000);
    // The new object's bitrate (the same counters) is the old one's: the sum is the same, not doubled.
    expect(after.receiveBitrate).toBe(before.receiveBitrate);
    expect(after.jitterMs).toBe(before.jitterMs);
    expect(after.jitterMs!).toBeLessThan(30);
    expect(after.lossFraction).toBe(0);
  });
  it('a stream missing from one sample still counts (the last two samples are read)', () => {
    const gapped = samples.map((sample, row) => {
      if (row !== samples.length - 1) return sample;
      const report = { ...sample.report };
      delete report[videoId];
      return { ...sample, report };
    });
    const columns = samplesToColumns(gapped);
    const glance = pcGlance(assessPc({ pcId: '0-2', columns, events: [] }), columns, []);
    expect(glance.receiveBitrate!).toBeGreaterThan(100_000);
  });
});
