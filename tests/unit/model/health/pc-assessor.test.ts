/**
 * The live assessor (lib/model/health/pc-assessor.ts) against a full assessment: at every step of a growing PC
 * (columns grown in place by appendSamples, as the view store grows them; the trace a new array of the same events,
 * as the store hands it out), its health and summary must equal assessPc and summarizePc of the same input, and it
 * must really have resumed where it should.
 */
import { describe, expect, it } from 'vitest';
import { assessPc, type AssessPcInput } from '../../../../lib/model/health/assess';
import { summarizePc } from '../../../../lib/model/health/metrics';
import { createPcAssessor, type PcAssessment, type PcAssessor } from '../../../../lib/model/health/pc-assessor';
import { DEFAULT_HEALTH_THRESHOLDS, normalizeHealthThresholds } from '../../../../lib/model/health/thresholds';
import type { Json } from '../../../../lib/protocol/json';
import type { PcSummary, StatsColumns, StatsSample, TraceEvent } from '../../../../lib/model/session';
import { appendSamples, columnsToSamples, emptyStatsColumns, keepLastRows, samplesToColumns } from '../../../../lib/model/stats-columns';
import { tileSamples } from '../../../fixtures/long-session';
import { EventStream, internalsCallSession, makePc } from '../../../fixtures/session-builders';
import { CORPUS_DIR, withUplinkAudioLoss } from '../corpus';
import { existsSync, readFileSync } from 'node:fs';
import { importDump } from '../../../../lib/dump/import-dump';
import { pcSamples } from '../../../../lib/dump/bundle-stats';

/** Thresholds the healthy corpus call crosses now and then, so the rules open and close spans. */
const TIGHT = normalizeHealthThresholds({
  lossPercent: 0.1, audioJitterMs: 2, videoJitterMs: 3, rttMs: 2, minVideoBitrateKbps: 900, bitrateCollapseRatio: 0.9,
  freezeRatio: 0.01, meanFreezeSeconds: 0.1, sustainedFreezeRatio: 0.01, fpsShareOfSource: 0.95, qualityLimitedShare: 0.01, iceCheckingSeconds: 1,
  iceSetupSeconds: 1, disconnectedSeconds: 1, noPacketsSeconds: 2, idleDataChannelSeconds: 5, concealmentPercent: 0.1,
  keyframeRequestsPerSecond: 0.01,
});

function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** One step: the assessor's result, checked against the full assessment of the same input. */
function step(assessor: PcAssessor, input: AssessPcInput): PcAssessment {
  const result = assessor.assess(input);
  expect(result.health).toStrictEqual(assessPc(input));
  expect(result.summary).toStrictEqual(summarizePc(input.columns, input.events, input.pcId, input.pc));
  return result;
}

/** Sizes of the steps a growing PC is fed in: `sizes` in turn, then random 1–10 rows, until `total`. */
function stepSizes(total: number, seed: number, sizes: number[] = []): number[] {
  const rand = seeded(seed);
  const out: number[] = [];
  let rows = 0;
  while (rows < total) {
    const size = Math.min(total - rows, out.length < sizes.length ? sizes[out.length] : 1 + Math.floor(rand() * 10));
    out.push(size);
    rows += size;
  }
  return out;
}

interface Growth {
  pcId: string;
  pc: PcSummary;
  samples: StatsSample[];
  events: readonly TraceEvent[];
  thresholds?: AssessPcInput['thresholds'];
}

/**
 * Feeds `samples` to one assessor in steps of `sizes`, live (the PC open, `now` a few seconds after the last
 * sample, the trace up to it), comparing every step; returns what each step resumed from and had before.
 */
function grow({ pcId, pc, samples, events, thresholds }: Growth, sizes: number[], seed = 1): { before: number; resumedRows: number }[] {
  const rand = seeded(seed);
  const assessor = createPcAssessor();
  const columns = emptyStatsColumns();
  const steps: { before: number; resumedRows: number }[] = [];
  for (const size of sizes) {
    const before = columns.t.length;
    appendSamples(columns, samples.slice(before, before + size));
    const last = columns.t[columns.t.length - 1];
    const input = { pcId, pc, columns, events: events.filter((e) => e.record.t <= last), thresholds, now: last + Math.floor(rand() * 9000) };
    steps.push({ before, resumedRows: step(assessor, input).resumedRows });
  }
  return steps;
}

describe('the corpus call (Chromium 156 loopback), grown live', () => {
  const data = internalsCallSession();
  for (const pc of data.pcs) {
    const samples = columnsToSamples(data.stats[pc.pcId]);
    const live = { ...pc, closedAt: null };
    for (const [name, thresholds] of [['default', DEFAULT_HEALTH_THRESHOLDS], ['tight', TIGHT]] as const) {
      it(`${pc.pcId}, ${name} thresholds: one row at a time, then in random steps`, () => {
        const growth = { pcId: pc.pcId, pc: live, samples, events: data.events, thresholds };
        const single = grow(growth, samples.map(() => 1));
        // The streams' objects all exist by the 8th sample: from there on every step resumes.
        for (const s of single) if (s.before >= 8) expect(s.resumedRows).toBe(s.before);
        for (const seed of [1, 2, 3]) {
          for (const s of grow(growth, stepSizes(samples.length, seed), seed)) if (s.before >= 8) expect(s.resumedRows).toBe(s.before);
        }
      });
    }
  }

  it('uplink audio loss held between receiver reports carries over the resumed rows (the sender, 10 % loss added)', () => {
    const pc = { ...data.pcs[0], closedAt: null };
    const samples = withUplinkAudioLoss(columnsToSamples(data.stats[pc.pcId]), 0.1);
    const growth = { pcId: pc.pcId, pc, samples, events: data.events, thresholds: TIGHT };
    // Steps that end between two reports, so the loss held at a step's end must come from the step before.
    for (const sizes of [samples.map(() => 1), stepSizes(samples.length, 5, [3, 4, 2, 7])]) {
      for (const s of grow(growth, sizes)) if (s.before >= 8) expect(s.resumedRows).toBe(s.before);
    }
    const full = assessPc({ pcId: pc.pcId, pc, columns: samplesToColumns(samples), events: data.events, thresholds: TIGHT });
    const audio = full.metrics!.streams.find((st) => st.kind === 'audio' && st.direction === 'outbound')!;
    expect(audio.held!.lossFraction.filter((v) => v !== null && v > 0.05).length).toBeGreaterThan(40);
  });

  it('a 12-minute sender (the call tiled), with jumps of hundreds of rows', () => {
    const pc = { ...data.pcs[0], closedAt: null };
    const samples = tileSamples(columnsToSamples(data.stats[pc.pcId]), 12);
    const steps = grow({ pcId: pc.pcId, pc, samples, events: data.events, thresholds: TIGHT }, stepSizes(samples.length, 4, [1, 1, 2, 300, 1, 2, 1, 250, 1, 1]));
    for (const s of steps) if (s.before >= 8) expect(s.resumedRows).toBe(s.before);
  });

  it('the PC closing, the trace growing and `now` moving between steps only change the end', () => {
    const pc = data.pcs[1];
    const samples = columnsToSamples(data.stats[pc.pcId]);
    const columns = samplesToColumns(samples.slice(0, 30));
    const assessor = createPcAssessor();
    const trace = new EventStream();
    trace.created(pc.pcId, pc.createdAt).event(pc.pcId, columns.t[2], 'connectionstatechange', 'connected');
    const input = (events: readonly TraceEvent[], pcSummary: PcSummary, now?: number): AssessPcInput => ({ pcId: pc.pcId, pc: pcSummary, columns, events, thresholds: TIGHT, now });
    const open = { ...pc, closedAt: null };
    step(assessor, input(trace.events.slice(), open, columns.t[29]));
    // Disconnected, still going on (and long enough to be an issue a few seconds later).
    trace.event(pc.pcId, columns.t[29] + 100, 'iceconnectionstatechange', 'disconnected').event(pc.pcId, columns.t[29] + 100, 'connectionstatechange', 'disconnected');
    appendSamples(columns, samples.slice(30, 32));
    const disconnected = step(assessor, input(trace.events.slice(), open, columns.t[31] + 5000));
    expect(disconnected.resumedRows).toBe(30);
    expect(disconnected.health.issues.some((i) => i.rule === 'connection-disconnected' && i.to === null)).toBe(true);
    // Same rows, later: only `now` moved.
    expect(step(assessor, input(trace.events.slice(), open, columns.t[31] + 9000)).resumedRows).toBe(32);
    // Connected again, then closed.
    trace.event(pc.pcId, columns.t[31] + 9500, 'connectionstatechange', 'connected');
    appendSamples(columns, samples.slice(32, 40));
    expect(step(assessor, input(trace.events.slice(), open, columns.t[39])).resumedRows).toBe(32);
    const closed = { ...pc, closedAt: columns.t[39] + 200 };
    expect(step(assessor, input(trace.events.slice(), closed)).resumedRows).toBe(40);
    // Another trace (a re-read after a gap: other event objects) is folded from the start; the rows still resume.
    expect(step(assessor, input(structuredClone(trace.events), closed)).resumedRows).toBe(40);
  });
});

const LEGACY_CALL = `${CORPUS_DIR}/dumps/rtcstats-legacy/google-legacy-stats-multiple-pc`;

describe.skipIf(!existsSync(LEGACY_CALL))('a legacy (goog) stats PC grown live (read through its standard-shaped view)', () => {
  it('equals the full assessment at every step, and resumes once its streams and fields are there', () => {
    const [bundle] = importDump('google-legacy-stats-multiple-pc', new Uint8Array(readFileSync(LEGACY_CALL))).bundles;
    // The SFU connection: streams come and go over its 201 polls.
    const pc = bundle.pcs.find((p) => p.fileId === 'PC_1')!;
    const samples = pcSamples(bundle, pc.pcId);
    const growth = { pcId: pc.pcId, pc: { ...pc, closedAt: null }, samples, events: bundle.events, thresholds: TIGHT };
    // Poll by poll through its first 80 polls (streams join and leave), then in random steps through all of them.
    for (const [rows, sizes] of [[80, Array.from({ length: 80 }, () => 1)], [samples.length, stepSizes(samples.length, 7, [2, 3, 40, 1])]] as const) {
      const steps = grow({ ...growth, samples: samples.slice(0, rows) }, [...sizes]);
      // Mostly taken in from where the previous step ended (a stream or field arriving starts over, as for any PC).
      expect(steps.filter((st) => st.before > 0 && st.resumedRows === st.before).length).toBeGreaterThan(steps.length / 2);
    }
  }, 30_000);
});

describe('falling back to a full assessment', () => {
  const data = internalsCallSession();
  const pc = { ...data.pcs[0], closedAt: null };
  const samples = columnsToSamples(data.stats[pc.pcId]);
  const input = (columns: StatsColumns, extra: Partial<AssessPcInput> = {}): AssessPcInput =>
    ({ pcId: pc.pcId, pc, columns, events: data.events, now: columns.t[columns.t.length - 1] + 1000, ...extra });

  it('columns replaced by another object (the stored stats arriving) start over, then resume on that one', () => {
    const assessor = createPcAssessor();
    const first = samplesToColumns(samples.slice(0, 20));
    step(assessor, input(first));
    appendSamples(first, samples.slice(20, 22));
    expect(step(assessor, input(first)).resumedRows).toBe(20);
    const replaced = samplesToColumns(samples.slice(0, 40));
    expect(step(assessor, input(replaced)).resumedRows).toBe(0);
    appendSamples(replaced, samples.slice(40, 43));
    expect(step(assessor, input(replaced)).resumedRows).toBe(40);
  });

  it('columns trimmed in place, other thresholds, another PC, no columns: start over', () => {
    const assessor = createPcAssessor();
    const columns = samplesToColumns(samples.slice(0, 30));
    step(assessor, input(columns));
    keepLastRows(columns, 20);
    expect(step(assessor, input(columns)).resumedRows).toBe(0);
    expect(step(assessor, input(columns, { thresholds: TIGHT })).resumedRows).toBe(0);
    expect(step(assessor, input(columns, { thresholds: TIGHT })).resumedRows).toBe(20);
    const other = data.pcs[1];
    expect(step(assessor, input(data.stats[other.pcId], { pcId: other.pcId, pc: other })).resumedRows).toBe(0);
    expect(step(assessor, { pcId: pc.pcId, pc, columns: undefined, events: data.events }).resumedRows).toBe(0);
    expect(step(assessor, input(emptyStatsColumns())).resumedRows).toBe(0);
  });

  it('an outbound stream without remoteId whose remote object names it by localId only later starts over', () => {
    const T0 = 1_001_000;
    const sample = (i: number): StatsSample => ({
      index: i, t: T0 + i * 1000, report: {
        OA: { type: 'outbound-rtp', kind: 'audio', ssrc: 1, timestamp: T0 + i * 1000, bytesSent: 4000 * i, packetsSent: 50 * i },
        RA: { type: 'remote-inbound-rtp', kind: 'audio', localId: i < 3 ? 'XX' : 'OA', timestamp: T0 + i * 1000 - 300, roundTripTime: 0.2, packetsLost: i },
      },
    });
    const samples = [0, 1, 2, 3, 4, 5].map(sample);
    const columns = samplesToColumns(samples.slice(0, 3));
    const assessor = createPcAssessor();
    const live = makePc('0-1', T0 - 1000);
    const at = (): AssessPcInput => ({ pcId: '0-1', pc: live, columns, events: [], now: columns.t[columns.t.length - 1] });
    expect(step(assessor, at()).health.metrics!.streams[0].series.rttMs![1]).toBeNull();
    appendSamples(columns, samples.slice(3, 4));
    const found = step(assessor, at());
    expect(found.resumedRows).toBe(0);
    // The earlier rows now read that remote object too.
    expect(found.health.metrics!.streams[0].series.rttMs![1]).toBe(200);
    appendSamples(columns, samples.slice(4));
    expect(step(assessor, at()).resumedRows).toBe(4);
  });
});

// ─── a synthetic PC whose stats change shape while it runs ────────────────────────────────────────────────────

/**
 * Samples of one PC (audio and video each way) in which objects and fields arrive late, a remote object is named
 * before it exists, counters reset, a codec switches, a stream's kind shows up late, the selected pair moves to a
 * relay and back, a data channel opens; and a trace with state changes. Seeded: the same seed, the same PC.
 */
function changingPc(seed: number, rows: number): { samples: StatsSample[]; events: TraceEvent[] } {
  const rand = seeded(seed);
  const row = (max: number) => Math.floor(rand() * max);
  const T0 = 1_000_000;
  const at = {
    outboundVideo: row(rows / 3), inboundAudio: row(rows / 4), inboundVideo: row(rows / 3), remoteNamed: row(rows / 2),
    totalRtt: row(rows), energy: row(rows), codecSwitch: row(rows), kindKnown: row(rows / 2), relay: 5 + row(rows / 2),
    relayEnd: rows - row(rows / 3), channel: row(rows), channelUsed: rows + row(rows), dry: row(rows), reset: row(rows),
  };
  const remoteExists = at.remoteNamed + row(4);
  const remoteHasReceived = rand() < 0.5;
  const counters = new Map<string, number>();
  const grow = (key: string, by: number) => {
    const v = (counters.get(key) ?? 0) + by;
    counters.set(key, v);
    return v;
  };
  const samples: StatsSample[] = [];
  const trace = new EventStream();
  trace.created('0-1', T0 - 500).event('0-1', T0 - 400, 'iceconnectionstatechange', 'checking');
  let t = T0;
  let remoteT = T0;
  for (let i = 0; i < rows; i++) {
    t += rand() < 0.05 ? 0 : rand() < 0.1 ? 2000 : 1000;
    const report: Record<string, Record<string, Json>> = {};
    const relayed = i >= at.relay && i < at.relayEnd;
    report.T = { type: 'transport', timestamp: t, selectedCandidatePairId: relayed ? 'P2' : 'P1' };
    for (const [pair, local] of [['P1', 'L1'], ['P2', 'L2']] as const) {
      if (pair === 'P2' && i < at.relay - 2) continue;
      report[pair] = {
        type: 'candidate-pair', timestamp: t, localCandidateId: local, remoteCandidateId: 'R1', state: 'succeeded', nominated: true,
        bytesSent: grow(`${pair}s`, 50_000 + row(100_000)), bytesReceived: grow(`${pair}r`, 50_000 + row(100_000)),
        totalRoundTripTime: grow(`${pair}rtt`, rand() * 0.5), responsesReceived: grow(`${pair}n`, 1), currentRoundTripTime: rand() * 0.5,
        availableOutgoingBitrate: 300_000 + row(2_000_000),
      };
      report[local] = { type: 'local-candidate', timestamp: t, candidateType: local === 'L2' ? 'relay' : 'host', protocol: 'udp', relayProtocol: 'udp', url: 'turn:turn.example.org' };
    }
    report.R1 = { type: 'remote-candidate', timestamp: t, candidateType: 'srflx', protocol: 'udp' };
    report.C1 = { type: 'codec', timestamp: t, mimeType: 'audio/opus' };
    if (i >= at.codecSwitch) report.C2 = { type: 'codec', timestamp: t, mimeType: 'audio/PCMU' };
    report.C3 = { type: 'codec', timestamp: t, mimeType: 'video/VP8' };
    // Outbound audio, with the peer's receiver reports (named by remoteId a little before the object exists).
    if (rand() > 0.1) {
      report.OA = {
        type: 'outbound-rtp', kind: 'audio', ssrc: 11, timestamp: t, codecId: i >= at.codecSwitch ? 'C2' : 'C1', mediaSourceId: 'SA',
        bytesSent: grow('OAb', rand() < 0.1 ? 0 : 4000 + row(2000)), packetsSent: grow('OAp', 50),
        ...(i >= at.remoteNamed ? { remoteId: 'RA' } : {}),
      };
    }
    report.SA = { type: 'media-source', kind: 'audio', timestamp: t, audioLevel: rand(), ...(i >= at.energy ? { totalAudioEnergy: grow('SAe', rand()), totalSamplesDuration: grow('SAd', 1) } : {}) };
    if (i >= remoteExists && rand() > 0.2) {
      if (rand() > 0.3) remoteT = t - 300;
      report.RA = {
        type: 'remote-inbound-rtp', kind: 'audio', localId: 'OA', timestamp: remoteT, packetsLost: grow('RAl', rand() < 0.3 ? row(8) : 0),
        jitter: rand() * 0.06, fractionLost: rand() * 0.1, roundTripTime: rand() * 0.6, roundTripTimeMeasurements: grow('RAm', rand() < 0.5 ? 1 : 0),
        ...(i >= at.totalRtt ? { totalRoundTripTime: grow('RAt', rand() * 0.6) } : {}),
        ...(remoteHasReceived ? { packetsReceived: grow('RAr', 45) } : {}),
      };
    }
    if (i >= at.outboundVideo) {
      const encoded = rand() < 0.1 ? 0 : 5 + row(26);
      report.OV = {
        type: 'outbound-rtp', kind: 'video', ssrc: 12, timestamp: t, codecId: 'C3', mediaSourceId: 'SV', frameWidth: 640, frameHeight: 480,
        framesPerSecond: encoded, framesEncoded: grow('OVf', encoded), bytesSent: grow('OVb', rand() < 0.2 ? 2000 : 60_000 + row(200_000)),
        packetsSent: grow('OVp', 80), targetBitrate: 800_000, qpSum: grow('OVq', 30 * encoded), totalEncodeTime: grow('OVe', 0.003 * encoded),
        qualityLimitationDurations: { none: grow('qln', 0.5), cpu: grow('qlc', rand() < 0.3 ? 0.6 : 0), bandwidth: grow('qlb', rand() < 0.3 ? 0.7 : 0), other: 0 },
      };
      report.SV = { type: 'media-source', kind: 'video', timestamp: t, framesPerSecond: 30 };
    }
    if (i >= at.inboundAudio && rand() > 0.05) {
      const dry = i >= at.dry && i < at.dry + 8;
      if (i === at.reset) counters.set('IAr', 0);
      report.IA = {
        type: 'inbound-rtp', kind: 'audio', ssrc: 21, timestamp: t, codecId: 'C1', packetsReceived: grow('IAr', dry ? 0 : 40 + row(10)),
        packetsLost: grow('IAl', dry ? 0 : row(6)), bytesReceived: grow('IAb', dry ? 0 : 4000), jitter: rand() * 0.05,
        jitterBufferDelay: grow('IAj', rand() * 3), jitterBufferEmittedCount: grow('IAe', 48_000), totalAudioEnergy: grow('IAa', rand()), totalSamplesDuration: grow('IAd', 1),
      };
    }
    if (i >= at.inboundVideo) {
      const decoded = rand() < 0.15 ? 0 : 10 + row(20);
      report.IV = {
        type: 'inbound-rtp', ...(i >= at.kindKnown ? { kind: 'video' } : {}), ssrc: 22, timestamp: t, codecId: 'C3', packetsReceived: grow('IVr', rand() < 0.1 ? 0 : 90),
        packetsLost: grow('IVl', row(4)), bytesReceived: grow('IVb', 100_000), framesDecoded: grow('IVf', decoded), framesPerSecond: decoded,
        freezeCount: grow('IVz', rand() < 0.1 ? 1 : 0), totalFreezesDuration: grow('IVd', rand() < 0.2 ? rand() : 0), frameWidth: 640, frameHeight: 360,
        jitter: rand() * 0.08, qpSum: grow('IVq', 25 * decoded), totalDecodeTime: grow('IVt', 0.002 * decoded),
      };
    }
    if (i >= at.channel) {
      report.D1 = { type: 'data-channel', timestamp: t, label: 'chat', state: rand() < 0.9 ? 'open' : 'closing', messagesSent: i >= at.channelUsed ? 1 : 0, messagesReceived: 0 };
    }
    samples.push({ index: i, t, report: report as StatsSample['report'] });
    if (i === 1) trace.event('0-1', t, 'iceconnectionstatechange', 'connected').event('0-1', t, 'connectionstatechange', 'connected');
    if (rand() < 0.04) {
      const state = rand() < 0.5 ? 'disconnected' : 'failed';
      trace.event('0-1', t + 10, 'iceconnectionstatechange', state).event('0-1', t + 10, 'connectionstatechange', state);
      const back = t + 10 + row(6000);
      trace.event('0-1', back, 'iceconnectionstatechange', 'connected').event('0-1', back, 'connectionstatechange', 'connected');
    }
  }
  return { samples, events: trace.events };
}

describe('a PC whose stats change shape while it runs (synthetic, seeded)', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}`, () => {
      const { samples, events } = changingPc(seed, 90);
      const pc = makePc('0-1', samples[0].t - 500);
      for (const thresholds of [DEFAULT_HEALTH_THRESHOLDS, TIGHT]) {
        const steps = grow({ pcId: '0-1', pc, samples, events, thresholds }, stepSizes(samples.length, seed, seed % 2 ? [1, 1, 1, 1, 1] : [40]), seed);
        // Most steps resume; the others met a new stream, remote object, pair, field or channel, or a codec switch.
        expect(steps.filter((s) => s.resumedRows > 0).length).toBeGreaterThan(steps.length / 3);
      }
    });
  }
});
