/** Issue rules and hysteresis (lib/model/health/{hysteresis,rules}.ts): hand-made series, the flicker case, missing fields. */
import { describe, expect, it } from 'vitest';
import { above, hysteresisSpans } from '../../../../lib/model/health/hysteresis';
import { connectionMetrics } from '../../../../lib/model/health/metrics';
import { pcIssues, sessionIssues, type HealthIssue, type PcRuleInput } from '../../../../lib/model/health/rules';
import { DEFAULT_HEALTH_THRESHOLDS, normalizeHealthThresholds } from '../../../../lib/model/health/thresholds';
import type { StatsColumns, StatsReportJson } from '../../../../lib/model/session';
import { columnsOf, EventStream, makePc } from '../../../fixtures/session-builders';

const T0 = 1_001_000;
const obj = (o: Record<string, unknown>) => o as StatsReportJson[string];

function issuesOf(columns: StatsColumns | undefined, events = new EventStream(), extra: Partial<PcRuleInput> = {}): HealthIssue[] {
  return pcIssues({
    pcId: '0-1',
    pc: makePc('0-1', T0 - 1000),
    columns,
    metrics: columns ? connectionMetrics(columns) : null,
    events: events.events,
    thresholds: DEFAULT_HEALTH_THRESHOLDS,
    now: columns && columns.t.length ? columns.t[columns.t.length - 1] : T0,
    ...extra,
  });
}
const rules = (issues: HealthIssue[]) => issues.map((i) => i.rule);

describe('hysteresis', () => {
  const rule = above(5, 4);
  it('opens on 3 of the last 4 known samples and reports the worst value', () => {
    const spans = hysteresisSpans([1, 6, 1, 7, 9, 8], rule);
    expect(spans).toEqual([{ fromRow: 1, toRow: null, peak: 9, peakRow: 4 }]);
  });
  it('2 of 4 over never opens (isolated spikes are not issues)', () => {
    expect(hysteresisSpans([6, 1, 6, 1, 6, 1, 6, 1], rule)).toEqual([]);
  });
  it('the flicker case: values wavering around the threshold give ONE span, not many', () => {
    // Over 5, then oscillating 4.5 / 5.5: 4.5 is between off (4) and on (5), so the span holds.
    const values = [6, 6, 6, 4.5, 5.5, 4.5, 5.5, 4.5, 5.5, 4.5];
    const spans = hysteresisSpans(values, rule);
    expect(spans).toHaveLength(1);
    expect(spans[0].toRow).toBeNull();
    // Without hysteresis (off = on), the same series would close and reopen: show the rule makes the difference.
    const naive = values.map((v) => v > 5);
    expect(naive.filter((b, i) => i > 0 && b !== naive[i - 1]).length).toBeGreaterThan(4);
  });
  it('closes after 4 consecutive clear samples, at the first of them', () => {
    const spans = hysteresisSpans([6, 6, 6, 3, 3, 3, 6, 3, 3, 3, 3, 1], rule);
    expect(spans).toEqual([{ fromRow: 0, toRow: 7, peak: 6, peakRow: 0 }]);
  });
  it('unknown samples count neither way; a stream gone stale closes after its last sample', () => {
    expect(hysteresisSpans([6, null, 6, null, 6], rule)).toEqual([{ fromRow: 0, toRow: null, peak: 6, peakRow: 0 }]);
    const stale = hysteresisSpans([6, 6, 6, ...new Array(12).fill(null)], rule);
    expect(stale[0].toRow).toBe(3);
  });
});

/** Inbound audio rows: cumulative counters from per-interval (received, lost) pairs. */
function inboundAudio(intervals: { received: number; lost: number; jitter?: number }[], extra: Record<string, unknown> = {}): StatsReportJson[] {
  let received = 1000;
  let lost = 0;
  let bytes = 100_000;
  return [{ received: 50, lost: 0 }, ...intervals].map((iv, i) => {
    received += iv.received;
    lost += iv.lost;
    bytes += iv.received * 100;
    return {
      IA: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 11, timestamp: T0 + i * 1000, packetsReceived: received, packetsLost: lost, bytesReceived: bytes, jitter: (iv.jitter ?? 5) / 1000, ...extra }),
    };
  });
}

describe('stream rules', () => {
  it('high packet loss: 10 % for 5 s → one warning with the peak and span; 30 % → critical', () => {
    const ok = { received: 50, lost: 0 };
    const bad = { received: 45, lost: 5 }; // 10 %
    const issues = issuesOf(columnsOf(inboundAudio([ok, ok, bad, bad, bad, bad, bad, ok, ok, ok, ok, ok])));
    const loss = issues.filter((i) => i.rule === 'high-packet-loss');
    expect(loss).toHaveLength(1);
    expect(loss[0]).toMatchObject({ severity: 'warning', subjectId: 'IA', subject: 'inbound audio (ssrc 11)', from: T0 + 3000, to: T0 + 8000 });
    expect(loss[0].evidence).toEqual({ metric: 'packet loss', value: 10, unit: '%', threshold: 5 });
    const worse = issuesOf(columnsOf(inboundAudio([ok, { received: 35, lost: 15 }, { received: 35, lost: 15 }, { received: 35, lost: 15 }])));
    expect(worse.find((i) => i.rule === 'high-packet-loss')).toMatchObject({ severity: 'critical', to: null });
  });
  it('loss exactly at the threshold is not an issue (strictly above)', () => {
    const at5 = { received: 95, lost: 5 };
    expect(rules(issuesOf(columnsOf(inboundAudio([at5, at5, at5, at5, at5]))))).not.toContain('high-packet-loss');
  });
  it('jitter: 35 ms is high for audio (30) but not for video (40)', () => {
    const j = Array.from({ length: 6 }, () => ({ received: 50, lost: 0, jitter: 35 }));
    expect(rules(issuesOf(columnsOf(inboundAudio(j))))).toContain('high-jitter');
    expect(rules(issuesOf(columnsOf(inboundAudio(j, { kind: 'video' }))))).not.toContain('high-jitter');
  });
  it('thresholds are settings: raising the loss limit removes the issue', () => {
    const bad = { received: 45, lost: 5 };
    const cols = columnsOf(inboundAudio([bad, bad, bad, bad]));
    expect(rules(issuesOf(cols))).toContain('high-packet-loss');
    expect(rules(issuesOf(cols, undefined, { thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, lossPercent: 20 } }))).not.toContain('high-packet-loss');
  });
  it('no packets received: a stream that was receiving stops for ≥ 5 s; shorter gaps are not issues', () => {
    const ok = { received: 50, lost: 0 };
    const none = { received: 0, lost: 0 };
    const short = issuesOf(columnsOf(inboundAudio([ok, ok, none, none, none, ok, ok])));
    expect(rules(short)).not.toContain('no-packets-received');
    const long = issuesOf(columnsOf(inboundAudio([ok, ok, none, none, none, none, none, none])));
    const issue = long.find((i) => i.rule === 'no-packets-received')!;
    expect(issue).toMatchObject({ from: T0 + 2000, to: null, severity: 'warning' });
    expect(issue.evidence).toEqual({ metric: 'time without packets', value: 6, unit: 's', threshold: 5 });
    // A stream that never received anything (e.g. recvonly with no sender) is not "stopped".
    expect(rules(issuesOf(columnsOf(inboundAudio([none, none, none, none, none, none, none, none]).slice(1))))).not.toContain('no-packets-received');
  });
});

/** Outbound video rows with a media source (Chromium shape). */
function outboundVideo(rows: { kbps: number; fps: number; sourceFps?: number; cpu?: number; bw?: number; w?: number; h?: number }[], withSource = true): StatsReportJson[] {
  let bytes = 0;
  let frames = 0;
  let cpu = 0;
  let bw = 0;
  return rows.map((r, i) => {
    bytes += (r.kbps * 1000) / 8;
    frames += r.fps;
    cpu += r.cpu ?? 0;
    bw += r.bw ?? 0;
    const out: StatsReportJson = {
      OV: obj({
        type: 'outbound-rtp', kind: 'video', ssrc: 22, timestamp: T0 + i * 1000, bytesSent: bytes, packetsSent: i * 100, framesEncoded: frames,
        frameWidth: r.w ?? 640, frameHeight: r.h ?? 360, ...(withSource ? { mediaSourceId: 'SV' } : {}),
        qualityLimitationDurations: { none: i - cpu - bw, cpu, bandwidth: bw, other: 0 },
      }),
    };
    if (withSource) out.SV = obj({ type: 'media-source', kind: 'video', timestamp: T0 + i * 1000, framesPerSecond: r.sourceFps ?? 30 });
    return out;
  });
}

describe('sender rules', () => {
  const good = { kbps: 800, fps: 30 };
  it('fps far below the source and CPU limitation', () => {
    const slow = { kbps: 800, fps: 10, cpu: 0.8 };
    const issues = issuesOf(columnsOf(outboundVideo([good, good, slow, slow, slow, slow])));
    expect(rules(issues)).toEqual(expect.arrayContaining(['low-fps', 'quality-limited-cpu']));
    expect(issues.find((i) => i.rule === 'low-fps')!.evidence.value).toBeCloseTo(100 / 3, 5);
    expect(issues.find((i) => i.rule === 'quality-limited-cpu')!.evidence.value).toBeCloseTo(80, 5);
  });
  it('Firefox shape (no mediaSourceId, no qualityLimitationDurations): no fps or limitation issue from absence', () => {
    const cols = columnsOf(outboundVideo([good, good, { kbps: 800, fps: 10 }, { kbps: 800, fps: 10 }, { kbps: 800, fps: 10 }, { kbps: 800, fps: 10 }], false));
    for (const id of Object.keys(cols.objects)) delete cols.objects[id].fields.qualityLimitationDurations;
    expect(rules(issuesOf(cols))).toEqual([]);
  });
  it('low bitrate below the floor, and a collapse against its own recent median', () => {
    const low = { kbps: 60, fps: 30 };
    expect(rules(issuesOf(columnsOf(outboundVideo([good, low, low, low, low]))))).toContain('low-bitrate');
    // 1000 kbit/s for 20 s, then 200 (above the 100 floor, but 20 % of its median): collapsed.
    const rows = [...new Array(20).fill({ kbps: 1000, fps: 30 }), ...new Array(5).fill({ kbps: 200, fps: 30 })];
    const collapse = issuesOf(columnsOf(outboundVideo(rows))).find((i) => i.rule === 'low-bitrate')!;
    expect(collapse).toMatchObject({ from: T0 + 20_000, to: null });
    expect(collapse.evidence.value).toBeCloseTo(200, 5);
    // A small picture is held to a share of the floor in proportion to its pixels: 60 kbit/s is starved at 640×360
    // but normal for a 320×180 simulcast layer (floor 25), and 15 kbit/s is low even there.
    const layer = (kbps: number) => ({ kbps, fps: 15, w: 320, h: 180 });
    expect(rules(issuesOf(columnsOf(outboundVideo([layer(60), layer(60), layer(60), layer(60), layer(60)]))))).not.toContain('low-bitrate');
    const starved = issuesOf(columnsOf(outboundVideo([layer(60), layer(15), layer(15), layer(15), layer(15)]))).find((i) => i.rule === 'low-bitrate')!;
    expect(starved.evidence).toMatchObject({ value: 15, threshold: 25 });
    // Not encoding (camera off: no frames) is not low bitrate.
    expect(rules(issuesOf(columnsOf(outboundVideo([good, { kbps: 0, fps: 0 }, { kbps: 0, fps: 0 }, { kbps: 0, fps: 0 }, { kbps: 0, fps: 0 }]))))).not.toContain('low-bitrate');
  });
});

describe('RTT and the peer\'s view of our stream', () => {
  /** Outbound audio with its remote-inbound-rtp: RTT measurements and the peer's loss/jitter per receiver report. */
  const rows = (rttMs: number[], lostPerRr = 0) =>
    rttMs.map((rtt, i) => ({
      OA: obj({ type: 'outbound-rtp', kind: 'audio', ssrc: 7, timestamp: T0 + i * 1000, packetsSent: 50 * i, bytesSent: 5000 * i, remoteId: 'RA' }),
      RA: obj({
        type: 'remote-inbound-rtp', kind: 'audio', ssrc: 7, localId: 'OA', timestamp: T0 + i * 1000 - 200, roundTripTime: rtt / 1000,
        totalRoundTripTime: rttMs.slice(0, i + 1).reduce((a, b) => a + b, 0) / 1000, roundTripTimeMeasurements: i + 1,
        packetsLost: lostPerRr * i, jitter: 0.004,
      }),
    }));
  it('RTT from receiver reports above 300 ms → one high-rtt issue for the connection, with its peak', () => {
    const issues = issuesOf(columnsOf(rows([100, 100, 400, 450, 500, 420, 100, 100, 100, 100, 100])));
    const rtt = issues.filter((i) => i.rule === 'high-rtt');
    expect(rtt).toHaveLength(1);
    expect(rtt[0]).toMatchObject({ subject: 'connection', from: T0 + 2000, to: T0 + 6000, evidence: { metric: 'round-trip time', value: 500, unit: 'ms', threshold: 300 } });
  });
  /** Outbound audio whose peer reports every 5th poll (as Chromium's audio RRs), with the jitter of each report. */
  const reportEvery5 = (jitterMs: number[]) =>
    Array.from({ length: 5 * jitterMs.length }, (_, i) => {
      const report = Math.floor(i / 5);
      return {
        OA: obj({ type: 'outbound-rtp', kind: 'audio', ssrc: 7, timestamp: T0 + i * 1000, packetsSent: 50 * i, bytesSent: 5000 * i, remoteId: 'RA' }),
        RA: obj({ type: 'remote-inbound-rtp', kind: 'audio', ssrc: 7, localId: 'OA', timestamp: T0 + report * 5000 - 300, packetsLost: 0, jitter: jitterMs[report] / 1000 }),
      };
    });
  it('the peer\'s jitter counts once per receiver report: one high report is no issue, three in four are', () => {
    // One report of 50 ms, held by the remote object for 5 polls: 1 sample of the last 4, not 5 polls over 30.
    expect(rules(issuesOf(columnsOf(reportEvery5([5, 5, 50, 5, 5, 5]))))).not.toContain('high-jitter');
    const high = issuesOf(columnsOf(reportEvery5([5, 50, 60, 5, 50, 5, 5, 5, 5, 5]))).filter((i) => i.rule === 'high-jitter');
    expect(high).toHaveLength(1);
    expect(high[0]).toMatchObject({ subjectId: 'OA', from: T0 + 5000, evidence: { metric: 'jitter at the receiver', value: 60 } });
  });
  it('loss the peer reports on our stream (Δlost ÷ Δ our packets sent) is an issue of the outbound stream', () => {
    const issues = issuesOf(columnsOf(rows([50, 50, 50, 50, 50, 50], 5))); // 5 of 50 per second: 10 %
    expect(issues.find((i) => i.rule === 'high-packet-loss')).toMatchObject({ subjectId: 'OA', subject: 'outbound audio (ssrc 7)', evidence: { value: 10 } });
  });
});

describe('bandwidth limitation and ICE-only browsers', () => {
  it('quality limited by bandwidth more than 30 % of the time', () => {
    const good = { kbps: 800, fps: 30 };
    const limited = { kbps: 800, fps: 30, bw: 0.5 };
    const issues = issuesOf(columnsOf(outboundVideo([good, good, limited, limited, limited, limited])));
    expect(issues.find((i) => i.rule === 'quality-limited-bandwidth')!.evidence.value).toBeCloseTo(50, 5);
    expect(rules(issues)).not.toContain('quality-limited-cpu');
  });
  it('without connectionstatechange (older Firefox), ICE failed is the connection failure', () => {
    const ev = new EventStream().event('0-1', T0, 'iceconnectionstatechange', 'checking').event('0-1', T0 + 2000, 'iceconnectionstatechange', 'failed');
    expect(issuesOf(undefined, ev, { now: T0 + 3000 })).toMatchObject([{ rule: 'connection-failed', from: T0 + 2000, to: null, evidence: { metric: 'ICE connection state', value: 'failed' } }]);
  });
});

describe('received video frozen', () => {
  it('freeze ratio over 30 % of the interval', () => {
    let frozen = 0;
    let packets = 0;
    const rows = [0, 0, 0.5, 0.6, 0.9, 0.5].map((share, i) => {
      frozen += share;
      packets += 100;
      return { IV: obj({ type: 'inbound-rtp', kind: 'video', ssrc: 33, timestamp: T0 + i * 1000, packetsReceived: packets, packetsLost: 0, bytesReceived: packets * 1000, framesDecoded: i * 20, totalFreezesDuration: frozen, freezeCount: i }) };
    });
    const issue = issuesOf(columnsOf(rows)).find((i) => i.rule === 'video-frozen')!;
    expect(issue).toMatchObject({ from: T0 + 2000, to: null });
    expect(issue.evidence.value).toBeCloseTo(90, 5);
  });
});

describe('state rules', () => {
  it('ICE checking for more than 5 s: critical while still checking (live), ended when it connected', () => {
    const ev = new EventStream().event('0-1', T0, 'iceconnectionstatechange', 'checking');
    expect(rules(issuesOf(undefined, ev, { now: T0 + 4000 }))).toEqual([]);
    const stuck = issuesOf(undefined, ev, { now: T0 + 8000 });
    expect(stuck).toMatchObject([{ rule: 'ice-checking-stuck', severity: 'critical', to: null, from: T0 }]);
    ev.event('0-1', T0 + 9000, 'iceconnectionstatechange', 'connected');
    expect(issuesOf(undefined, ev, { now: T0 + 20_000 })).toMatchObject([{ rule: 'ice-checking-stuck', to: T0 + 9000 }]);
  });
  it('failed is critical at once; disconnected only after 5 s', () => {
    const ev = new EventStream()
      .event('0-1', T0, 'connectionstatechange', 'connected')
      .event('0-1', T0 + 1000, 'connectionstatechange', 'disconnected')
      .event('0-1', T0 + 3000, 'connectionstatechange', 'connected')
      .event('0-1', T0 + 10_000, 'connectionstatechange', 'disconnected')
      .event('0-1', T0 + 17_000, 'connectionstatechange', 'failed');
    const issues = issuesOf(undefined, ev, { now: T0 + 18_000 });
    expect(issues.map((i) => [i.rule, i.from, i.to])).toEqual([
      ['connection-failed', T0 + 17_000, null],
      ['connection-disconnected', T0 + 10_000, T0 + 17_000],
    ]);
  });
  it('another PC\'s events do not count', () => {
    const ev = new EventStream().event('0-2', T0, 'connectionstatechange', 'failed');
    expect(issuesOf(undefined, ev)).toEqual([]);
  });
});

describe('pair and channel rules', () => {
  const cand = (id: string, type: string, extra: Record<string, unknown> = {}) => obj({ type: 'local-candidate', id, candidateType: type, timestamp: T0, ...extra });
  const row = (i: number, pair: 'P1' | 'P2') => ({
    T: obj({ type: 'transport', timestamp: T0 + i * 1000, selectedCandidatePairId: pair }),
    P1: obj({ type: 'candidate-pair', timestamp: T0 + i * 1000, localCandidateId: 'L1', remoteCandidateId: 'R1', state: 'succeeded' }),
    P2: obj({ type: 'candidate-pair', timestamp: T0 + i * 1000, localCandidateId: 'L2', remoteCandidateId: 'R1', state: 'succeeded' }),
    L1: cand('L1', 'host'),
    L2: cand('L2', 'relay', { relayProtocol: 'tcp', url: 'turn:turn.example.org:443?transport=tcp' }),
    R1: obj({ type: 'remote-candidate', candidateType: 'srflx', timestamp: T0 }),
  });
  it('a switch to a TURN relay gives a pair-switched and a relay-in-use issue, both info', () => {
    const issues = issuesOf(columnsOf([row(0, 'P1'), row(1, 'P1'), row(2, 'P2'), row(3, 'P2')]));
    expect(issues.map((i) => [i.rule, i.severity, i.from, i.to])).toEqual([
      ['relay-in-use', 'info', T0 + 2000, null],
      ['candidate-pair-switched', 'info', T0 + 2000, T0 + 2000],
    ]);
    expect(issues[0].evidence.value).toBe('relay ⇄ srflx via our TURN server over tcp (turn:turn.example.org:443?transport=tcp)');
  });
  it('data channel open for 30 s without a message; used or short-lived channels are fine', () => {
    const dc = (i: number, messages: number) => ({ D: obj({ type: 'data-channel', label: 'chat', state: 'open', timestamp: T0 + i * 1000, messagesSent: messages, messagesReceived: 0 }) });
    const idle = columnsOf(Array.from({ length: 32 }, (_, i) => dc(i, 0)));
    expect(issuesOf(idle)).toMatchObject([{ rule: 'data-channel-unused', subject: 'data channel "chat"', from: T0 + 30_000, to: null }]);
    expect(issuesOf(columnsOf(Array.from({ length: 32 }, (_, i) => dc(i, i > 20 ? 1 : 0))))).toEqual([]);
    expect(issuesOf(columnsOf(Array.from({ length: 10 }, (_, i) => dc(i, 0))))).toEqual([]);
  });
});

describe('session rules and settings', () => {
  it('a failed getUserMedia is a session-wide issue naming the error', () => {
    const ev = new EventStream().media(T0, 'getUserMedia', [{ video: true }], { error: { name: 'NotAllowedError', message: 'Permission denied' } }).media(T0 + 10, 'enumerateDevices', [], { error: { name: 'X', message: '' } });
    expect(sessionIssues(ev.events)).toMatchObject([{ rule: 'getusermedia-failed', pcId: null, evidence: { value: 'NotAllowedError: Permission denied' } }]);
  });
  it('normalizeHealthThresholds keeps valid values and drops the rest', () => {
    const th = normalizeHealthThresholds({ lossPercent: 2, rttMs: -5, jitter: 1, audioJitterMs: '40', __proto__: { x: 1 } });
    expect(th).toEqual({ ...DEFAULT_HEALTH_THRESHOLDS, lossPercent: 2 });
    expect(normalizeHealthThresholds(null)).toEqual(DEFAULT_HEALTH_THRESHOLDS);
  });
});
