/** Scores, verdicts and the popup glance (lib/model/health/assess.ts) on the real corpus call and hand-made cases. */
import { describe, expect, it } from 'vitest';
import { assessPc, assessSession, pcGlance, unexplainedScore, verdictLoweredBy, verdictWithoutMediaFrom, verdictWithoutMediaText, worseVerdict } from '../../../../lib/model/health/assess';
import { createPcAssessor } from '../../../../lib/model/health/pc-assessor';
import { audioQuality, SCORE_GOOD, SCORE_LOW, verdictFromScore } from '../../../../lib/model/health/e-model';
import type { StatsReportJson, StatsSample } from '../../../../lib/model/session';
import type { HealthIssue } from '../../../../lib/model/health/rules';
import { samplesToColumns } from '../../../../lib/model/stats-columns';
import { columnsOf, EventStream, internalsCallSession, makePc, makeSession } from '../../../fixtures/session-builders';
import { CORPUS_DIR, loadCallSamples, withUplinkAudioLoss } from '../corpus';
import { readFileSync } from 'node:fs';
import { standardStatsView } from '../../../../lib/model/legacy-stats';
import { DEFAULT_HEALTH_THRESHOLDS, normalizeHealthThresholds } from '../../../../lib/model/health/thresholds';
import { importDump } from '../../../../lib/dump/import-dump';
import { pcColumns } from '../../../../lib/dump/bundle-stats';

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
  it('a failed getUserMedia before a call that ran: the call\'s verdict, the failure among the issues', () => {
    const ev = new EventStream().media(T0 - 5000, 'getUserMedia', [{ video: { width: { exact: 9999 } } }], { error: { name: 'OverconstrainedError', message: '' } });
    const call = internalsCallSession();
    const ended = { ...call, session: { ...call.session, endedAt: call.session.lastActivityAt } };
    const plain = assessSession(ended);
    expect(plain.verdict).toBe('good');
    const h = assessSession({ ...ended, events: [...ev.events, ...ended.events.map((e, i) => ({ ...e, seq: i + 1 }))] });
    expect(h.verdict).toBe('good');
    expect(h.issues.map((i) => i.rule)).toContain('getusermedia-failed');
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
    expect(glance.jitterMs).not.toBeNull();
  });

  it('a sender that stopped: no loss or jitter from the peer\'s last report in the glance (it is not now)', () => {
    // The corpus sender, its counters frozen for the last 10 polls (its track stopped): the peer's last report stays.
    const frozen = samples.map((sample, i) => (i < samples.length - 10 ? sample : { ...sample, report: Object.fromEntries(Object.entries(sample.report).map(([id, o]) => [id, o.type === 'outbound-rtp' ? { ...samples[samples.length - 11].report[id], timestamp: o.timestamp } : o])) }));
    const columns = samplesToColumns(withUplinkAudioLoss(frozen, 0.1));
    const glance = pcGlance(assessPc({ pcId: '0-1', columns, events: [] }), columns, []);
    expect(glance.lossFraction).toBeNull();
    expect(glance.jitterMs).toBeNull();
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

describe('the score lowers the verdict only once it held for 30 s of sample time (domain.md §3.4: MOS < 4 / < 3 for ≥ 30 s)', () => {
  /**
   * Inbound opus audio, loss-free, polled every `stepMs`, with the jitter-buffer delay of each interval (ms): the
   * E-model's delay impairment alone sets the score (400 ms: MOS ≈ 2.9, very low; 250 ms: ≈ 3.9, low; 20 ms: good),
   * and no issue rule watches that delay, so the verdict is the score's.
   */
  const delayRows = (delaysMs: number[], stepMs: number) => {
    let received = 0;
    let emitted = 0;
    let delay = 0;
    return [20, ...delaysMs].map((d, i) => {
      const packets = (50 * stepMs) / 1000;
      received += packets;
      emitted += packets * 960;
      delay += (packets * 960 * d) / 1000;
      return {
        IA: obj({
          type: 'inbound-rtp', kind: 'audio', ssrc: 1, codecId: 'C', timestamp: T0 + i * stepMs, packetsReceived: received, packetsLost: 0,
          bytesReceived: received * 100, jitter: 0.002, jitterBufferDelay: delay, jitterBufferEmittedCount: emitted,
        }),
        C: obj({ type: 'codec', mimeType: 'audio/opus', timestamp: T0 + i * stepMs }),
      };
    });
  };
  /** `seconds` of intervals of `delayMs` at polls `stepMs` apart. */
  const stretch = (seconds: number, delayMs: number, stepMs: number) => new Array<number>(Math.round((seconds * 1000) / stepMs)).fill(delayMs);
  const assess = (delaysMs: number[], stepMs: number) => assessPc({ pcId: '0-1', columns: columnsOf(delayRows(delaysMs, stepMs), T0, stepMs), events: [] });

  it('the delays rate as intended: 400 ms very low, 250 ms low, 20 ms good', () => {
    expect(verdictFromScore(assess(stretch(60, 400, 1000), 1000).currentScore!)).toBe('very-low');
    expect(verdictFromScore(assess(stretch(60, 250, 1000), 1000).currentScore!)).toBe('low');
    expect(verdictFromScore(assess(stretch(60, 20, 1000), 1000).currentScore!)).toBe('good');
  });

  it.each([100, 1000, 5000])('polls %i ms apart: a 20 s bad stretch is not a verdict yet, a 40 s one is', (stepMs) => {
    const good = stretch(40, 20, stepMs);
    const short = assess([...good, ...stretch(20, 400, stepMs)], stepMs);
    expect(short.currentScore!).toBeLessThan(SCORE_LOW);
    expect(short.verdict).toBe('good');
    expect(assess([...good, ...stretch(40, 400, stepMs)], stepMs).verdict).toBe('very-low');
    expect(assess([...good, ...stretch(40, 250, stepMs)], stepMs).verdict).toBe('low');
  });

  it('at 100 ms polls the last 5 rows (half a second) are no verdict', () => {
    const h = assess([...stretch(40, 20, 100), ...stretch(0.5, 400, 100)], 100);
    expect(h.verdict).toBe('good');
  });

  it('a call bad from its start gets its verdict after 30 s, not before, and is not called good meanwhile', () => {
    expect(assess(stretch(1, 400, 1000), 1000).verdict).toBeNull();
    expect(assess(stretch(25, 400, 1000), 1000).verdict).toBeNull();
    expect(assess(stretch(25, 250, 1000), 1000).verdict).toBeNull();
    expect(assess(stretch(36, 400, 1000), 1000).verdict).toBe('very-low');
    // Good from its first score: good at once; and once good, a later short dip keeps it good.
    expect(assess(stretch(1, 20, 1000), 1000).verdict).toBe('good');
    expect(assess([...stretch(3, 20, 1000), ...stretch(10, 400, 1000)], 1000).verdict).toBe('good');
    // Bad at first, then good: good from then on.
    expect(assess([...stretch(10, 400, 1000), ...stretch(8, 20, 1000)], 1000).verdict).toBe('good');
  });

  it('a bad stretch with a good second in it still counts as one; very low then low for 35 s in all is low', () => {
    const withBlip = [...stretch(40, 20, 1000), ...stretch(18, 400, 1000), 20, ...stretch(18, 400, 1000)];
    expect(assess(withBlip, 1000).verdict).toBe('very-low');
    const mixed = [...stretch(40, 20, 1000), ...stretch(20, 400, 1000), ...stretch(15, 250, 1000)];
    expect(assess(mixed, 1000).verdict).toBe('low');
  });

  it('the verdict recovers once the score has been good again for a few seconds', () => {
    const bad = [...stretch(40, 20, 1000), ...stretch(40, 400, 1000)];
    expect(assess([...bad, ...stretch(2, 20, 1000)], 1000).verdict).toBe('very-low');
    expect(assess([...bad, ...stretch(20, 20, 1000)], 1000).verdict).toBe('good');
  });

  it('the current score is the mean over the last 5 s of sample time, whatever the poll interval', () => {
    for (const stepMs of [100, 1000]) {
      const bad = stretch(40, 400, stepMs);
      // One good second after 40 bad ones is a fifth of the mean (at 100 ms polls, not all of the last 5 rows).
      expect(assess([...bad, ...stretch(1, 20, stepMs)], stepMs).currentScore!, `${stepMs} ms`).toBeLessThan(SCORE_GOOD);
      expect(verdictFromScore(assess([...bad, ...stretch(5, 20, stepMs)], stepMs).currentScore!), `${stepMs} ms`).toBe('good');
    }
  });
});

describe('UX review: a closed PC has no "now"', () => {
  /** Inbound opus audio losing `lost` of 50 packets in each of `n` intervals after a clean one. */
  const lossyAudio = (n: number, lost: number) => {
    let received = 0;
    let lostTotal = 0;
    return Array.from({ length: n + 2 }, (_, i) => {
      if (i > 1) {
        received += 50 - lost;
        lostTotal += lost;
      } else received += 50 * i;
      return {
        IA: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 1, codecId: 'C', timestamp: T0 + i * 1000, packetsReceived: received, packetsLost: lostTotal, bytesReceived: received * 100, jitter: 0.01 }),
        C: obj({ type: 'codec', mimeType: 'audio/opus', timestamp: T0 + i * 1000 }),
      };
    });
  };
  const columns = columnsOf(lossyAudio(40, 6));
  const last = columns.t[columns.t.length - 1];

  it('live: an ongoing loss issue lowers the current verdict, with a current score', () => {
    const live = assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 1000), columns, events: [] });
    expect(live.ended).toBe(false);
    expect(live.currentScore).not.toBeNull();
    expect(live.issues.find((i) => i.rule === 'high-packet-loss')!.to).toBeNull();
  });
  it.each([
    ['the PC closed', { pc: makePc('0-1', T0 - 1000, { closedAt: last + 300 }) }],
    ['the session ended', { pc: makePc('0-1', T0 - 1000), sessionEndedAt: last + 300 }],
  ])('%s: every issue ends there, no current score, and the verdict is the overall one (assessPc and the live assessor)', (_, input) => {
    for (const health of [assessPc({ pcId: '0-1', columns, events: [], ...input }), createPcAssessor().assess({ pcId: '0-1', columns, events: [], ...input }).health]) {
      expect(health.ended).toBe(true);
      expect(health.currentScore).toBeNull();
      expect(health.verdict).toBe(health.overallVerdict);
      expect(health.issues.filter((i) => i.to === null)).toEqual([]);
      expect(health.issues.find((i) => i.rule === 'high-packet-loss')!.to).toBe(last + 300);
      expect(pcGlance(health, columns, []).score).toBeNull();
    }
  });
  it('assessSession ends the PCs of an ended session', () => {
    const pc = makePc('0-1', T0 - 1000);
    const h = assessSession(makeSession({ pcs: [pc], stats: { '0-1': columns }, summary: { endedAt: last + 300 } }));
    expect(h.pcs[0].ended).toBe(true);
    expect(h.pcs[0].issues.filter((i) => i.to === null)).toEqual([]);
  });
});

describe('UX review: an interval without media is scored', () => {
  /** Inbound audio and video, each receiving (true) or not per interval. */
  const twoStreams = (intervals: { audio: boolean; video: boolean }[]) => {
    let audio = 1000;
    let video = 1000;
    let frames = 0;
    return [{ audio: true, video: true }, ...intervals].map((iv, i) => {
      if (iv.audio) audio += 50;
      if (iv.video) {
        video += 100;
        frames += 30;
      }
      return {
        IA: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 11, timestamp: T0 + i * 1000, packetsReceived: audio, packetsLost: 0, bytesReceived: audio * 100, jitter: 0.002 }),
        IV: obj({
          type: 'inbound-rtp', kind: 'video', ssrc: 22, timestamp: T0 + i * 1000, packetsReceived: video, packetsLost: 0, bytesReceived: video * 1000,
          jitter: 0.002, framesDecoded: frames, frameWidth: 640, frameHeight: 360,
        }),
      };
    });
  };
  const both = { audio: true, video: true };
  const none = { audio: false, video: false };
  const videoOff = { audio: true, video: false };

  it('every inbound stream stopped: the dry intervals score 0, and the current score falls', () => {
    const h = assessPc({ pcId: '0-1', columns: columnsOf(twoStreams([...new Array(20).fill(both), ...new Array(10).fill(none)])), events: [] });
    expect(h.scores[10]!).toBeGreaterThanOrEqual(SCORE_GOOD);
    expect(h.scores.slice(-10)).toEqual(new Array(10).fill(0));
    expect(h.currentScore!).toBeCloseTo(0, 6);
    expect(h.scoreFactor).toMatchObject({ key: 'no-packets', text: 'no packets for 10 s' });
  });
  it('one stream paused while the other receives (an SFU pausing a video): not rated, the PC keeps its score', () => {
    const h = assessPc({ pcId: '0-1', columns: columnsOf(twoStreams([...new Array(20).fill(both), ...new Array(10).fill(videoOff)])), events: [] });
    const video = h.streams.findIndex((s) => s.kind === 'video');
    expect(h.streams[video].series.slice(-10)).toEqual(new Array(10).fill(null));
    expect(h.currentScore!).toBeGreaterThanOrEqual(SCORE_GOOD);
    expect(h.verdict).toBe('good');
  });
  it('a silent speaker at 100 ms polls (Opus DTX: a packet every 400 ms) is not without media', () => {
    let audio = 1000;
    const rows = Array.from({ length: 100 }, (_, i) => {
      if (i % 4 === 0) audio += 1;
      return { IA: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 11, timestamp: T0 + i * 100, packetsReceived: audio, packetsLost: 0, bytesReceived: audio * 100, jitter: 0.002 }) };
    });
    const h = assessPc({ pcId: '0-1', columns: columnsOf(rows, T0, 100), events: [] });
    expect(h.scores.filter((v) => v === 0)).toEqual([]);
  });
});

describe('UX review: what sets a lowered score when no issue says', () => {
  /** Inbound video at `fps` frames/s, 640×360, 600 kbit/s, for `seconds`. */
  const videoRows = (fps: number, seconds: number) =>
    Array.from({ length: seconds + 1 }, (_, i) => ({
      IV: obj({
        type: 'inbound-rtp', kind: 'video', ssrc: 22, timestamp: T0 + i * 1000, packetsReceived: 60 * i, packetsLost: 0, bytesReceived: 75_000 * i,
        jitter: 0.002, framesDecoded: fps * i, frameWidth: 640, frameHeight: 360,
      }),
    }));

  it('received video at 15 fps: low with no issue; the factor is its frame rate, in the health and the glance', () => {
    const columns = columnsOf(videoRows(15, 40));
    const h = assessPc({ pcId: '0-1', columns, events: [] });
    expect(h.verdict).toBe('low');
    expect(h.issues.filter((i) => i.severity !== 'info')).toEqual([]);
    expect(unexplainedScore(h)).toBe(true);
    expect(h.scoreFactor).toMatchObject({ statsId: 'IV', stream: 'inbound video (ssrc 22)', key: 'fps', text: 'frame rate 15 fps (of 30)' });
    expect(pcGlance(h, columns, []).scoreFactor).toBe('inbound video (ssrc 22): frame rate 15 fps (of 30)');
    // Ended: what lowered it over the call.
    const ended = assessPc({ pcId: '0-1', columns, events: [], sessionEndedAt: columns.t[columns.t.length - 1] });
    expect(ended.scoreFactor).toMatchObject({ key: 'fps', text: 'frame rate 15 fps (of 30)' });
  });
  it('a good 30 fps stream: nothing to explain', () => {
    const columns = columnsOf(videoRows(30, 40));
    const h = assessPc({ pcId: '0-1', columns, events: [] });
    expect(h.verdict).toBe('good');
    expect(unexplainedScore(h)).toBe(false);
    expect(pcGlance(h, columns, []).scoreFactor).toBeNull();
  });
  it('audio lowered by its delay: the estimated MOS and the jitter buffer', () => {
    let received = 0;
    let emitted = 0;
    let delay = 0;
    const rows = Array.from({ length: 41 }, (_, i) => {
      received += 50;
      emitted += 50 * 960;
      delay += (50 * 960 * 250) / 1000;
      return {
        IA: obj({
          type: 'inbound-rtp', kind: 'audio', ssrc: 1, timestamp: T0 + i * 1000, packetsReceived: received, packetsLost: 0, bytesReceived: received * 100,
          jitter: 0.002, jitterBufferDelay: delay, jitterBufferEmittedCount: emitted,
        }),
      };
    });
    const h = assessPc({ pcId: '0-1', columns: columnsOf(rows), events: [] });
    expect(h.verdict).toBe('low');
    expect(h.scoreFactor!.key).toBe('delay');
    expect(h.scoreFactor!.text).toMatch(/^estimated MOS 3\.\d \(one-way delay ≈ 270 ms, jitter buffer 250 ms\)$/);
  });
  it('an issue that explains it: no factor shown', () => {
    const h = assessPc({ pcId: '0-1', columns: columnsOf(videoRows(15, 40)), events: new EventStream().event('0-1', T0, 'connectionstatechange', 'disconnected').events, pc: makePc('0-1', T0 - 1000) });
    expect(h.issues.some((i) => i.rule === 'connection-disconnected' && i.to === null)).toBe(true);
    expect(unexplainedScore(h)).toBe(false);
  });
});

describe('UX review: the glance\'s definitions', () => {
  it('a sending-only PC: jitter from the receiver reports, as loss; Send/Receive from its streams without a pair', () => {
    const rows = Array.from({ length: 6 }, (_, i) => ({
      OA: obj({ type: 'outbound-rtp', kind: 'audio', ssrc: 7, timestamp: T0 + i * 1000, packetsSent: 50 * i, bytesSent: 5000 * i, remoteId: 'RA' }),
      RA: obj({ type: 'remote-inbound-rtp', kind: 'audio', ssrc: 7, localId: 'OA', timestamp: T0 + i * 1000 - 200, packetsLost: 0, jitter: 0.012 }),
    }));
    const columns = columnsOf(rows);
    const glance = pcGlance(assessPc({ pcId: '0-1', columns, events: [] }), columns, []);
    expect(glance.jitterMs).toBeCloseTo(12, 5);
    expect(glance.lossFraction).toBe(0);
    expect(glance.bitrateSource).toBe('rtp');
    expect(glance.sendBitrate).toBeCloseTo(40_000, 0);
  });
  it('no packets in the last interval: jitter "–" (null), not the last reported level', () => {
    let received = 1000;
    const rows = Array.from({ length: 10 }, (_, i) => {
      if (i < 6) received += 50;
      return { IA: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 1, timestamp: T0 + i * 1000, packetsReceived: received, packetsLost: 0, bytesReceived: received * 100, jitter: 0 }) };
    });
    const columns = columnsOf(rows);
    const glance = pcGlance(assessPc({ pcId: '0-1', columns, events: [] }), columns, []);
    expect(glance.jitterMs).toBeNull();
    expect(glance.lossFraction).toBeNull();
  });
  it('with a selected pair, Send and Receive are both the transport\'s totals', () => {
    const data = internalsCallSession();
    const pc = data.pcs[1];
    const columns = data.stats[pc.pcId];
    const health = assessPc({ pcId: pc.pcId, pc, columns, events: data.events });
    const glance = pcGlance(health, columns, data.events, pc);
    const conn = health.metrics!.connection;
    expect(glance.bitrateSource).toBe('transport');
    expect(glance.receiveBitrate).toBe(conn.receiveBitrate.findLast((v) => v !== null));
    expect(glance.sendBitrate).toBe(conn.sendBitrate.findLast((v) => v !== null));
  });
});

describe('the verdict over the call needs 30 s of rated media, each score weighted by its interval (domain.md §3.4: "for ≥ 30 s")', () => {
  /**
   * Inbound opus audio, loss-free, with a sample at each of `times` (ms after T0) and per interval (the time since the
   * previous sample) its jitter-buffer delay in ms: 400 ms rates very low, 20 ms good (as in the 30 s hold tests).
   */
  const audioAt = (times: number[], delaysMs: number[]) => {
    let received = 0;
    let emitted = 0;
    let delay = 0;
    const samples: StatsSample[] = times.map((at, i) => {
      if (i > 0) {
        const packets = (50 * (at - times[i - 1])) / 1000;
        received += packets;
        emitted += packets * 960;
        delay += (packets * 960 * delaysMs[i - 1]) / 1000;
      }
      return {
        index: i, t: T0 + at,
        report: {
          IA: obj({
            type: 'inbound-rtp', kind: 'audio', ssrc: 1, codecId: 'C', timestamp: T0 + at, packetsReceived: received, packetsLost: 0,
            bytesReceived: received * 100, jitter: 0.002, jitterBufferDelay: delay, jitterBufferEmittedCount: emitted,
          }),
          C: obj({ type: 'codec', mimeType: 'audio/opus', timestamp: T0 + at }),
        },
      };
    });
    return samplesToColumns(samples);
  };
  /** `seconds` of polls `stepMs` apart from `fromMs` on (the first at fromMs + stepMs). */
  const polls = (fromMs: number, seconds: number, stepMs: number) => Array.from({ length: Math.round((seconds * 1000) / stepMs) }, (_, i) => fromMs + (i + 1) * stepMs);
  /** An audio PC polled every second for `seconds`, every interval at `delayMs`; closed after its last sample. */
  const closedPc = (seconds: number, delayMs: number) => {
    const columns = audioAt([0, ...polls(0, seconds, 1000)], new Array<number>(seconds).fill(delayMs));
    return { columns, pc: makePc('0-1', T0 - 1000, { closedAt: T0 + seconds * 1000 + 300 }) };
  };

  it('a PC that lived 8 s gets no verdict over the call, bad or good, and says why; its average is still there', () => {
    for (const delayMs of [400, 20]) {
      const { columns, pc } = closedPc(8, delayMs);
      const h = assessPc({ pcId: '0-1', pc, columns, events: [] });
      expect(h.ended).toBe(true);
      expect(h.mediaMs).toBe(8000);
      expect(h.averageScore).not.toBeNull();
      expect(h.overallVerdict, `${delayMs} ms`).toBeNull();
      expect(h.verdict).toBeNull();
      expect(h.noVerdict).toBe('too-little-media');
    }
  });
  it('a PC with 40 s of media gets its verdict over the call', () => {
    const bad = closedPc(40, 400);
    expect(assessPc({ pcId: '0-1', ...bad, events: [] })).toMatchObject({ mediaMs: 40_000, overallVerdict: 'very-low', verdict: 'very-low', noVerdict: null });
    const good = closedPc(40, 20);
    expect(assessPc({ pcId: '0-1', ...good, events: [] })).toMatchObject({ overallVerdict: 'good', noVerdict: null });
    // 30 s exactly is enough, 29 s is not.
    expect(assessPc({ pcId: '0-1', ...closedPc(30, 400), events: [] }).overallVerdict).toBe('very-low');
    expect(assessPc({ pcId: '0-1', ...closedPc(29, 400), events: [] }).overallVerdict).toBeNull();
  });
  it('a PC that lived a minute but whose media flowed for 8 s of it: no verdict either (the sample time of media counts)', () => {
    // A transport polled for a minute; the audio stream exists in the last 9 samples only.
    const samples: StatsSample[] = Array.from({ length: 61 }, (_, i) => ({
      index: i, t: T0 + i * 1000, report: { T: obj({ type: 'transport', timestamp: T0 + i * 1000, bytesSent: 1000 * i, bytesReceived: 1000 * i }) },
    }));
    const audio = audioAt([52_000, ...polls(52_000, 8, 1000)], new Array<number>(8).fill(400));
    for (let row = 0; row < audio.t.length; row++) {
      const sample = samples[52 + row];
      for (const id of ['IA', 'C']) sample.report[id] = obj(Object.fromEntries(Object.entries(audio.objects[id].fields).map(([k, v]) => [k, v[row]])));
    }
    const h = assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 1000, { closedAt: T0 + 60_300 }), columns: samplesToColumns(samples), events: [] });
    expect(h.mediaMs).toBe(8000);
    expect(h.overallVerdict).toBeNull();
    expect(h.noVerdict).toBe('too-little-media');
  });
  it('a PC without media has no verdict for that reason; a failed connection is very low however short', () => {
    expect(assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 1000, { closedAt: T0 }), columns: undefined, events: [] })).toMatchObject({ overallVerdict: null, noVerdict: 'no-media', mediaMs: 0 });
    const { columns, pc } = closedPc(5, 20);
    const failed = new EventStream().event('0-1', T0 + 3000, 'connectionstatechange', 'failed');
    expect(assessPc({ pcId: '0-1', pc, columns, events: failed.events })).toMatchObject({ overallVerdict: 'very-low', verdict: 'very-low', noVerdict: null });
  });
  it('uneven polls: the average weighs each score by its interval, not by its row', () => {
    // 10 s of very low audio polled every 100 ms (100 rows), then 50 s of good audio polled every 5 s (10 rows).
    const times = [0, ...polls(0, 10, 100), ...polls(10_000, 50, 5000)];
    const columns = audioAt(times, [...new Array<number>(100).fill(400), ...new Array<number>(10).fill(20)]);
    const h = assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 1000, { closedAt: T0 + 60_300 }), columns, events: [] });
    const bad = h.scores[1]!;
    const good = h.scores[h.scores.length - 1]!;
    expect(verdictFromScore(bad)).toBe('very-low');
    expect(verdictFromScore(good)).toBe('good');
    expect(h.mediaMs).toBeCloseTo(60_000, 6);
    // A mean of rows would be (100 × bad + 10 × good) / 110: not good.
    expect(verdictFromScore((100 * bad + 10 * good) / 110)).not.toBe('good');
    expect(h.averageScore!).toBeCloseTo((10 * bad + 50 * good) / 60, 6);
    expect(h.overallVerdict).toBe('good');
  });
  it('a gap between polls counts for its length (the counters cover it): 20 s good, then one bad sample 30 s later', () => {
    const times = [0, ...polls(0, 20, 1000), 50_000];
    const columns = audioAt(times, [...new Array<number>(20).fill(20), 400]);
    const h = assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 1000, { closedAt: T0 + 50_300 }), columns, events: [] });
    expect(h.mediaMs).toBe(50_000);
    expect(h.averageScore!).toBeCloseTo((20 * h.scores[1]! + 30 * h.scores[21]!) / 50, 6);
    expect(h.overallVerdict).toBe('low');
  });
  it('a session: the short PC does not make the verdict; the average weighs the PCs by their media; none long enough: no verdict', () => {
    const long = closedPc(40, 20);
    const short = closedPc(8, 400);
    const longPc = { ...long.pc, pcId: '0-1' };
    const shortPc = { ...short.pc, pcId: '0-2' };
    const both = assessSession(makeSession({ pcs: [longPc, shortPc], stats: { '0-1': long.columns, '0-2': short.columns } }));
    expect(both.pcs.map((p) => p.overallVerdict)).toEqual(['good', null]);
    expect(both.verdict).toBe('good');
    expect(both.noVerdict).toBeNull();
    const [a, b] = both.pcs;
    expect(both.averageScore!).toBeCloseTo((40 * a.averageScore! + 8 * b.averageScore!) / 48, 6);
    const onlyShort = assessSession(makeSession({ pcs: [shortPc], stats: { '0-2': short.columns } }));
    expect(onlyShort).toMatchObject({ verdict: null, noVerdict: 'too-little-media' });
    expect(onlyShort.averageScore).not.toBeNull();
    expect(assessSession(makeSession({ pcs: [shortPc] }))).toMatchObject({ verdict: null, noVerdict: 'no-media', averageScore: null });
  });
  it('live, the verdict is still the current one (30 s hold), not held back by the minimum', () => {
    const { columns } = closedPc(8, 20);
    const live = assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 1000), columns, events: [] });
    expect(live.verdict).toBe('good');
    expect(live.overallVerdict).toBeNull();
  });
});

describe('a call with only Chrome\'s legacy (goog) stats: rated from the values parsed from its strings', () => {
  /** The bundle of a corpus rtcstats dump as the views read it (the stored columns: the file's strings). */
  const sessionOf = (file: string) => {
    const [bundle] = importDump(file, new Uint8Array(readFileSync(`${CORPUS_DIR}/dumps/rtcstats-legacy/${file}`)), { allowPartial: true }).bundles;
    const stats = Object.fromEntries(bundle.pcs.map((pc) => [pc.pcId, pcColumns(bundle, pc.pcId)]));
    return { session: bundle.session, pcs: bundle.pcs, events: bundle.events, stats };
  };

  it('a clean P2P call on a LAN is good, its streams scored from bitrate, frame rate, RTT and loss', () => {
    const data = sessionOf('google-legacy-stats-multiple-pc');
    const health = assessSession(data);
    expect(health.noVerdict).toBeNull();
    const p2p = health.pcs.find((p) => data.pcs.find((pc) => pc.pcId === p.pcId)!.fileId === 'PC_2')!;
    expect(p2p.overallVerdict).toBe('good');
    expect(p2p.averageScore!).toBeGreaterThan(SCORE_GOOD);
    expect(p2p.issues.filter((i) => i.severity !== 'info')).toEqual([]);
    const streams = p2p.metrics!.streams;
    expect(streams.map((s) => `${s.direction} ${s.kind} ${s.ssrc}`).sort()).toEqual([
      'inbound audio 3443423296', 'inbound video 2272983867', 'outbound audio 61508899', 'outbound video 2078277926',
    ]);
    // ~1.5 Mbit/s of 720p video each way, 1–9 ms RTT from the receiver reports (googRtt), no loss.
    const video = streams.find((s) => s.ssrc === 2078277926)!.series;
    expect(video.bitrate!.filter((v) => v !== null).length).toBeGreaterThan(20);
    expect(video.frameHeight!.filter((v) => v !== null).every((v) => v === 720)).toBe(true);
    const audio = streams.find((s) => s.ssrc === 61508899)!.series;
    expect(audio.rttMs!.filter((v) => v !== null).every((v) => v! >= 1 && v! <= 9)).toBe(true);
    expect(audio.lossFraction!.filter((v) => v !== null).every((v) => v === 0)).toBe(true);
  });

  it('the congested SFU call: its loss and RTT issues, with the values the strings give and the same thresholds', () => {
    const data = sessionOf('24a93962-f981-43b4-8501-48e43f91a4e0');
    const health = assessSession(data);
    const pc = health.pcs.find((p) => p.t.length > 0)!;
    expect(pc.overallVerdict).toBe('very-low');
    // The audio sender's first loss report of the congestion (poll 39 of PC_0): packetsLost "95" → "104" while
    // packetsSent went "2220" → "2241": 9 of 21 lost, over the 5 % threshold.
    const loss = pc.issues.find((i) => i.rule === 'high-packet-loss' && i.subjectId === 'ssrc_1228289922_send')!;
    expect(loss).toMatchObject({ severity: 'critical', subject: 'outbound audio (ssrc 1228289922)', from: 1593426992155 });
    expect(loss.evidence.value).toBeCloseTo((100 * (104 - 95)) / (2241 - 2220), 9);
    expect(loss.evidence.threshold).toBe(DEFAULT_HEALTH_THRESHOLDS.lossPercent);
    // RTT to the SFU beyond the threshold while congested (googRtt in ms).
    const rtt = pc.issues.filter((i) => i.rule === 'high-rtt');
    expect(rtt.length).toBeGreaterThan(0);
    for (const issue of rtt) expect(issue.evidence.value as number).toBeGreaterThan(DEFAULT_HEALTH_THRESHOLDS.rttMs);
    // Lenient thresholds: the same call has no loss or RTT issue left (the thresholds are what decides).
    const lenient = assessSession(data, normalizeHealthThresholds({ ...DEFAULT_HEALTH_THRESHOLDS, lossPercent: 100, rttMs: 10_000 }));
    expect(lenient.issues.filter((i) => i.rule === 'high-packet-loss' || i.rule === 'high-rtt')).toEqual([]);
  });

  it('reads legacy stats as the charts do: the same PC assessed from its view gives the same health', () => {
    const data = sessionOf('google-legacy-screenshare-p2p');
    const pc = data.pcs.find((p) => data.stats[p.pcId].t.length > 0)!;
    const raw = data.stats[pc.pcId];
    const stored = JSON.stringify(raw);
    const fromRaw = assessPc({ pcId: pc.pcId, pc, columns: raw, events: data.events });
    const fromView = assessPc({ pcId: pc.pcId, pc, columns: standardStatsView(raw), events: data.events });
    expect(fromRaw).toStrictEqual(fromView);
    expect(fromRaw.averageScore).not.toBeNull();
    expect(JSON.stringify(raw)).toBe(stored);
    const glance = pcGlance(fromRaw, raw, data.events, pc);
    expect(glance.pairType).toBe('prflx ⇄ srflx');
  });
});

describe('verdictLoweredBy', () => {
  const issue = (rule: HealthIssue['rule'], severity: HealthIssue['severity'], to: number | null) =>
    ({ rule, severity, pcId: '0-1', subjectId: null, subject: 'connection', from: 1, to, evidence: { metric: 'x', value: 1, unit: '', threshold: null } }) as HealthIssue;
  const failed = issue('connection-failed', 'critical', 10);
  const loss = issue('high-packet-loss', 'warning', 5);
  it('names the critical issues behind a verdict over the call worse than its score ("Very low quality · 96/100")', () => {
    const ended = { ended: true, verdict: 'very-low' as const, overallVerdict: 'very-low' as const, currentScore: null, averageScore: 96, issues: [failed, loss] };
    expect(verdictLoweredBy(ended)).toEqual([failed]);
    // A verdict the score gives by itself needs no naming.
    expect(verdictLoweredBy({ ...ended, averageScore: 20 })).toEqual([]);
    expect(verdictLoweredBy({ ...ended, verdict: 'good', overallVerdict: 'good' })).toEqual([]);
  });
  it('while live: the ongoing issues whose severity gives the verdict', () => {
    const ongoing = issue('high-rtt', 'warning', null);
    const live = { ended: false, verdict: 'low' as const, overallVerdict: null, currentScore: 95, averageScore: 94, issues: [loss, ongoing] };
    expect(verdictLoweredBy(live)).toEqual([ongoing]);
    expect(verdictLoweredBy({ ...live, currentScore: null, averageScore: null })).toEqual([]);
  });
});

describe('a verdict without any media rated is named by its issues, not "Low quality"', () => {
  const issue = (rule: HealthIssue['rule'], severity: HealthIssue['severity'], to: number | null) =>
    ({ rule, severity, pcId: '0-1', subjectId: null, subject: 'connection', from: 1, to, evidence: { metric: 'x', value: 1, unit: '', threshold: null } }) as HealthIssue;
  const stuck = issue('negotiation-stuck', 'warning', null);
  const pastLoss = issue('high-packet-loss', 'warning', 5);
  it('live: the ongoing issues whose severity gives the verdict, only while nothing was ever rated', () => {
    const live = { ended: false, verdict: 'low' as const, overallVerdict: null, currentScore: null, averageScore: null, issues: [pastLoss, stuck] };
    expect(verdictWithoutMediaFrom(live)).toEqual([stuck]);
    expect(verdictWithoutMediaText(live)).toBe('Offer not answered');
    // Media rated now or earlier: the verdict is a quality verdict (verdictLoweredBy names what lowered it).
    expect(verdictWithoutMediaFrom({ ...live, currentScore: 95, averageScore: 95 })).toEqual([]);
    expect(verdictWithoutMediaFrom({ ...live, averageScore: 95 })).toEqual([]);
    expect(verdictWithoutMediaText({ ...live, verdict: null })).toBeNull();
  });
  it('ended: the critical issues that made the verdict over the call, each title once', () => {
    const failed = issue('connection-failed', 'critical', 10);
    const ended = { ended: true, verdict: 'very-low' as const, overallVerdict: 'very-low' as const, currentScore: null, averageScore: null, issues: [failed, { ...failed, from: 20 }, issue('negotiation-stuck', 'warning', 8)] };
    expect(verdictWithoutMediaFrom(ended)).toHaveLength(2);
    expect(verdictWithoutMediaText(ended)).toBe('Connection failed');
  });
  it('an offer sent and never answered, with no stats: the glance says so in place of the verdict', () => {
    const events = new EventStream().created('0-1', T0 - 1000);
    events.event('0-1', T0, 'signalingstatechange', 'have-local-offer');
    const pc = makePc('0-1', T0 - 1000);
    const health = assessPc({ pcId: '0-1', pc, columns: undefined, events: events.events, now: T0 + 45_000 });
    expect(health.verdict).toBe('low');
    expect(health.issues.map((i) => i.rule)).toContain('negotiation-stuck');
    const glance = pcGlance(health, undefined, events.events, pc);
    expect(glance.verdictText).toBe('Offer not answered');
    expect(glance.topIssue?.rule).toBe('negotiation-stuck');
  });
  it('the healthy corpus call keeps its quality verdict', () => {
    const data = internalsCallSession();
    const health = assessSession(data);
    for (let i = 0; i < data.pcs.length; i++) expect(pcGlance(health.pcs[i], data.stats[data.pcs[i].pcId], data.events, data.pcs[i]).verdictText).toBeNull();
  });
});
