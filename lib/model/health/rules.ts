/**
 * Issue rules over one peer connection's metrics, stats and trace events (domain.md §3.4). Every issue names its
 * rule, a severity, the evidence (metric, worst value, threshold, time span) and a sentence saying what it means
 * and what to check ({@link ISSUE_TEXT}). Series rules use hysteresis (hysteresis.ts) so a value wavering around a
 * threshold gives one issue, not a flicker; state rules use durations from the trace events.
 *
 * Missing fields (Firefox has no qualityLimitation*, no mediaSourceId on outbound-rtp, no freeze stats before
 * 1xx; Safari lacks more) give no evidence, hence no issue: a rule never fires on absence.
 *
 * Pure: no UI or browser API.
 */
import type { Json } from '../../protocol/json';
import { candidateAt, selectedPairIdsAt } from '../candidate-pairs';
import type { PcSummary, StatsColumns, TraceEvent } from '../session';
import { above, below, hysteresisSpans, type RowSpan } from './hysteresis';
import type { ConnectionMetrics, MetricSeries, StreamMetrics } from './metrics';
import { HYSTERESIS_OFF_RATIO, type HealthThresholds } from './thresholds';

export type IssueSeverity = 'critical' | 'warning' | 'info';

export const ISSUE_IDS = [
  'connection-failed', 'ice-checking-stuck', 'connection-disconnected', 'no-packets-received', 'high-packet-loss',
  'high-rtt', 'high-jitter', 'video-frozen', 'low-fps', 'low-bitrate', 'quality-limited-cpu',
  'quality-limited-bandwidth', 'getusermedia-failed', 'relay-in-use', 'candidate-pair-switched', 'data-channel-unused',
] as const;
export type IssueId = (typeof ISSUE_IDS)[number];

/** Title and the one sentence of advice shown with every issue of a rule. */
export const ISSUE_TEXT: Record<IssueId, { title: string; advice: string }> = {
  'connection-failed': {
    title: 'Connection failed',
    advice: 'No candidate pair works any more (or ever did): check that TURN servers are configured and reachable and that a firewall does not block UDP.',
  },
  'ice-checking-stuck': {
    title: 'ICE stuck in checking',
    advice: 'Connectivity checks run but none succeeds: check that candidates reach the other side (signaling) and that a TURN relay is offered for restrictive networks.',
  },
  'connection-disconnected': {
    title: 'Connection disconnected',
    advice: 'Consent checks stopped getting answers: the network dropped or changed; check for an ICE restart and the other side\'s network.',
  },
  'no-packets-received': {
    title: 'No packets received',
    advice: 'An inbound stream that was receiving stopped: the sender muted, removed or replaced its track, or the path dropped media; check the remote sender.',
  },
  'high-packet-loss': {
    title: 'High packet loss',
    advice: 'Packets are lost on the path: expect choppy audio and blocky or frozen video; check the network (Wi-Fi, congestion) and whether the sender exceeds the available bandwidth.',
  },
  'high-rtt': {
    title: 'High round-trip time',
    advice: 'Media takes long to arrive, so conversation lags: check the route (a distant TURN server or SFU region, VPN) and congestion.',
  },
  'high-jitter': {
    title: 'High jitter',
    advice: 'Packet arrival times vary a lot, so the jitter buffer grows and adds delay: check for Wi-Fi or mobile links, congestion, and CPU load on either side.',
  },
  'video-frozen': {
    title: 'Video frozen',
    advice: 'Received video stops for long stretches: usually loss or a starved decoder; check packet loss, keyframe requests (PLI/FIR) and the decoder\'s CPU.',
  },
  'low-fps': {
    title: 'Frame rate far below the source',
    advice: 'The encoder sends far fewer frames than the camera captures: check quality limitation (CPU or bandwidth) and the sender\'s encoding parameters.',
  },
  'low-bitrate': {
    title: 'Low or collapsing bitrate',
    advice: 'Sent video has too few bits for its picture or dropped sharply: check the available outgoing bitrate (congestion control), loss and maxBitrate settings.',
  },
  'quality-limited-cpu': {
    title: 'Quality limited by CPU',
    advice: 'The encoder lowers resolution or frame rate because the sending machine is busy: check CPU load, the codec (hardware encoding) and simulcast layers.',
  },
  'quality-limited-bandwidth': {
    title: 'Quality limited by bandwidth',
    advice: 'Congestion control allows less than the encoder wants: check the available outgoing bitrate, loss and other traffic on the uplink.',
  },
  'getusermedia-failed': {
    title: 'Camera or microphone request failed',
    advice: 'getUserMedia or getDisplayMedia was refused or failed: check the error name (NotAllowedError = permission, NotFoundError = no device, OverconstrainedError = constraints).',
  },
  'relay-in-use': {
    title: 'Relayed through TURN',
    advice: 'Media goes through a TURN server, which adds delay and server cost; normal behind strict NATs, worth checking when a direct path was expected.',
  },
  'candidate-pair-switched': {
    title: 'Candidate pair switched',
    advice: 'The connection moved to another network path (network change, ICE restart or a better pair found); brief loss or delay around the switch is expected.',
  },
  'data-channel-unused': {
    title: 'Data channel never used',
    advice: 'A data channel opened but carried no message either way: an unused channel still costs an SCTP association; check whether the app needs it.',
  },
};

export const ISSUE_SEVERITY: Record<IssueId, IssueSeverity> = {
  'connection-failed': 'critical',
  'ice-checking-stuck': 'critical',
  'connection-disconnected': 'warning',
  'no-packets-received': 'warning',
  'high-packet-loss': 'warning',
  'high-rtt': 'warning',
  'high-jitter': 'warning',
  'video-frozen': 'warning',
  'low-fps': 'warning',
  'low-bitrate': 'warning',
  'quality-limited-cpu': 'warning',
  'quality-limited-bandwidth': 'warning',
  'getusermedia-failed': 'warning',
  'relay-in-use': 'info',
  'candidate-pair-switched': 'info',
  'data-channel-unused': 'info',
};

export interface IssueEvidence {
  /** What was measured, in words: "packet loss", "jitter", "ICE connection state". */
  metric: string;
  /** The worst value in the span (numbers) or the state/description (strings). */
  value: number | string;
  unit: string;
  /** The threshold the value crossed, in `unit`. */
  threshold: number | null;
}

export interface HealthIssue {
  rule: IssueId;
  severity: IssueSeverity;
  /** PC the issue belongs to; null for session-wide ones (getUserMedia). */
  pcId: string | null;
  /** The stats object (stream, pair, channel) it concerns, if any, and how to name it. */
  subjectId: string | null;
  subject: string;
  /** Epoch ms. `to` null = still going on at the end of the data. */
  from: number;
  to: number | null;
  evidence: IssueEvidence;
}

/** What the rules read of one PC. */
export interface PcRuleInput {
  pcId: string;
  pc?: PcSummary;
  columns: StatsColumns | undefined;
  metrics: ConnectionMetrics | null;
  /** The session's trace (only this PC's records are read). */
  events: readonly TraceEvent[];
  thresholds: HealthThresholds;
  /** End of observation, epoch ms: now for a live PC, else its close / the session's end. */
  now: number;
}

const off = (on: number) => on * HYSTERESIS_OFF_RATIO;
const hasOwn = Object.prototype.hasOwnProperty;

/** "inbound audio (ssrc 1234)" */
export function streamLabel(s: Pick<StreamMetrics, 'direction' | 'kind' | 'ssrc' | 'rid'>): string {
  const parts = [s.direction, s.kind ?? 'media'];
  const ids = [s.ssrc !== null ? `ssrc ${s.ssrc}` : null, s.rid ? `rid ${s.rid}` : null].filter(Boolean);
  return `${parts.join(' ')}${ids.length ? ` (${ids.join(', ')})` : ''}`;
}

function spanIssues(
  spans: RowSpan[], t: readonly number[], rule: IssueId, pcId: string, subjectId: string | null, subject: string,
  evidence: (span: RowSpan) => IssueEvidence, severity: (span: RowSpan) => IssueSeverity = () => ISSUE_SEVERITY[rule],
): HealthIssue[] {
  return spans.map((span) => ({
    rule, severity: severity(span), pcId, subjectId, subject,
    from: t[span.fromRow], to: span.toRow === null ? null : t[span.toRow], evidence: evidence(span),
  }));
}

const scaled = (series: MetricSeries | undefined, k: number): MetricSeries =>
  (series ?? []).map((v) => (v === null ? null : v * k));

/** Median of the last `count` known values before `row` (needs at least half of them), else null. */
function trailingMedians(values: MetricSeries, count: number): MetricSeries {
  const out: MetricSeries = new Array(values.length).fill(null);
  const recent: number[] = [];
  for (let row = 0; row < values.length; row++) {
    if (recent.length >= count / 2) {
      const sorted = [...recent].sort((a, b) => a - b);
      out[row] = sorted[Math.floor(sorted.length / 2)];
    }
    const v = values[row];
    if (v !== null) {
      recent.push(v);
      if (recent.length > count) recent.shift();
    }
  }
  return out;
}

function streamIssues(input: PcRuleInput, s: StreamMetrics): HealthIssue[] {
  const th = input.thresholds;
  const t = input.metrics!.t;
  const out: HealthIssue[] = [];
  const label = streamLabel(s);
  const add = (issues: HealthIssue[]) => out.push(...issues);
  const video = s.kind === 'video';

  // Packet loss, percent, from counter deltas (outbound: from the peer's receiver reports).
  const loss = scaled(s.series.lossFraction, 100);
  add(spanIssues(hysteresisSpans(loss, above(th.lossPercent, off(th.lossPercent))), t, 'high-packet-loss', input.pcId, s.statsId, label,
    (sp) => ({ metric: 'packet loss', value: sp.peak, unit: '%', threshold: th.lossPercent }),
    (sp) => (sp.peak > 4 * th.lossPercent ? 'critical' : 'warning')));

  // Jitter: ours for inbound streams, the peer's for our outbound ones.
  const jitter = s.direction === 'inbound' ? s.series.jitterMs : s.series.remoteJitterMs;
  const jitterLimit = video ? th.videoJitterMs : th.audioJitterMs;
  add(spanIssues(hysteresisSpans(jitter ?? [], above(jitterLimit, off(jitterLimit))), t, 'high-jitter', input.pcId, s.statsId, label,
    (sp) => ({ metric: s.direction === 'inbound' ? 'jitter' : 'jitter at the receiver', value: sp.peak, unit: 'ms', threshold: jitterLimit })));

  if (s.direction === 'inbound') {
    const packetRate = s.series.packetRate ?? [];
    if (video) {
      // Frozen: the freeze share of the interval, or no decoded frame while packets keep coming (no freeze stats).
      const fps = s.series.fps ?? [];
      const ratio = s.series.freezeRatio ?? [];
      const frozen: MetricSeries = t.map((_, row) => {
        const r = ratio[row] ?? null;
        const stalled = fps[row] === 0 && (packetRate[row] ?? 0) > 0 ? 1 : fps[row] != null && (packetRate[row] ?? 0) > 0 ? 0 : null;
        return r === null ? stalled : stalled === null ? r : Math.max(r, stalled);
      });
      add(spanIssues(hysteresisSpans(frozen, above(th.freezeRatio, off(th.freezeRatio))), t, 'video-frozen', input.pcId, s.statsId, label,
        (sp) => ({ metric: 'frozen share of time', value: 100 * sp.peak, unit: '%', threshold: 100 * th.freezeRatio })));
    }
    add(noPacketIssues(input, s, label));
  } else if (video) {
    // Frame rate against the capture rate (Chromium only: Firefox has no mediaSourceId on outbound-rtp).
    const fps = s.series.fps ?? [];
    const source = s.series.sourceFps ?? [];
    const share: MetricSeries = t.map((_, row) => {
      const f = fps[row] ?? null;
      const src = source[row] ?? null;
      return f === null || src === null || src < 5 ? null : Math.min(1, f / src);
    });
    const shareOff = Math.min(1, th.fpsShareOfSource / HYSTERESIS_OFF_RATIO);
    add(spanIssues(hysteresisSpans(share, below(th.fpsShareOfSource, shareOff)), t, 'low-fps', input.pcId, s.statsId, label,
      (sp) => ({ metric: 'sent frames per captured frame', value: 100 * sp.peak, unit: '%', threshold: 100 * th.fpsShareOfSource })));

    // Bitrate: below the floor, or collapsed against its own recent median, while frames are being encoded.
    const kbps = scaled(s.series.bitrate, 1 / 1000);
    const medians = trailingMedians(kbps, 20);
    const floor = th.minVideoBitrateKbps;
    const collapse = th.bitrateCollapseRatio;
    const encoding = (row: number) => (fps[row] ?? 0) > 0;
    const low = hysteresisSpans(kbps.map((v, row) => (encoding(row) ? v : null)), {
      over: (v, row) => v < floor || (medians[row] !== null && v < collapse * medians[row]!),
      clear: (v, row) => v > floor / HYSTERESIS_OFF_RATIO && (medians[row] === null || v > (collapse / HYSTERESIS_OFF_RATIO) * medians[row]!),
      worse: (a, b) => a < b,
    });
    add(spanIssues(low, t, 'low-bitrate', input.pcId, s.statsId, label,
      (sp) => ({ metric: 'send bitrate', value: sp.peak, unit: 'kbit/s', threshold: floor })));

    // Quality limitation: seconds limited per interval ÷ interval length.
    for (const [rule, key] of [['quality-limited-cpu', 'qualityLimitedCpuS'], ['quality-limited-bandwidth', 'qualityLimitedBandwidthS']] as const) {
      const limited = s.series[key] ?? [];
      const share: MetricSeries = new Array(t.length).fill(null);
      let prev = -1;
      for (let row = 0; row < t.length; row++) {
        const v = limited[row] ?? null;
        if (v === null) continue;
        if (prev >= 0 && t[row] > t[prev]) share[row] = Math.min(1, (1000 * v) / (t[row] - t[prev]));
        prev = row;
      }
      add(spanIssues(hysteresisSpans(share, above(th.qualityLimitedShare, off(th.qualityLimitedShare))), t, rule, input.pcId, s.statsId, label,
        (sp) => ({ metric: 'time quality-limited', value: 100 * sp.peak, unit: '%', threshold: 100 * th.qualityLimitedShare })));
    }
  }
  return out;
}

/** An inbound stream that had received packets and then got none for `noPacketsSeconds` (while the PC is open). */
function noPacketIssues(input: PcRuleInput, s: StreamMetrics, label: string): HealthIssue[] {
  const t = input.metrics!.t;
  const rate = s.series.packetRate ?? [];
  const out: HealthIssue[] = [];
  const limitMs = input.thresholds.noPacketsSeconds * 1000;
  let hadPackets = false;
  let dryFrom = -1;
  let lastKnownRow = -1;
  const close = (endRow: number | null) => {
    if (dryFrom < 0) return;
    const endT = endRow === null ? input.now : t[endRow];
    // The dry stretch started at the end of the last interval that still carried packets.
    if (endT - t[dryFrom] >= limitMs) {
      out.push({
        rule: 'no-packets-received', severity: 'warning', pcId: input.pcId, subjectId: s.statsId, subject: label,
        from: t[dryFrom], to: endRow === null ? null : t[endRow],
        evidence: { metric: 'time without packets', value: Math.round((endT - t[dryFrom]) / 100) / 10, unit: 's', threshold: input.thresholds.noPacketsSeconds },
      });
    }
    dryFrom = -1;
  };
  for (let row = 0; row < t.length; row++) {
    const v = rate[row] ?? null;
    if (v === null) continue;
    lastKnownRow = row;
    if (v > 0) {
      close(row);
      hadPackets = true;
    } else if (hadPackets && dryFrom < 0) {
      dryFrom = Math.max(0, row - 1);
      for (let back = row - 1; back >= 0; back--) if ((rate[back] ?? null) !== null) { dryFrom = back; break; }
    }
  }
  if (dryFrom >= 0) {
    const closedAt = input.pc?.closedAt ?? null;
    if (closedAt !== null) close(lastKnownRow);
    else close(null);
  }
  return out;
}

// ─── states, pairs, channels ────────────────────────────────────────────────────────────────────────────────────

interface StateChange {
  t: number;
  state: string;
}

function stateChanges(events: readonly TraceEvent[], pcId: string, event: string): StateChange[] {
  const out: StateChange[] = [];
  for (const e of events) {
    if (e.pcId !== pcId || e.record.type !== 'pc-event' || e.record.event !== event) continue;
    if (typeof e.record.value === 'string') out.push({ t: e.record.t, state: e.record.value });
  }
  return out;
}

/** Stretches in which `state` held (to = the next change, or null if it still holds at the end). */
function stretches(changes: StateChange[], state: string): { from: number; to: number | null }[] {
  const out: { from: number; to: number | null }[] = [];
  for (let i = 0; i < changes.length; i++) {
    if (changes[i].state !== state || (i > 0 && changes[i - 1].state === state)) continue;
    let j = i + 1;
    while (j < changes.length && changes[j].state === state) j++;
    out.push({ from: changes[i].t, to: j < changes.length ? changes[j].t : null });
  }
  return out;
}

function stateIssues(input: PcRuleInput): HealthIssue[] {
  const { pcId, thresholds: th, events } = input;
  const closedAt = input.pc?.closedAt ?? null;
  const end = closedAt ?? input.now;
  const out: HealthIssue[] = [];
  const conn = stateChanges(events, pcId, 'connectionstatechange');
  const ice = stateChanges(events, pcId, 'iceconnectionstatechange');
  const issue = (rule: IssueId, from: number, to: number | null, metric: string, value: string, threshold: number | null = null): HealthIssue => ({
    rule, severity: ISSUE_SEVERITY[rule], pcId, subjectId: null, subject: 'connection', from, to: to ?? (closedAt !== null ? closedAt : null),
    evidence: { metric, value, unit: threshold === null ? '' : 's', threshold },
  });
  // Failed: connectionState where the browser has it, else ICE (older Firefox has no connectionState).
  const failedSource = conn.length > 0 ? conn : ice;
  for (const s of stretches(failedSource, 'failed')) out.push(issue('connection-failed', s.from, s.to, conn.length > 0 ? 'connection state' : 'ICE connection state', 'failed'));
  for (const s of stretches(ice, 'checking')) {
    const until = s.to ?? end;
    if (until - s.from > th.iceCheckingSeconds * 1000) {
      out.push(issue('ice-checking-stuck', s.from, s.to, 'ICE connection state', `checking for ${Math.round((until - s.from) / 1000)} s`, th.iceCheckingSeconds));
    }
  }
  for (const s of stretches(failedSource, 'disconnected')) {
    const until = s.to ?? end;
    if (until - s.from > th.disconnectedSeconds * 1000) {
      out.push(issue('connection-disconnected', s.from, s.to, conn.length > 0 ? 'connection state' : 'ICE connection state', `disconnected for ${Math.round((until - s.from) / 1000)} s`, th.disconnectedSeconds));
    }
  }
  return out;
}

function pairIssues(input: PcRuleInput): HealthIssue[] {
  const columns = input.columns;
  if (!columns || columns.t.length === 0) return [];
  const out: HealthIssue[] = [];
  let current: string | null = null;
  let relay: HealthIssue | null = null;
  for (let row = 0; row < columns.t.length; row++) {
    const selected = [...selectedPairIdsAt(columns, row)][0] ?? null;
    if (selected === null || selected === current) continue;
    const f = columns.objects[selected].fields;
    const at = (field: string): Json | null => (hasOwn.call(f, field) ? f[field][row] : null);
    const local = candidateAt(columns, typeof at('localCandidateId') === 'string' ? (at('localCandidateId') as string) : null, row);
    const remote = candidateAt(columns, typeof at('remoteCandidateId') === 'string' ? (at('remoteCandidateId') as string) : null, row);
    const path = `${local?.candidateType ?? '?'} ⇄ ${remote?.candidateType ?? '?'}`;
    if (current !== null) {
      out.push({
        rule: 'candidate-pair-switched', severity: 'info', pcId: input.pcId, subjectId: selected, subject: 'selected candidate pair',
        from: columns.t[row], to: columns.t[row], evidence: { metric: 'selected pair', value: path, unit: '', threshold: null },
      });
    }
    current = selected;
    const relayed = local?.candidateType === 'relay' || remote?.candidateType === 'relay';
    if (relayed && !relay) {
      const via = local?.candidateType === 'relay'
        ? `our TURN server${local.relayProtocol ? ` over ${local.relayProtocol}` : ''}${local.url ? ` (${local.url})` : ''}`
        : 'the peer\'s TURN server';
      relay = {
        rule: 'relay-in-use', severity: 'info', pcId: input.pcId, subjectId: selected, subject: 'selected candidate pair',
        from: columns.t[row], to: null, evidence: { metric: 'selected pair', value: `${path} via ${via}`, unit: '', threshold: null },
      };
      out.push(relay);
    } else if (!relayed && relay) {
      relay.to = columns.t[row];
      relay = null;
    }
  }
  if (relay && input.pc?.closedAt != null) relay.to = input.pc.closedAt;
  return out;
}

function dataChannelIssues(input: PcRuleInput): HealthIssue[] {
  const columns = input.columns;
  if (!columns) return [];
  const out: HealthIssue[] = [];
  const limitMs = input.thresholds.idleDataChannelSeconds * 1000;
  for (const id of Object.keys(columns.objects)) {
    const o = columns.objects[id];
    if (o.type !== 'data-channel') continue;
    const f = o.fields;
    const col = (field: string) => (hasOwn.call(f, field) ? f[field] : []);
    const state = col('state');
    const sent = col('messagesSent');
    const received = col('messagesReceived');
    let openFrom: number | null = null;
    let lastOpen: number | null = null;
    let used = false;
    for (let row = 0; row < columns.t.length; row++) {
      if (state[row] === 'open') {
        openFrom ??= columns.t[row];
        lastOpen = columns.t[row];
      }
      if ((typeof sent[row] === 'number' && (sent[row] as number) > 0) || (typeof received[row] === 'number' && (received[row] as number) > 0)) used = true;
    }
    if (used || openFrom === null || lastOpen === null) continue;
    const stillOpen = state[columns.t.length - 1] === 'open' && input.pc?.closedAt == null;
    const until = stillOpen ? Math.max(lastOpen, input.now) : lastOpen;
    if (until - openFrom < limitMs) continue;
    const name = col('label').filter((v): v is string => typeof v === 'string').pop();
    const label = name !== undefined ? `data channel "${name}"` : 'data channel';
    out.push({
      rule: 'data-channel-unused', severity: 'info', pcId: input.pcId, subjectId: id, subject: label,
      from: openFrom + limitMs, to: stillOpen ? null : lastOpen,
      evidence: { metric: 'messages sent + received', value: 0, unit: '', threshold: null },
    });
  }
  return out;
}

/** RTT of the PC per row: the worst of the media RTTs (remote-inbound-rtp) and the selected pair's RTT. */
function rttSeries(metrics: ConnectionMetrics): MetricSeries {
  return metrics.t.map((_, row) => {
    let worst: number | null = metrics.connection.rttMs[row];
    for (const s of metrics.streams) {
      const v = s.series.rttMs?.[row] ?? null;
      if (v !== null && (worst === null || v > worst)) worst = v;
    }
    return worst;
  });
}

const SEVERITY_ORDER: Record<IssueSeverity, number> = { critical: 0, warning: 1, info: 2 };

/** Most important first: ongoing before ended, then severity, then the order of {@link ISSUE_IDS}, then time. */
export function compareIssues(a: HealthIssue, b: HealthIssue): number {
  return (
    Number(a.to !== null) - Number(b.to !== null) ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    ISSUE_IDS.indexOf(a.rule) - ISSUE_IDS.indexOf(b.rule) ||
    a.from - b.from
  );
}

/** Every issue of one PC, most important first. */
export function pcIssues(input: PcRuleInput): HealthIssue[] {
  const out: HealthIssue[] = [...stateIssues(input), ...pairIssues(input), ...dataChannelIssues(input)];
  const m = input.metrics;
  if (m && m.t.length > 0) {
    for (const s of m.streams) out.push(...streamIssues(input, s));
    const th = input.thresholds;
    out.push(...spanIssues(hysteresisSpans(rttSeries(m), above(th.rttMs, off(th.rttMs))), m.t, 'high-rtt', input.pcId, null, 'connection',
      (sp) => ({ metric: 'round-trip time', value: sp.peak, unit: 'ms', threshold: th.rttMs })));
  }
  return out.sort(compareIssues);
}

/** Session-wide issues: failed getUserMedia / getDisplayMedia calls. */
export function sessionIssues(events: readonly TraceEvent[]): HealthIssue[] {
  const out: HealthIssue[] = [];
  for (const { record } of events) {
    if (record.type !== 'media-settled' || record.ok || record.method === 'enumerateDevices') continue;
    const error = record.error ? `${record.error.name}${record.error.message ? `: ${record.error.message}` : ''}` : 'failed';
    out.push({
      rule: 'getusermedia-failed', severity: 'warning', pcId: null, subjectId: null, subject: record.method,
      from: record.t, to: record.t, evidence: { metric: `${record.method} result`, value: error, unit: '', threshold: null },
    });
  }
  return out;
}
