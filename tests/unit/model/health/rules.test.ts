/** Issue rules and hysteresis (lib/model/health/{hysteresis,rules}.ts): hand-made series, the flicker case, missing fields. */
import { tracePauses } from '../../../../lib/model/health/paused-senders';
import { describe, expect, it } from 'vitest';
import { assessPc } from '../../../../lib/model/health/assess';
import { above, hysteresisSpans } from '../../../../lib/model/health/hysteresis';
import { connectionMetrics } from '../../../../lib/model/health/metrics';
import { adviceApplies, pcIssues, sessionIssues, type HealthIssue, type PcRuleInput } from '../../../../lib/model/health/rules';
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
function outboundVideo(rows: { kbps: number; fps: number; sourceFps?: number; cpu?: number; bw?: number; w?: number; h?: number }[], withSource = true, mid?: string): StatsReportJson[] {
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
        type: 'outbound-rtp', kind: 'video', ssrc: 22, timestamp: T0 + i * 1000, bytesSent: bytes, packetsSent: i * 100, framesEncoded: frames, ...(mid !== undefined ? { mid } : {}),
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

describe('a sender the page left without a track (replaceTrack(null))', () => {
  // Firefox's shape of a paused sender: it keeps encoding black frames at 1 fps, a few kbit/s (seen in Firefox 153).
  const good = { kbps: 800, fps: 30 };
  const black = { kbps: 3, fps: 1 };
  const rows = [...new Array(20).fill(good), ...new Array(10).fill(black), ...new Array(10).fill(good)];
  /** replaceTrack(null) at +19.5 s, the track back at +29.5 s, on the transceiver of `mid`. */
  const paused = (mid: string | null, ok = true) => {
    const s = new EventStream();
    const stop = s.callStart('0-1', T0 + 19_500, 'sender.replaceTrack', [null], { mid, index: 1 });
    s.settle('0-1', T0 + 19_501, stop, 'sender.replaceTrack', ok ? {} : { error: { name: 'InvalidModificationError', message: 'x' } });
    const back = s.callStart('0-1', T0 + 29_500, 'sender.replaceTrack', [{ kind: 'video', id: 't2', label: 'camera' }], { mid, index: 1 });
    s.settle('0-1', T0 + 29_501, back, 'sender.replaceTrack', {});
    return s;
  };

  it('setParameters with every encoding inactive is a pause too, until an encoding is active again', () => {
    const inactive = (encodings: { active?: boolean; rid?: string }[], ok = true) => {
      const s = new EventStream();
      const stop = s.callStart('0-1', T0 + 19_500, 'sender.setParameters', [{ encodings }], { mid: '1', index: 1 });
      s.settle('0-1', T0 + 19_501, stop, 'sender.setParameters', ok ? {} : { error: { name: 'InvalidModificationError', message: 'x' } });
      const back = s.callStart('0-1', T0 + 29_500, 'sender.setParameters', [{ encodings: [{ active: true }] }], { mid: '1', index: 1 });
      s.settle('0-1', T0 + 29_501, back, 'sender.setParameters', {});
      return s;
    };
    const cols = () => columnsOf(outboundVideo(rows, false, '1'));
    expect(rules(issuesOf(cols()))).toContain('low-bitrate');
    expect(rules(issuesOf(cols(), inactive([{ active: false }])))).not.toContain('low-bitrate');
    // Simulcast: every layer off pauses it, one layer left on does not; a failed call changes nothing.
    expect(rules(issuesOf(cols(), inactive([{ active: false, rid: 'h' }, { active: false, rid: 'l' }])))).not.toContain('low-bitrate');
    expect(rules(issuesOf(cols(), inactive([{ active: false, rid: 'h' }, { rid: 'l' }])))).toContain('low-bitrate');
    expect(rules(issuesOf(cols(), inactive([{ active: false }], false)))).toContain('low-bitrate');
    const pauses = tracePauses('0-1', inactive([{ active: false }]).events).of({ direction: 'outbound', mid: '1', ssrc: null });
    expect(pauses).toEqual([{ from: T0 + 19_501, to: T0 + 29_501, pcId: null, how: { kind: 'inactive' } }]);
  });

  it('is not "low bitrate": the pause is the page\'s, not congestion control\'s', () => {
    const cols = () => columnsOf(outboundVideo(rows, false, '1'));
    // Without the trace it looks like a collapse (the control: the rule can fire on these rows).
    expect(rules(issuesOf(cols()))).toContain('low-bitrate');
    expect(rules(issuesOf(cols(), paused('1')))).not.toContain('low-bitrate');
    // Another transceiver's pause, or a replaceTrack(null) that failed, explains nothing.
    expect(rules(issuesOf(cols(), paused('0')))).toContain('low-bitrate');
    expect(rules(issuesOf(cols(), paused('1', false)))).toContain('low-bitrate');
  });

  it('an issue open when the pause began ends there; the pause rows are not rated', () => {
    const starved = { kbps: 40, fps: 30 };
    const cols = columnsOf(outboundVideo([good, starved, starved, starved, starved, ...new Array(15).fill(starved), ...new Array(10).fill(black)], false, '1'));
    const low = issuesOf(cols, paused('1')).filter((i) => i.rule === 'low-bitrate');
    expect(low).toHaveLength(1);
    expect(low[0]).toMatchObject({ from: T0 + 1000, to: T0 + 19_501 });
    const health = assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 1000), columns: cols, events: paused('1').events });
    const series = health.streams.find((s) => s.statsId === 'OV')!.series;
    expect(series.slice(21, 30).every((v) => v === null)).toBe(true);
    expect(series[19]).not.toBeNull();
    const unpaused = assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 1000), columns: cols, events: [] });
    expect(unpaused.streams.find((s) => s.statsId === 'OV')!.series.slice(21, 30).every((v) => v !== null)).toBe(true);
  });
});

describe("a sender the page capped with setParameters' maxBitrate", () => {
  const good = { kbps: 800, fps: 30, bw: 0 };
  const capped = { kbps: 150, fps: 30, bw: 1 };
  const rows = [...new Array(20).fill(good), ...new Array(20).fill(capped), ...new Array(10).fill(good)];
  /** maxBitrate 150 kbit/s at +19.5 s on the transceiver of `mid`, lifted at +39.5 s. */
  const cap = (mid: string) => {
    const s = new EventStream();
    const set = s.callStart('0-1', T0 + 19_500, 'sender.setParameters', [{ encodings: [{ maxBitrate: 150_000 }] }], { mid, index: 1 });
    s.settle('0-1', T0 + 19_501, set, 'sender.setParameters', {});
    const lift = s.callStart('0-1', T0 + 39_500, 'sender.setParameters', [{ encodings: [{}] }], { mid, index: 1 });
    s.settle('0-1', T0 + 39_501, lift, 'sender.setParameters', {});
    return s;
  };
  const warnings = (events: EventStream) => issuesOf(columnsOf(outboundVideo(rows, true, '1')), events).filter((i) => i.severity !== 'info');

  it('its low bitrate and bandwidth limitation are information naming the cap, not warnings (QA pass)', () => {
    // The control: another transceiver's cap explains nothing.
    expect(rules(warnings(cap('0')))).toEqual(expect.arrayContaining(['low-bitrate', 'quality-limited-bandwidth']));
    expect(rules(warnings(cap('1')))).not.toContain('low-bitrate');
    expect(rules(warnings(cap('1')))).not.toContain('quality-limited-bandwidth');
    const info = issuesOf(columnsOf(outboundVideo(rows, true, '1')), cap('1')).filter((i) => i.rule === 'low-bitrate');
    expect(info.length).toBeGreaterThan(0);
    expect(info[0].evidence).toMatchObject({ setByPage: true, note: 'Capped by this page: setParameters set maxBitrate 150 kbit/s at +20.501 s, changed or lifted at +40.501 s.' });
  });
});

describe('a sender whose track the page replaced with another (replaceTrack to a smaller camera)', () => {
  // 1000 kbit/s for 20 s, then the page swaps in a 320×180 camera: 200 kbit/s, above that picture's floor but 20 %
  // of the old median.
  const rows = [...new Array(20).fill({ kbps: 1000, fps: 30 }), ...new Array(10).fill({ kbps: 200, fps: 30, w: 320, h: 180 })];
  const swap = (mid: string, track: { id: string } | null = { id: 'small-cam' }) => {
    const s = new EventStream();
    s.callOk('0-1', T0 - 1500, 'addTrack', [{ id: 'cam', kind: 'video', label: 'camera' }], { track: { id: 'cam', kind: 'video', label: 'camera' }, target: { mid: null, index: 1 } });
    const call = s.callStart('0-1', T0 + 19_500, 'sender.replaceTrack', [track === null ? null : { ...track, kind: 'video', label: 'small camera' }], { mid, index: 1 });
    s.settle('0-1', T0 + 19_501, call, 'sender.replaceTrack', {});
    return s;
  };
  const low = (events: EventStream) => issuesOf(columnsOf(outboundVideo(rows, false, '1')), events).filter((i) => i.rule === 'low-bitrate');

  it('its collapse is information naming the swap, not a warning', () => {
    // The control: another transceiver's swap, or a replaceTrack with the same track, explains nothing.
    expect(low(swap('0')).map((i) => i.severity)).toEqual(['warning']);
    expect(low(swap('1', { id: 'cam' })).map((i) => i.severity)).toEqual(['warning']);
    const info = low(swap('1'));
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ severity: 'info', from: T0 + 20_000 });
    expect(info[0].evidence).toMatchObject({ setByPage: true, collapse: true });
    expect(info[0].evidence.note).toMatch(/^This page replaced the sender's track with another \(replaceTrack\) at \+20\.501 s/);
  });

  it('a bitrate below the floor for the new picture stays a warning', () => {
    const starved = [...new Array(20).fill({ kbps: 1000, fps: 30 }), ...new Array(10).fill({ kbps: 10, fps: 30, w: 320, h: 180 })];
    const issues = issuesOf(columnsOf(outboundVideo(starved, false, '1')), swap('1')).filter((i) => i.rule === 'low-bitrate');
    expect(issues.map((i) => i.severity)).toEqual(['warning']);
  });
});

describe('a transceiver whose direction the page set to inactive (or recvonly), then back', () => {
  const good = { kbps: 800, fps: 30 };
  const stopped = { kbps: 0, fps: 0 };
  const rows = [...new Array(20).fill(good), ...new Array(10).fill(stopped), ...new Array(10).fill(good)];
  /** direction = `stop` at +19.5 s, back to sendrecv at +29.5 s, on the transceiver of `mid`. */
  const direction = (mid: string, stop = 'inactive') => {
    const s = new EventStream();
    const off = s.callStart('0-1', T0 + 19_500, 'transceiver.direction', [stop], { mid, index: 1 });
    s.settle('0-1', T0 + 19_500, off, 'transceiver.direction', {});
    const on = s.callStart('0-1', T0 + 29_500, 'transceiver.direction', ['sendrecv'], { mid, index: 1 });
    s.settle('0-1', T0 + 29_500, on, 'transceiver.direction', {});
    return s;
  };

  it('is a pause of its sender: no sender fault, its rows not rated (QA pass: "Frame rate far below the source", Low quality)', () => {
    const health = (events: EventStream) => assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 1000), columns: columnsOf(outboundVideo(rows, true, '1')), events: events.events });
    const series = health(direction('1')).streams.find((s) => s.statsId === 'OV')!.series;
    expect(series.slice(21, 30).every((v) => v === null)).toBe(true);
    expect(series[35]).not.toBeNull();
    expect(rules(health(direction('1')).issues.filter((i) => i.severity !== 'info'))).toEqual([]);
    expect(rules(health(direction('1', 'recvonly')).issues.filter((i) => i.severity !== 'info'))).toEqual([]);
    // Another transceiver's direction explains nothing (the control: the camera keeps capturing, nothing is sent).
    expect(rules(health(direction('0')).issues.filter((i) => i.severity !== 'info')).length).toBeGreaterThan(0);
  });

  it("a receiver of the same page names it in its note", () => {
    const SDP = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=ssrc:33 cname:x\r\n';
    const s = new EventStream().created('0-1', T0 - 2000).created('0-2', T0 - 1000);
    s.callOk('0-1', T0 - 1500, 'setLocalDescription', [{ type: 'offer', sdp: SDP }]);
    const off = s.callStart('0-1', T0 + 9_500, 'transceiver.direction', ['inactive'], { mid: '1', index: 0 });
    s.settle('0-1', T0 + 9_500, off, 'transceiver.direction', {});
    const pauses = tracePauses('0-2', s.events).of({ direction: 'inbound', mid: '1', ssrc: 33 });
    expect(pauses).toEqual([{ from: T0 + 9_500, to: null, pcId: '0-1', how: { kind: 'direction', direction: 'inactive' } }]);
  });
});

describe('a receiver whose sender is another PC of the same page, paused (replaceTrack(null))', () => {
  // PC 0-1 sends video with SSRC 33 on mid 1 (its local description says so); PC 0-2 receives SSRC 33. Rows of 0-2
  // as Firefox shows a paused sender's 1 fps black video: Firefox counts it frozen.
  const SENDER_SDP = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ssrc:11 cname:x\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=ssrc:33 cname:x\r\n';
  const rows = () => {
    let frozen = 0;
    let packets = 0;
    let frames = 0;
    return Array.from({ length: 30 }, (_, i) => {
      const paused = i >= 10 && i < 20;
      frozen += paused ? 0.95 : 0;
      packets += paused ? 3 : 100;
      frames += paused ? 1 : 30;
      return { IV: obj({ type: 'inbound-rtp', kind: 'video', ssrc: 33, mid: '1', timestamp: T0 + i * 1000, packetsReceived: packets, packetsLost: 0, bytesReceived: packets * 1000, framesDecoded: frames, totalFreezesDuration: frozen, freezeCount: paused ? i - 9 : 0 }) };
    });
  };
  const trace = (senderSsrcLine = true) => {
    const s = new EventStream().created('0-1', T0 - 2000).created('0-2', T0 - 1000);
    s.callOk('0-1', T0 - 1500, 'setLocalDescription', [{ type: 'offer', sdp: senderSsrcLine ? SENDER_SDP : SENDER_SDP.replace('a=ssrc:33', 'a=ssrc:44') }]);
    const stop = s.callStart('0-1', T0 + 9_500, 'sender.replaceTrack', [null], { mid: '1', index: 1 });
    s.settle('0-1', T0 + 9_501, stop, 'sender.replaceTrack', {});
    const back = s.callStart('0-1', T0 + 19_500, 'sender.replaceTrack', [{ kind: 'video', id: 't', label: 'cam' }], { mid: '1', index: 1 });
    s.settle('0-1', T0 + 19_501, back, 'sender.replaceTrack', {});
    return s;
  };
  const receiver = (events: EventStream) => issuesOf(columnsOf(rows()), events, { pcId: '0-2', pc: makePc('0-2', T0 - 1000) });

  it('keeps the frozen video as information that names the pause, not as a warning about the network', () => {
    // The control: without the trace it is a warning.
    const plain = receiver(new EventStream()).filter((i) => i.rule === 'video-frozen');
    expect(plain.map((i) => i.severity)).toContain('warning');
    const explained = receiver(trace()).filter((i) => i.rule === 'video-frozen');
    expect(explained.length).toBeGreaterThan(0);
    for (const issue of explained) {
      expect(issue.severity).toBe('info');
      expect(issue.evidence.pausedBy).toBe('0-1');
      expect(issue.evidence.note).toBe('Paused by this page: its connection 0-1 left the sender of this stream without a track (replaceTrack(null)) at +10.501 s and gave it one again at +20.501 s.');
    }
    // Another SSRC in the sender's description: nothing links the two.
    expect(receiver(trace(false)).filter((i) => i.rule === 'video-frozen').map((i) => i.severity)).toContain('warning');
  });

  it('a sender track removed (removeTrack) or its whole PC closed: information naming it, and the peer\'s failed state too', () => {
    // Rows as Chromium shows them: SSRC 33 stops at +10 s for good.
    const stopped = () => {
      let packets = 0;
      return Array.from({ length: 30 }, (_, i) => {
        packets += i < 10 ? 100 : 0;
        return { IV: obj({ type: 'inbound-rtp', kind: 'video', ssrc: 33, mid: '1', timestamp: T0 + i * 1000, packetsReceived: packets, packetsLost: 0, bytesReceived: packets * 1000, framesDecoded: packets / 4 }) };
      });
    };
    const ended = (how: 'removeTrack' | 'close') => {
      const s = new EventStream().created('0-1', T0 - 2000).created('0-2', T0 - 1000);
      s.callOk('0-1', T0 - 1500, 'setLocalDescription', [{ type: 'offer', sdp: SENDER_SDP }]);
      if (how === 'removeTrack') s.callOk('0-1', T0 + 9_500, 'removeTrack', [{ track: { id: 't', kind: 'video', label: 'cam' } }], null);
      else s.callOk('0-1', T0 + 9_500, 'close', [], null);
      s.event('0-2', T0 + 20_000, 'connectionstatechange', 'disconnected');
      s.event('0-2', T0 + 28_000, 'connectionstatechange', 'failed');
      return s;
    };
    // removeTrack's record names its transceiver (the hook reads it before the call).
    const withTarget = ended('removeTrack');
    const call = withTarget.events.find((e) => e.record.type === 'pc-call' && e.record.method === 'removeTrack')!.record as { target?: unknown };
    call.target = { mid: '1', index: 1 };
    const issuesAt = (events: EventStream) => issuesOf(columnsOf(stopped()), events, { pcId: '0-2', pc: makePc('0-2', T0 - 1000), now: T0 + 29_000 });
    const plain = issuesAt(new EventStream().event('0-2', T0 + 20_000, 'connectionstatechange', 'disconnected').event('0-2', T0 + 28_000, 'connectionstatechange', 'failed'));
    expect(plain.filter((i) => i.rule === 'no-packets-received').map((i) => i.severity)).toEqual(['warning']);
    expect(plain.find((i) => i.rule === 'connection-failed')!.severity).toBe('critical');

    const removed = issuesAt(withTarget);
    const noPackets = removed.find((i) => i.rule === 'no-packets-received')!;
    expect(noPackets.severity).toBe('info');
    expect(noPackets.evidence.note).toBe('Stopped by this page: its connection 0-1 removed the track of this stream\'s sender (removeTrack) at +10.501 s.');
    // A removed track is not a closed peer: the failed state stays what it is.
    expect(removed.find((i) => i.rule === 'connection-failed')!.severity).toBe('critical');

    const closed = issuesAt(ended('close'));
    expect(closed.find((i) => i.rule === 'no-packets-received')!.evidence.note).toBe('Ended by this page: its connection 0-1, which sent this stream, was closed at +10.500 s.');
    for (const rule of ['connection-failed', 'connection-disconnected'] as const) {
      const issue = closed.find((i) => i.rule === rule)!;
      expect(issue.severity, rule).toBe('info');
      expect(issue.evidence).toMatchObject({ pausedBy: '0-1', note: 'Its peer, connection 0-1 of this page, was closed at +10.500 s: nothing answers its connectivity checks any more.' });
    }
  });

  it('a PC whose same-page peer closed, linked by ICE ufrag (it only sends, or only has a data channel): its failed state is information', () => {
    const UFRAG_SDP = (ufrag: string) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:${ufrag}\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=mid:0\r\n`;
    // 0-1 offers to 0-2 (one page); 0-2 closes 10 s in; 0-1 fails.
    const trace = (peerUfrag: string, closer: string | null) => {
      const s = new EventStream().created('0-1', T0 - 2000).created('0-2', T0 - 1000);
      s.callOk('0-1', T0 - 1500, 'setLocalDescription', [{ type: 'offer', sdp: UFRAG_SDP('aaaa') }]);
      s.callOk('0-2', T0 - 1400, 'setRemoteDescription', [{ type: 'offer', sdp: UFRAG_SDP('aaaa') }]);
      s.callOk('0-2', T0 - 1300, 'setLocalDescription', [{ type: 'answer', sdp: UFRAG_SDP('bbbb') }]);
      s.callOk('0-1', T0 - 1200, 'setRemoteDescription', [{ type: 'answer', sdp: UFRAG_SDP(peerUfrag) }]);
      if (closer !== null) s.callOk(closer, T0 + 9_500, 'close', [], null);
      s.event('0-1', T0 + 20_000, 'connectionstatechange', 'disconnected');
      s.event('0-1', T0 + 28_000, 'connectionstatechange', 'failed');
      return s;
    };
    const issuesAt = (events: EventStream) => issuesOf(undefined, events, { pcId: '0-1', pc: makePc('0-1', T0 - 2000), now: T0 + 29_000 });
    const linked = issuesAt(trace('bbbb', '0-2'));
    for (const rule of ['connection-failed', 'connection-disconnected'] as const) {
      const issue = linked.find((i) => i.rule === rule)!;
      expect(issue.severity, rule).toBe('info');
      expect(issue.evidence).toMatchObject({ pausedBy: '0-2', note: 'Its peer, connection 0-2 of this page, was closed at +11.500 s: nothing answers its connectivity checks any more.' });
    }
    // The controls: no close; a close of a PC that is not its peer (another ufrag); its own close.
    expect(issuesAt(trace('bbbb', null)).find((i) => i.rule === 'connection-failed')!.severity).toBe('critical');
    expect(issuesAt(trace('cccc', '0-2')).find((i) => i.rule === 'connection-failed')!.severity).toBe('critical');
    expect(issuesAt(trace('aaaa', '0-1')).find((i) => i.rule === 'connection-failed')!.severity).toBe('critical');

    // What it sends from the close on goes to no one: those rows are not rated, and it has no "now" score.
    const sent = Array.from({ length: 30 }, (_, i) => ({
      OV: obj({ type: 'outbound-rtp', kind: 'video', ssrc: 11, mid: '1', timestamp: T0 + i * 1000, packetsSent: 100 * i, bytesSent: 100_000 * i, framesEncoded: 30 * i, framesSent: 30 * i, frameWidth: 1280, frameHeight: 720 }),
    }));
    const health = (events: EventStream) => assessPc({ pcId: '0-1', pc: makePc('0-1', T0 - 2000), columns: columnsOf(sent), events: events.events });
    const afterClose = health(trace('bbbb', '0-2'));
    const series = afterClose.streams.find((s) => s.statsId === 'OV')!.series;
    expect(series.slice(10).every((v) => v === null)).toBe(true);
    expect(series[5]).not.toBeNull();
    expect(afterClose.currentScore).toBeNull();
    expect(health(trace('cccc', '0-2')).currentScore).not.toBeNull();
  });

  it('the paused rows of the receiver are not rated', () => {
    const health = assessPc({ pcId: '0-2', pc: makePc('0-2', T0 - 1000), columns: columnsOf(rows()), events: trace().events });
    const series = health.streams.find((s) => s.statsId === 'IV')!.series;
    expect(series.slice(11, 20).every((v) => v === null)).toBe(true);
    expect(series[5]).not.toBeNull();
    expect(series[25]).not.toBeNull();
    expect(health.currentScore).not.toBeNull();
    // Still paused 5 s on: no score is the call's "now" (the one from before the pause would read as if it flowed).
    const during = assessPc({ pcId: '0-2', pc: makePc('0-2', T0 - 1000), columns: columnsOf(rows().slice(0, 16)), events: trace().events });
    expect(during.currentScore).toBeNull();
    expect(during.averageScore).not.toBeNull();
  });
});

describe('a receiver whose sender is another PC of the same page: frame rate against the sender\'s capture rate', () => {
  // PC 0-1 sends the camera's track 'cam15' (getUserMedia frameRate 15) on mid 1 with SSRC 33; PC 0-2 receives it at
  // 15 fps: what was sent, not "15 fps of 30".
  const sdp = (track: string) =>
    `v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=msid:stream ${track}\r\na=ssrc:33 cname:x\r\n`;
  const rows = (fps: number) => {
    let frames = 0;
    return Array.from({ length: 20 }, (_, i) => {
      frames += fps;
      return { IV: obj({ type: 'inbound-rtp', kind: 'video', ssrc: 33, mid: '1', timestamp: T0 + i * 1000, packetsReceived: 100 * i, packetsLost: 0, bytesReceived: 100_000 * i, framesDecoded: frames, frameWidth: 1280, frameHeight: 720 }) };
    });
  };
  /** `firefox`: the description's msid names a random track id, and addTrack's record is the link. */
  const trace = (opts: { frameRate?: number; replaceAt?: number; firefox?: boolean } = {}) => {
    const s = new EventStream();
    const settings: Record<string, number> = opts.frameRate === undefined ? { width: 1280, height: 720 } : { width: 1280, height: 720, frameRate: opts.frameRate };
    s.media(T0 - 3000, 'getUserMedia', [{ video: true }], { value: { id: 'stream', tracks: [{ id: 'cam15', kind: 'video', label: 'camera', settings }] } });
    s.media(T0 - 2900, 'getUserMedia', [{ video: true }], { value: { id: 'stream2', tracks: [{ id: 'cam5', kind: 'video', label: 'camera 2', settings: { frameRate: 5 } }] } });
    s.created('0-1', T0 - 2000).created('0-2', T0 - 1000);
    if (opts.firefox) s.callOk('0-1', T0 - 1800, 'addTrack', [{ id: 'cam15', kind: 'video', label: 'camera' }], { track: { id: 'cam15', kind: 'video', label: 'camera' }, target: { mid: null, index: 0 } });
    s.callOk('0-1', T0 - 1500, 'setLocalDescription', [{ type: 'offer', sdp: sdp(opts.firefox ? '{9ae88645-2a82}' : 'cam15') }]);
    if (opts.replaceAt !== undefined) {
      const call = s.callStart('0-1', opts.replaceAt, 'sender.replaceTrack', [{ kind: 'video', id: 'cam5', label: 'camera 2' }], { mid: '1', index: 0 });
      s.settle('0-1', opts.replaceAt + 1, call, 'sender.replaceTrack', {});
      // A renegotiation afterwards: Chromium's description still names the first track.
      s.callOk('0-1', opts.replaceAt + 500, 'setLocalDescription', [{ type: 'offer', sdp: sdp(opts.firefox ? '{9ae88645-2a82}' : 'cam15') }]);
    }
    return s;
  };
  const fpsFactor = (events: EventStream, fps: number) => {
    const health = assessPc({ pcId: '0-2', pc: makePc('0-2', T0 - 1000), columns: columnsOf(rows(fps)), events: events.events });
    return health.streams.find((s) => s.statsId === 'IV')!.series.slice(2);
  };

  it('rates 15 fps from a 15 fps camera as the full rate; without the link, as 15 of 30', () => {
    const linked = fpsFactor(trace({ frameRate: 15 }), 15);
    const unlinked = fpsFactor(new EventStream(), 15);
    const unknownRate = fpsFactor(trace(), 15);
    // Firefox: the description names another id; the addTrack record links the track to the transceiver.
    expect(fpsFactor(trace({ frameRate: 15, firefox: true }), 15)).toEqual(linked);
    // The fps penalty at 15 of 30 is 20 points; linked, none.
    for (let i = 0; i < linked.length; i++) {
      expect(linked[i]! - unlinked[i]!).toBeCloseTo(20, 6);
      expect(unknownRate[i]).toBe(unlinked[i]);
    }
  });

  it('follows a replaceTrack to another camera, also through a later description that still names the first track', () => {
    const series = fpsFactor(trace({ frameRate: 15, replaceAt: T0 + 9_500 }), 5);
    const steady = fpsFactor(trace({ frameRate: 15 }), 5);
    expect(fpsFactor(trace({ frameRate: 15, replaceAt: T0 + 9_500, firefox: true }), 5)).toEqual(series);
    // Before the replaceTrack 5 fps is a third of the 15 fps source; after it, the whole of the 5 fps camera's.
    expect(series[3]).toBe(steady[3]);
    expect(series[15]! - steady[15]!).toBeCloseTo(40 * (1 - 5 / 15), 6);
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
  it('a failed applyConstraints is no camera request that failed: the track keeps what it had (the log shows the failure)', () => {
    const cam = { id: 'c', kind: 'video', label: 'cam' };
    const ev = new EventStream().media(T0, 'applyConstraints', [{ width: { exact: 99999 } }], { error: { name: 'OverconstrainedError', message: '' } }, 5, cam);
    expect(sessionIssues(ev.events)).toEqual([]);
  });
  it('normalizeHealthThresholds keeps valid values and drops the rest', () => {
    const th = normalizeHealthThresholds({ lossPercent: 2, rttMs: -5, jitter: 1, audioJitterMs: '40', __proto__: { x: 1 } });
    expect(th).toEqual({ ...DEFAULT_HEALTH_THRESHOLDS, lossPercent: 2 });
    expect(normalizeHealthThresholds(null)).toEqual(DEFAULT_HEALTH_THRESHOLDS);
  });
});

describe('received video frozen: mean freeze duration (webrtc-issue-detector: > 30 % of the interval or > 1 s on average)', () => {
  /** Inbound video polled every `stepMs`: per interval, how many freezes ended and how long they lasted in all (s). */
  const frozenRows = (intervals: { count: number; seconds: number }[], stepMs: number) => {
    let freezes = 0;
    let frozen = 0;
    return [{ count: 0, seconds: 0 }, ...intervals].map((iv, i) => {
      freezes += iv.count;
      frozen += iv.seconds;
      return {
        IV: obj({
          type: 'inbound-rtp', kind: 'video', ssrc: 33, timestamp: T0 + i * stepMs, packetsReceived: i * 500, packetsLost: 0, bytesReceived: i * 500_000,
          framesDecoded: i * 100, freezeCount: freezes, totalFreezesDuration: frozen,
        }),
      };
    });
  };
  const frozenIssues = (intervals: { count: number; seconds: number }[], stepMs = 5000) =>
    issuesOf(columnsOf(frozenRows(intervals, stepMs), T0, stepMs)).filter((i) => i.rule === 'video-frozen');

  it('one freeze of 1.2 s in each 5 s interval (24 % of it): frozen, by its mean length', () => {
    const issues = frozenIssues([{ count: 1, seconds: 1.2 }, { count: 1, seconds: 1.2 }, { count: 1, seconds: 1.5 }, { count: 1, seconds: 1.2 }]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'warning', subjectId: 'IV', from: T0 + 5000, to: null });
    expect(issues[0].evidence).toEqual({ metric: 'mean freeze duration', value: 1.5, unit: 's', threshold: 1 });
  });
  it('short freezes adding up to less than 30 % are not frozen video; 1 s on average exactly is not either', () => {
    expect(frozenIssues(new Array(5).fill({ count: 4, seconds: 1.2 }))).toEqual([]);
    expect(frozenIssues(new Array(5).fill({ count: 1, seconds: 1 }))).toEqual([]);
  });
  it('the mean length is a setting; the share of the interval still counts, with its own evidence', () => {
    const long = new Array(5).fill({ count: 1, seconds: 1.2 });
    const cols = columnsOf(frozenRows(long, 5000), T0, 5000);
    expect(rules(issuesOf(cols, undefined, { thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, meanFreezeSeconds: 2 } }))).not.toContain('video-frozen');
    const share = frozenIssues(new Array(5).fill({ count: 10, seconds: 2 }));
    expect(share[0].evidence).toEqual({ metric: 'frozen share of time', value: 40, unit: '%', threshold: 30 });
  });
});

describe('ICE setup longer than 5 s (domain.md §3.4)', () => {
  /** A first setup: gathering and the offer at `t0`, the answer set at `answerAt`, checking, connected at `connectedAt`. */
  const setup = (ev: EventStream, t0: number, answerAt: number, checkingAt: number, connectedAt: number) =>
    ev.event('0-1', t0, 'signalingstatechange', 'have-local-offer')
      .event('0-1', t0, 'icegatheringstatechange', 'gathering')
      .event('0-1', answerAt, 'signalingstatechange', 'stable')
      .event('0-1', checkingAt, 'iceconnectionstatechange', 'checking')
      .event('0-1', checkingAt, 'connectionstatechange', 'connecting')
      .event('0-1', connectedAt - 500, 'iceconnectionstatechange', 'connected')
      .event('0-1', connectedAt, 'connectionstatechange', 'connected');

  it('connected 7 s after gathering started (the answer at once, checking short): a warning, from the answer to connected', () => {
    const ev = setup(new EventStream(), T0, T0 + 200, T0 + 4000, T0 + 7000);
    const issues = issuesOf(undefined, ev, { now: T0 + 20_000 });
    expect(issues).toEqual([expect.objectContaining({
      rule: 'ice-setup-slow', severity: 'warning', subject: 'connection', from: T0 + 200, to: T0 + 7000,
      evidence: { metric: 'setup until connected', value: 'connected after 6.8 s', unit: 's', threshold: 5 },
    })]);
    // Ended when found: it does not lower the current verdict.
    expect(assessPc({ pcId: '0-1', columns: undefined, events: ev.events, now: T0 + 20_000 }).verdict).toBeNull();
  });
  it('within 5 s, or a setting of 10 s: no issue', () => {
    expect(issuesOf(undefined, setup(new EventStream(), T0, T0 + 200, T0 + 1000, T0 + 4000), { now: T0 + 20_000 })).toEqual([]);
    const slow = setup(new EventStream(), T0, T0 + 200, T0 + 4000, T0 + 7000);
    expect(issuesOf(undefined, slow, { now: T0 + 20_000, thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, iceSetupSeconds: 10 } })).toEqual([]);
  });
  it('a caller waiting 20 s for the answer (the callee ringing) is not a slow setup: its clock starts at the answer', () => {
    expect(issuesOf(undefined, setup(new EventStream(), T0, T0 + 20_000, T0 + 20_100, T0 + 21_000), { now: T0 + 30_000 })).toEqual([]);
    expect(rules(issuesOf(undefined, setup(new EventStream(), T0, T0 + 20_000, T0 + 24_000, T0 + 27_000), { now: T0 + 30_000 }))).toEqual(['ice-setup-slow']);
  });
  it('an ICE restart is a setup of its own: reconnecting in 3 s is none, even long after the first setup; in 8 s it is one', () => {
    const restart = (took: number) => {
      const ev = setup(new EventStream(), T0, T0 + 200, T0 + 500, T0 + 1500)
        .event('0-1', T0 + 60_000, 'connectionstatechange', 'disconnected')
        .event('0-1', T0 + 61_000, 'signalingstatechange', 'have-local-offer')
        .event('0-1', T0 + 61_000, 'icegatheringstatechange', 'gathering')
        .event('0-1', T0 + 61_100, 'signalingstatechange', 'stable')
        // Checking takes at most 3 s (the remote candidates arrive late): never stuck.
        .event('0-1', T0 + Math.max(61_200, 58_000 + took), 'iceconnectionstatechange', 'checking')
        .event('0-1', T0 + Math.max(61_200, 58_000 + took), 'connectionstatechange', 'connecting')
        .event('0-1', T0 + 60_500 + took, 'iceconnectionstatechange', 'connected')
        .event('0-1', T0 + 61_000 + took, 'connectionstatechange', 'connected');
      return issuesOf(undefined, ev, { now: T0 + 90_000 }).filter((i) => i.rule === 'ice-setup-slow');
    };
    expect(restart(3000)).toEqual([]);
    expect(restart(8000)).toMatchObject([{ from: T0 + 61_100, to: T0 + 69_000 }]);
  });
  it('a restart on a connection that stays connected is no setup', () => {
    const ev = setup(new EventStream(), T0, T0 + 200, T0 + 500, T0 + 1500)
      .event('0-1', T0 + 30_000, 'signalingstatechange', 'have-local-offer')
      .event('0-1', T0 + 30_000, 'icegatheringstatechange', 'gathering')
      .event('0-1', T0 + 30_100, 'signalingstatechange', 'stable');
    expect(issuesOf(undefined, ev, { now: T0 + 90_000 })).toEqual([]);
  });
  it('a setup that never connects is the failed and stuck rules\' matter; stuck checking is not reported twice', () => {
    const failed = new EventStream()
      .event('0-1', T0, 'icegatheringstatechange', 'gathering')
      .event('0-1', T0 + 1000, 'iceconnectionstatechange', 'checking')
      .event('0-1', T0 + 1000, 'connectionstatechange', 'connecting')
      .event('0-1', T0 + 20_000, 'connectionstatechange', 'failed');
    expect(rules(issuesOf(undefined, failed, { now: T0 + 30_000 }))).toEqual(['connection-failed', 'ice-checking-stuck']);
    const pending = new EventStream().event('0-1', T0, 'icegatheringstatechange', 'gathering');
    expect(issuesOf(undefined, pending, { now: T0 + 30_000 })).toEqual([]);
    expect(rules(issuesOf(undefined, setup(new EventStream(), T0, T0 + 200, T0 + 1000, T0 + 9000), { now: T0 + 30_000 }))).toEqual(['ice-checking-stuck']);
  });
  it('without connectionstatechange (older Firefox) the ICE state says when it connected', () => {
    const ev = new EventStream()
      .event('0-1', T0, 'icegatheringstatechange', 'gathering')
      .event('0-1', T0 + 3000, 'iceconnectionstatechange', 'checking')
      .event('0-1', T0 + 6000, 'iceconnectionstatechange', 'completed');
    expect(issuesOf(undefined, ev, { now: T0 + 10_000 })).toMatchObject([{ rule: 'ice-setup-slow', from: T0, to: T0 + 6000 }]);
  });
});

describe('no packets received: a stream paused while the others still receive', () => {
  /** Inbound audio and video, each receiving (true) or not per interval. */
  const twoStreams = (intervals: { audio: boolean; video: boolean }[]) => {
    let audio = 1000;
    let video = 1000;
    return [{ audio: true, video: true }, ...intervals].map((iv, i) => {
      if (iv.audio) audio += 50;
      if (iv.video) video += 300;
      return {
        IA: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 11, timestamp: T0 + i * 1000, packetsReceived: audio, packetsLost: 0, bytesReceived: audio * 100, jitter: 0.002 }),
        IV: obj({ type: 'inbound-rtp', kind: 'video', ssrc: 22, timestamp: T0 + i * 1000, packetsReceived: video, packetsLost: 0, bytesReceived: video * 1000, jitter: 0.002 }),
      };
    });
  };
  const both = { audio: true, video: true };
  const videoOff = { audio: true, video: false };
  const none = { audio: false, video: false };
  const noPackets = (issues: HealthIssue[]) => issues.filter((i) => i.rule === 'no-packets-received');

  it('video stopped while audio keeps coming (an SFU pausing an off-screen participant): info, and the verdict stays good', () => {
    const columns = columnsOf(twoStreams([both, both, ...new Array(8).fill(videoOff)]));
    expect(noPackets(issuesOf(columns))).toEqual([expect.objectContaining({
      severity: 'info', subjectId: 'IV', from: T0 + 2000, to: null,
      evidence: { metric: 'time without packets while other streams receive (likely paused by the sender or SFU)', value: 8, unit: 's', threshold: 5 },
    })]);
    expect(assessPc({ pcId: '0-1', columns, events: [] }).verdict).toBe('good');
  });
  it('every inbound stream stopped: a warning for each, and the verdict is low', () => {
    const columns = columnsOf(twoStreams([both, both, ...new Array(8).fill(none)]));
    expect(noPackets(issuesOf(columns)).map((i) => [i.subjectId, i.severity, i.evidence.metric])).toEqual([
      ['IA', 'warning', 'time without packets'],
      ['IV', 'warning', 'time without packets'],
    ]);
    expect(assessPc({ pcId: '0-1', columns, events: [] }).verdict).toBe('low');
  });
  it('a paused stream whose companions stop too becomes a warning; an ended pause is judged at its end', () => {
    const later = columnsOf(twoStreams([both, ...new Array(6).fill(videoOff), ...new Array(3).fill(none)]));
    expect(noPackets(issuesOf(later)).find((i) => i.subjectId === 'IV')).toMatchObject({ severity: 'warning', to: null });
    const resumed = columnsOf(twoStreams([both, ...new Array(6).fill(videoOff), both, both]));
    expect(noPackets(issuesOf(resumed))).toMatchObject([{ subjectId: 'IV', severity: 'info', from: T0 + 1000, to: T0 + 8000 }]);
  });
  it('at 100 ms polls a silent speaker (Opus DTX: a packet every 400 ms) still counts as receiving', () => {
    let audio = 1000;
    let video = 1000;
    const rows = Array.from({ length: 100 }, (_, i) => {
      if (i % 4 === 0) audio += 1;
      if (i < 20) video += 30;
      return {
        IA: obj({ type: 'inbound-rtp', kind: 'audio', ssrc: 11, timestamp: T0 + i * 100, packetsReceived: audio, packetsLost: 0, bytesReceived: audio * 100, jitter: 0.002 }),
        IV: obj({ type: 'inbound-rtp', kind: 'video', ssrc: 22, timestamp: T0 + i * 100, packetsReceived: video, packetsLost: 0, bytesReceived: video * 1000, jitter: 0.002 }),
      };
    });
    // Whichever poll the stretch is judged at, with or without a packet in its last interval.
    for (const length of [97, 98, 99, 100]) {
      const issues = noPackets(issuesOf(columnsOf(rows.slice(0, length), T0, 100)));
      expect(issues.map((i) => [i.subjectId, i.severity]), `${length} polls`).toEqual([['IV', 'info']]);
    }
  });
  it('a companion stream gone from the stats does not count as receiving', () => {
    const rows = twoStreams([both, ...new Array(8).fill(videoOff)]);
    for (let i = 3; i < rows.length; i++) delete (rows[i] as Partial<typeof rows[number]>).IA;
    expect(noPackets(issuesOf(columnsOf(rows)))).toMatchObject([{ subjectId: 'IV', severity: 'warning' }]);
  });
});

describe('audio concealment (ObserveRTC: on at 3 %, off at 1 %, over 15 s)', () => {
  /** Inbound audio at 48 kHz: per 1 s interval the share of samples concealed audibly and silently, and packets or not. */
  const concealedRows = (intervals: { audible: number; silent?: number; packets?: boolean }[], withSilent = true) => {
    let total = 0;
    let concealed = 0;
    let silent = 0;
    let packets = 1000;
    return [{ audible: 0 }, ...intervals].map((iv, i) => {
      total += 48_000;
      concealed += Math.round(48_000 * (iv.audible + (iv.silent ?? 0)));
      silent += Math.round(48_000 * (iv.silent ?? 0));
      if (iv.packets !== false) packets += 50;
      return {
        IA: obj({
          type: 'inbound-rtp', kind: 'audio', ssrc: 11, timestamp: T0 + i * 1000, packetsReceived: packets, packetsLost: 0, bytesReceived: packets * 100,
          jitter: 0.002, totalSamplesReceived: total, concealedSamples: concealed, ...(withSilent ? { silentConcealedSamples: silent } : {}),
        }),
      };
    });
  };
  const concealment = (columns: StatsColumns) => issuesOf(columns).filter((i) => i.rule === 'audio-concealment');

  it('5 % concealed for 20 s: a warning once 15 s are measured, with the share over the window', () => {
    const issues = concealment(columnsOf(concealedRows(new Array(20).fill({ audible: 0.05 }))));
    expect(issues).toHaveLength(1);
    // The window is full at the 15th interval (row 15); 3 of 4 over opens it there.
    expect(issues[0]).toMatchObject({ severity: 'warning', subject: 'inbound audio (ssrc 11)', from: T0 + 15_000, to: null });
    expect(issues[0].evidence).toMatchObject({ metric: 'audio concealed over 15 s', unit: '%', threshold: 3 });
    expect(issues[0].evidence.value).toBeCloseTo(5, 5);
  });
  it('2 % is no issue, nor are short bursts, silence concealed, or streams without silentConcealedSamples', () => {
    expect(concealment(columnsOf(concealedRows(new Array(30).fill({ audible: 0.02 }))))).toEqual([]);
    const burst = [...new Array(20).fill({ audible: 0 }), ...new Array(3).fill({ audible: 0.1 }), ...new Array(20).fill({ audible: 0 })];
    expect(concealment(columnsOf(concealedRows(burst)))).toEqual([]);
    expect(concealment(columnsOf(concealedRows(new Array(30).fill({ audible: 0, silent: 0.5 }))))).toEqual([]);
    expect(concealment(columnsOf(concealedRows(new Array(30).fill({ audible: 0.05 }), false)))).toEqual([]);
  });
  it('off only below 1 %: 2 % keeps it on, 0 % ends it', () => {
    const on = new Array(20).fill({ audible: 0.06 });
    expect(concealment(columnsOf(concealedRows([...on, ...new Array(40).fill({ audible: 0.02 })])))).toMatchObject([{ to: null }]);
    expect(concealment(columnsOf(concealedRows([...on, ...new Array(40).fill({ audible: 0 })])))).toMatchObject([{ to: expect.any(Number) }]);
  });
  it('a stream without packets (paused) is not judged, and its window starts again after', () => {
    const paused = [...new Array(10).fill({ audible: 0.05 }), ...new Array(10).fill({ audible: 1, packets: false }), ...new Array(10).fill({ audible: 0.05 })];
    expect(concealment(columnsOf(concealedRows(paused)))).toEqual([]);
  });
});

describe('keyframe storm (ObserveRTC: PLI > 0.5/s over 30 s)', () => {
  /** Video polled every second with the PLIs of each interval: inbound (we ask) or outbound (the peer asks). */
  const pliRows = (plis: number[], type: 'inbound-rtp' | 'outbound-rtp' = 'inbound-rtp') => {
    let count = 0;
    return [0, ...plis].map((n, i) => {
      count += n;
      const counters = type === 'inbound-rtp'
        ? { packetsReceived: 1000 + i * 300, packetsLost: 0, bytesReceived: i * 300_000, framesDecoded: i * 30, jitter: 0.002 }
        : { packetsSent: i * 300, bytesSent: i * 300_000, framesEncoded: i * 30, frameWidth: 640, frameHeight: 360 };
      return { V: obj({ type, kind: 'video', ssrc: 44, timestamp: T0 + i * 1000, pliCount: count, ...counters }) };
    });
  };
  const storms = (columns: StatsColumns) => issuesOf(columns).filter((i) => i.rule === 'keyframe-storm');

  it('one PLI a second for 40 s: a storm once 30 s are counted', () => {
    const issues = storms(columnsOf(pliRows(new Array(40).fill(1))));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'warning', subjectId: 'V', from: T0 + 30_000, to: null });
    expect(issues[0].evidence).toEqual({ metric: 'keyframe requests (PLI) sent over 30 s', value: 1, unit: '/s', threshold: 0.5 });
    expect(storms(columnsOf(pliRows(new Array(40).fill(1), 'outbound-rtp')))[0].evidence.metric).toBe('keyframe requests (PLI) received over 30 s');
  });
  it('a burst of 10 PLIs, a PLI every 3 s, or a storm shorter than 30 s are not storms', () => {
    expect(storms(columnsOf(pliRows([...new Array(10).fill(0), ...new Array(5).fill(2), ...new Array(40).fill(0)])))).toEqual([]);
    expect(storms(columnsOf(pliRows(Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 1 : 0)))))).toEqual([]);
    expect(storms(columnsOf(pliRows(new Array(25).fill(2))))).toEqual([]);
  });
});

describe('UX review: evidence that says what tripped', () => {
  it('a collapse reports the threshold that tripped (30 % of the recent median), not the floor', () => {
    // 1000 kbit/s for 20 s, then 200: above the 100 kbit/s floor, below 30 % of the 1000 kbit/s median.
    const rows = [...new Array(20).fill({ kbps: 1000, fps: 30 }), ...new Array(5).fill({ kbps: 200, fps: 30 })];
    const collapse = issuesOf(columnsOf(outboundVideo(rows))).find((i) => i.rule === 'low-bitrate')!;
    expect(collapse.evidence).toMatchObject({ value: 200, threshold: 300, thresholdText: 'below 30 % of the 1000 kbit/s median = 300 kbit/s' });
  });
  it('a small picture below its floor reports that floor, rounded, for its size', () => {
    // 480×270: the floor is 100 × 129600 / 230400 = 56.25 kbit/s.
    const layer = (kbps: number) => ({ kbps, fps: 15, w: 480, h: 270 });
    const starved = issuesOf(columnsOf(outboundVideo([layer(80), layer(20), layer(20), layer(20), layer(20)]))).find((i) => i.rule === 'low-bitrate')!;
    expect(starved.evidence).toMatchObject({ value: 20, threshold: 56.3, thresholdText: 'floor 56.3 kbit/s for 480×270' });
  });
  it('bandwidth-limited while the available outgoing bitrate is far above what is sent: the note blames the sender\'s cap', () => {
    const limited = { kbps: 80, fps: 30, bw: 1 };
    // Past the ramp-up at the stream's start (RAMP_UP_MS).
    const withPair = (availableBps: number) => outboundVideo([{ kbps: 80, fps: 30 }, ...new Array(40).fill(limited)]).map((r, i) => ({
      ...r,
      T: obj({ type: 'transport', timestamp: T0 + i * 1000, selectedCandidatePairId: 'P' }),
      P: obj({ type: 'candidate-pair', timestamp: T0 + i * 1000, state: 'succeeded', bytesSent: i * 12_500, bytesReceived: i * 1000, availableOutgoingBitrate: availableBps }),
    }));
    const capped = issuesOf(columnsOf(withPair(3_560_000))).find((i) => i.rule === 'quality-limited-bandwidth')!;
    expect(capped.evidence.note).toMatch(/^The available outgoing bitrate \(3\.56 Mbit\/s\) is 35\.6× what is sent \(100 kbit\/s\).*maxBitrate/);
    // The rule's advice ("congestion control allows less than the encoder wants") is what the note rules out (QA: both shown).
    expect(adviceApplies(capped.evidence)).toBe(false);
    // And information, not a warning: the network is not what limits it (it lowered the sender's verdict).
    expect(capped.severity).toBe('info');
    // Congestion control really holding it back: no such note, the advice.
    const congested = issuesOf(columnsOf(withPair(120_000))).find((i) => i.rule === 'quality-limited-bandwidth')!;
    expect(congested.evidence.note).toBeUndefined();
    expect(adviceApplies(congested.evidence)).toBe(true);
    expect(congested.severity).toBe('warning');
  });
});

describe('the ramp-up at a stream\'s start', () => {
  const ramp = (limitedRows: number, startAt = 0) =>
    outboundVideo([...new Array(startAt).fill({ kbps: 1500, fps: 30 }), ...new Array(limitedRows).fill({ kbps: 400, fps: 30, bw: 1 }), ...new Array(10).fill({ kbps: 1500, fps: 30 })]);
  const bandwidth = (rows: StatsReportJson[], now?: number) =>
    issuesOf(columnsOf(rows), new EventStream(), now === undefined ? {} : { now }).filter((i) => i.rule === 'quality-limited-bandwidth');

  it('a bandwidth limitation from the first packets that is over within 30 s is information naming the ramp-up', () => {
    const [issue] = bandwidth(ramp(24));
    expect(issue.severity).toBe('info');
    expect(issue.evidence.note).toMatch(/^The start of the stream: the encoder begins at a low bitrate/);
    // The congestion advice does not apply.
    expect(issue.evidence.byDesign).toBe(true);
    expect(adviceApplies(issue.evidence)).toBe(false);
  });

  it('one that lasts past 30 s, or begins later in the call, stays a warning', () => {
    expect(bandwidth(ramp(40)).map((i) => i.severity)).toEqual(['warning']);
    expect(bandwidth(ramp(15, 20)).map((i) => i.severity)).toEqual(['warning']);
  });

  it('live: information while it is young, a warning once it outlasts the ramp-up', () => {
    const rows = outboundVideo(new Array(20).fill({ kbps: 400, fps: 30, bw: 1 }));
    expect(bandwidth(rows).map((i) => [i.severity, i.to])).toEqual([['info', null]]);
    expect(bandwidth(rows, T0 + 40_000).map((i) => i.severity)).toEqual(['warning']);
  });
});

describe('an offer never answered', () => {
  const offered = (answerAt: number | null) => {
    const s = new EventStream().created('0-1', T0 - 1000);
    s.event('0-1', T0, 'signalingstatechange', 'have-local-offer');
    if (answerAt !== null) s.event('0-1', answerAt, 'signalingstatechange', 'stable');
    return s;
  };
  it('have-local-offer for more than 30 s: a warning, ongoing while it lasts; answered in time: none', () => {
    const [stuck] = issuesOf(undefined, offered(null), { now: T0 + 75_000 }).filter((i) => i.rule === 'negotiation-stuck');
    expect(stuck).toMatchObject({ severity: 'warning', from: T0, to: null, evidence: { metric: 'signaling state', value: 'have-local-offer for 75 s', threshold: 30 } });
    expect(issuesOf(undefined, offered(T0 + 2_000), { now: T0 + 75_000 }).filter((i) => i.rule === 'negotiation-stuck')).toEqual([]);
    expect(issuesOf(undefined, offered(null), { now: T0 + 20_000 }).filter((i) => i.rule === 'negotiation-stuck')).toEqual([]);
    // Answered late: the span it waited.
    const [late] = issuesOf(undefined, offered(T0 + 45_000), { now: T0 + 75_000 }).filter((i) => i.rule === 'negotiation-stuck');
    expect([late.from, late.to]).toEqual([T0, T0 + 45_000]);
  });
});

describe('STUN/TURN servers that do not work (icecandidateerror)', () => {
  const candidate = (type: string) => ({ candidate: `candidate:1 1 udp 1 10.0.0.1 5000 typ ${type}`, sdpMid: '0', sdpMLineIndex: 0 });
  const trace = (relay: boolean) => {
    const s = new EventStream().created('0-1', T0 - 1000);
    s.event('0-1', T0 + 100, 'icecandidate', candidate('host'));
    s.event('0-1', T0 + 125, 'icecandidateerror', { url: 'turn:turn.example:3478?transport=tcp', errorCode: 701, errorText: 'TURN host lookup received error.', address: '10.0.0.1', port: 5000 });
    s.event('0-1', T0 + 39_900, 'icecandidateerror', { url: 'turn:turn.example:3478?transport=udp', errorCode: 701, errorText: 'TURN allocate request timed out.', address: '10.0.0.1', port: 5000 });
    s.event('0-1', T0 + 39_900, 'icecandidateerror', { url: 'stun:stun.example:3478', errorCode: 701, errorText: 'STUN binding request timed out.', address: '10.0.0.1', port: 5000 });
    s.event('0-1', T0 + 40_000, 'icecandidateerror', { url: 'turn:turn.example:3478?transport=udp', errorCode: 701, errorText: 'TURN allocate request timed out.', address: '10.0.0.2', port: 5001 });
    if (relay) s.event('0-1', T0 + 200, 'icecandidate', candidate('relay raddr 1.2.3.4 rport 1'));
    return s;
  };
  const serverIssues = (relay: boolean) => issuesOf(undefined, trace(relay), { now: T0 + 41_000 }).filter((i) => i.rule === 'ice-server-error');

  it('one issue per server, its errors counted; a TURN server with no relay candidate gathered is a warning', () => {
    const issues = serverIssues(false);
    expect(issues.map((i) => [i.subject, i.severity])).toEqual([
      ['turn:turn.example:3478?transport=tcp', 'warning'],
      ['turn:turn.example:3478?transport=udp', 'warning'],
      ['stun:stun.example:3478', 'info'],
    ]);
    const udp = issues[1];
    expect([udp.from, udp.to]).toEqual([T0 + 39_900, T0 + 40_000]);
    expect(udp.evidence.value).toBe('2 × 701 TURN allocate request timed out.');
    expect(udp.evidence.note).toMatch(/^No relay candidate was gathered/);
    expect(adviceApplies(udp.evidence)).toBe(true);
  });

  it('a relay candidate gathered all the same: information; no error, no issue', () => {
    expect(serverIssues(true).map((i) => i.severity)).toEqual(['info', 'info', 'info']);
    expect(serverIssues(true)[0].evidence.note).toMatch(/^A relay candidate was gathered all the same/);
    const clean = new EventStream().created('0-1', T0 - 1000);
    clean.event('0-1', T0 + 100, 'icecandidate', candidate('host'));
    expect(issuesOf(undefined, clean).filter((i) => i.rule === 'ice-server-error')).toEqual([]);
  });
});

describe('UX review: a closed PC has no ongoing issue', () => {
  it('a span still open at the close ends at the close; ended by the session\'s end when the PC never closed', () => {
    const rows = [{ received: 50, lost: 0 }, ...new Array(8).fill({ received: 40, lost: 10 })];
    const columns = columnsOf(inboundAudio(rows));
    const last = columns.t[columns.t.length - 1];
    const open = issuesOf(columns).find((i) => i.rule === 'high-packet-loss')!;
    expect(open.to).toBeNull();
    const closed = issuesOf(columns, new EventStream(), { pc: makePc('0-1', T0 - 1000, { closedAt: last + 500 }), now: last + 500 });
    expect(closed.find((i) => i.rule === 'high-packet-loss')!.to).toBe(last + 500);
    expect(closed.filter((i) => i.to === null)).toEqual([]);
    const sessionEnded = issuesOf(columns, new EventStream(), { endedAt: last + 2000, now: last + 2000 });
    expect(sessionEnded.filter((i) => i.to === null)).toEqual([]);
  });
});

describe('received video frozen: sustained, the share of the last 30 s frozen (domain.md §3.4: freeze ratio > 10 %)', () => {
  /**
   * Inbound video decoding 30 frames/s for `seconds`, polled every `stepMs`, frozen in each of `freezes` ([start, end)
   * in s): no frame decoded in it, packets still arriving (100/s), and (with `stats`) the browser's freezeCount and
   * totalFreezesDuration grown at the freeze's end, as the spec counts a freeze once the next frame renders.
   */
  const videoRows = (seconds: number, stepMs: number, freezes: [number, number][], stats = true) => {
    const frozenAt = (s: number) => freezes.some(([a, b]) => s >= a && s < b);
    let decoded = 0;
    let frame = 0;
    return Array.from({ length: Math.round((seconds * 1000) / stepMs) + 1 }, (_, i) => {
      const now = (i * stepMs) / 1000;
      for (; frame / 30 <= now; frame++) if (!frozenAt(frame / 30)) decoded++;
      const ended = freezes.filter(([, b]) => b <= now);
      return {
        IV: obj({
          type: 'inbound-rtp', kind: 'video', ssrc: 44, timestamp: T0 + i * stepMs, packetsReceived: 100 * now, packetsLost: 0, bytesReceived: 100_000 * now,
          framesDecoded: decoded, frameWidth: 640, frameHeight: 360,
          ...(stats ? { freezeCount: ended.length, totalFreezesDuration: ended.reduce((sum, [a, b]) => sum + (b - a), 0) } : {}),
        }),
      };
    });
  };
  /** A freeze of `length` s every `every` s, from `from` s until `until` s. */
  const every = (every: number, length: number, from = 2, until = 60): [number, number][] => {
    const out: [number, number][] = [];
    for (let at = from; at + length <= until; at += every) out.push([at, at + length]);
    return out;
  };
  const frozenOf = (seconds: number, stepMs: number, freezes: [number, number][], stats = true, thresholds = DEFAULT_HEALTH_THRESHOLDS) =>
    issuesOf(columnsOf(videoRows(seconds, stepMs, freezes, stats), T0, stepMs), undefined, { thresholds }).filter((i) => i.rule === 'video-frozen');

  it.each([1000, 100])('0.8 s freezes every 3 s, polls %i ms apart: frozen, and the evidence says what tripped it', (stepMs) => {
    const issues = frozenOf(60, stepMs, every(3, 0.8));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'warning', subjectId: 'IV', to: null });
    // 10 freezes of 0.8 s in any 30 s: 27 %.
    const { value, ...rest } = issues[0].evidence;
    expect(rest).toEqual({ metric: 'time frozen over the last 30 s (10 freezes, 0.8 s on average)', unit: '%', threshold: 10 });
    expect(value).toBeCloseTo((100 * 8) / 30, 6);
  });
  it('at 1 s polls each such freeze is under the per-freeze limit and in one interval of three: only the window catches it', () => {
    const issues = frozenOf(60, 1000, every(3, 0.8), true, { ...DEFAULT_HEALTH_THRESHOLDS, sustainedFreezeRatio: 1 });
    expect(issues).toEqual([]);
  });
  it('the window is judged once full: the issue starts 30 s into the stream at the earliest', () => {
    const [issue] = frozenOf(60, 1000, every(3, 0.8));
    expect(issue.from).toBeGreaterThanOrEqual(T0 + 30_000);
    expect(issue.from).toBeLessThan(T0 + 35_000);
  });
  it.each([1000, 100])('a single short freeze (0.9 s) does not fire, polls %i ms apart', (stepMs) => {
    expect(frozenOf(60, stepMs, [[40, 40.9]])).toEqual([]);
  });
  it('freezes adding up to less than 10 % of 30 s do not fire; the limit is a setting', () => {
    // 0.8 s every 10 s: 8 %.
    expect(frozenOf(60, 1000, every(10, 0.8))).toEqual([]);
    const stricter = frozenOf(60, 1000, every(10, 0.8), true, { ...DEFAULT_HEALTH_THRESHOLDS, sustainedFreezeRatio: 0.05 });
    expect(stricter).toHaveLength(1);
    expect(stricter[0].evidence).toMatchObject({ threshold: 5 });
  });
  it('ends as the window clears once the freezing stopped (under 8 % for 4 samples), as the other windowed rules do', () => {
    const [issue] = frozenOf(100, 1000, every(3, 0.8, 2, 50));
    expect(issue.to).not.toBeNull();
    // The last freeze ended by 50 s; 10 % of 30 s · 0.8 = 2.4 s left in the window takes the rest of it to leave.
    expect(issue.to!).toBeGreaterThan(T0 + 60_000);
    expect(issue.to!).toBeLessThan(T0 + 80_000);
  });
  it('without freeze stats, 100 ms polls: the stalled intervals are the frozen time; a single stall still does not fire', () => {
    const issues = frozenOf(60, 100, every(3, 0.8), false);
    expect(issues).toHaveLength(1);
    expect(issues[0].evidence.metric).toBe('time frozen over the last 30 s (no frame decoded while packets arrived)');
    expect(frozenOf(60, 100, [[40, 40.9]], false)).toEqual([]);
  });
  it('a long freeze still fires from its stalled intervals, before it ends (a freeze going on is not in the stats yet)', () => {
    for (const stepMs of [1000, 100]) {
      const issues = frozenOf(60, stepMs, [[20, 60.5]]);
      expect(issues, `${stepMs} ms`).toHaveLength(1);
      expect(issues[0].to).toBeNull();
      expect(issues[0].from).toBeLessThan(T0 + 25_000);
    }
  });
});
