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
import { errorText, type Json } from '../../protocol/json';
import { isMediaRequest } from '../../protocol/messages';
import { candidateAt, selectedPairIdsAt } from '../candidate-pairs';
import type { PcSummary, StatsColumns, TraceEvent } from '../session';
import { above, below, HysteresisTracker, type RowSpan } from './hysteresis';
import type { ConnectionMetrics, MetricSeries, MetricValue, StreamMetrics } from './metrics';
import { pcEventFacts, type CandidateError, type PcEventFacts, type StateChange } from './pc-events';
import { tracePauses, type SenderCap, type StreamPause, type StreamPauses, type TrackSwap } from './paused-senders';
import { CONCEALMENT_OFF_RATIO, CONCEALMENT_WINDOW_MS, FREEZE_WINDOW_MS, HYSTERESIS_OFF_RATIO, KEYFRAME_WINDOW_MS, type HealthThresholds } from './thresholds';
import { TrailingWindow } from './trailing-window';

export type IssueSeverity = 'critical' | 'warning' | 'info';

export const ISSUE_IDS = [
  'connection-failed', 'ice-checking-stuck', 'connection-disconnected', 'ice-setup-slow', 'no-packets-received',
  'high-packet-loss', 'high-rtt', 'high-jitter', 'audio-concealment', 'video-frozen', 'keyframe-storm', 'low-fps',
  'low-bitrate', 'quality-limited-cpu', 'quality-limited-bandwidth', 'getusermedia-failed', 'negotiation-stuck', 'ice-server-error',
  'relay-in-use', 'candidate-pair-switched', 'data-channel-unused',
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
  'ice-setup-slow': {
    title: 'Slow connection setup',
    advice: 'The connection took long to connect once both descriptions were set: check how fast the remote candidates arrive (signaling), whether candidates that cannot work (IPv6, VPN, an unreachable TURN server) hold up the checks, and the DTLS handshake.',
  },
  'no-packets-received': {
    title: 'No packets received',
    advice: 'An inbound stream that was receiving stopped. While the connection\'s other streams still receive it is most likely paused on purpose (camera or microphone off, an SFU pausing an off-screen participant); when all stopped, the sender removed its tracks or the path dropped media: check the remote sender and the network.',
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
  'audio-concealment': {
    title: 'Audio concealed',
    advice: 'The receiver fills in audio that did not arrive in time (heard as robotic or choppy sound): check packet loss, jitter and the jitter buffer, and the receiving machine\'s CPU.',
  },
  'video-frozen': {
    title: 'Video frozen',
    advice: 'Received video stops for long stretches: usually loss or a starved decoder; check packet loss, keyframe requests (PLI/FIR) and the decoder\'s CPU.',
  },
  'keyframe-storm': {
    title: 'Keyframe storm',
    advice: 'The receiver keeps asking for keyframes (PLI): each repair is lost or unusable too, and large keyframes on a lossy link make it worse; check packet loss and bandwidth on the path, and the decoder.',
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
  'negotiation-stuck': {
    title: 'Offer not answered',
    advice: 'The offer/answer exchange did not complete: check that the signaling channel delivers the offer to the other side and its answer back, and that the page passes the answer to setRemoteDescription (or, for a received offer, creates and sets its answer).',
  },
  'ice-server-error': {
    title: 'STUN or TURN server not working',
    advice: 'A STUN/TURN server of the configuration gave an error or no answer (701: unreachable or timed out; 401: wrong credentials; 3xx/4xx: refused): check its URL, port and transport, the credentials and any firewall between. Without a working TURN server, networks that block direct paths cannot connect.',
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
  'ice-setup-slow': 'warning',
  'no-packets-received': 'warning',
  'high-packet-loss': 'warning',
  'high-rtt': 'warning',
  'high-jitter': 'warning',
  'audio-concealment': 'warning',
  'video-frozen': 'warning',
  'keyframe-storm': 'warning',
  'low-fps': 'warning',
  'low-bitrate': 'warning',
  'quality-limited-cpu': 'warning',
  'quality-limited-bandwidth': 'warning',
  'getusermedia-failed': 'warning',
  'negotiation-stuck': 'warning',
  'ice-server-error': 'warning',
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
  /** How the threshold reads when "limit {threshold}" would not say it: "below 30 % of the 480 kbit/s median = 144 kbit/s". */
  thresholdText?: string;
  /** What the evidence suggests beyond the rule's advice, in one sentence. */
  note?: string;
  /**
   * The connection of this page that paused, stopped or ended the stream (replaceTrack(null), a direction, removeTrack,
   * its close): the note says so, and the rule's advice (check the network, the remote sender) does not apply.
   */
  pausedBy?: string;
  /**
   * The page set what the issue measures (a sender's maxBitrate cap, a track swap): the note says so, and the advice
   * does not apply.
   */
  setByPage?: boolean;
  /** A low-bitrate issue that is a drop against the stream's own median, not a bitrate below the floor. */
  collapse?: boolean;
  /** What the browser does by design (the encoder's ramp-up at a stream's start): the note says so, the advice does not apply. */
  byDesign?: boolean;
  /**
   * The measurements point elsewhere than the rule's advice (a bandwidth limitation with the available bitrate far
   * above what is sent: not congestion control): the note says what to check instead.
   */
  adviceContradicted?: boolean;
}

/** Whether the rule's advice applies to an issue: not when the page or the browser's design explains it (the note says which). */
export function adviceApplies(evidence: IssueEvidence): boolean {
  return !evidence.pausedBy && !evidence.setByPage && !evidence.byDesign && !evidence.adviceContradicted;
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
  /** When observation ended for good (the PC's close, else its session's end); default: the PC's close. */
  endedAt?: number | null;
}

/**
 * Every issue of one PC, most important first. `facts`: of `input.events`, when the caller has them; `pauses`: its
 * streams' senders left without a track (paused-senders.ts), by default those of `input.events`.
 */
export function pcIssues(input: PcRuleInput, facts: PcEventFacts = pcEventFacts(input.events, input.pcId), pauses?: StreamPauses): HealthIssue[] {
  const rules = new PcRules(input.pcId, input.columns, input.metrics, input.thresholds);
  rules.advance(input.columns, input.metrics);
  return rules.issues({ ...input, facts, pauses: pauses ?? tracePauses(input.pcId, input.events) });
}

/**
 * Rules about how well a sender encodes and sends: judged on a sender the page left without a track, they blame
 * the network or the encoder for a pause (Firefox keeps sending black frames at 1 fps, Chromium nothing).
 */
const SENDER_QUALITY_RULES: ReadonlySet<IssueId> = new Set<IssueId>(['low-bitrate', 'low-fps', 'quality-limited-cpu', 'quality-limited-bandwidth', 'keyframe-storm']);

/**
 * After a track comes back the encoder starts over (a keyframe, the bitrate ramping up from its floor): a sender
 * rule's span that starts this soon after the gap belongs to the pause.
 */
export const SENDER_RESUME_GRACE_MS = 5000;

/**
 * An issue that opens this shortly before a pause's replaceTrack(null) settled belongs to it: the stream stops with
 * the call, and a rule dates its span from the first interval without media, which began at the poll before.
 */
export const PAUSE_LEAD_MS = 2000;

/**
 * Rules about what a receiver gets: on a stream its sender paused (another PC of this page, seen in the trace),
 * they describe the pause, not the network.
 */
const RECEIVER_RULES: ReadonlySet<IssueId> = new Set<IssueId>(['no-packets-received', 'video-frozen', 'audio-concealment', 'keyframe-storm', 'high-jitter', 'high-packet-loss']);

/** Whether an issue began within a stretch the page set (a pause, a cap), from a moment before it to a moment after. */
const beganWithin = (issue: HealthIssue, span: { from: number; to: number | null }): boolean =>
  issue.from >= span.from - PAUSE_LEAD_MS && (span.to === null || issue.from <= span.to + SENDER_RESUME_GRACE_MS);

/** " at +12.345 s" since the PC's creation, as the issue list gives times; '' without one. */
const sinceOrigin = (pcOrigin: number | null) => (t: number) => (pcOrigin !== null ? ` at +${((t - pcOrigin) / 1000).toFixed(3)} s` : '');

/**
 * A stream's issues with what its sender's pauses explain: an outbound stream's sender-quality span that starts in
 * a pause (or within {@link SENDER_RESUME_GRACE_MS} after it) is left out, and one still open when a pause began
 * ends there. An inbound stream's issue that starts in a pause its sender made (another PC of the session) stays,
 * as information, with the pause named: the page paused it on purpose.
 */
function withPauses(issues: HealthIssue[], stream: StreamMetrics, pauses: readonly StreamPause[], pcOrigin: number | null): HealthIssue[] {
  if (pauses.length === 0) return issues;
  const outbound = stream.direction === 'outbound';
  const within = (issue: HealthIssue) => pauses.find((p) => beganWithin(issue, p));
  const out: HealthIssue[] = [];
  for (const issue of issues) {
    if (!(outbound ? SENDER_QUALITY_RULES : RECEIVER_RULES).has(issue.rule)) {
      out.push(issue);
      continue;
    }
    const pause = within(issue);
    if (outbound) {
      if (pause) continue;
      const cut = pauses.find((p) => p.from - PAUSE_LEAD_MS > issue.from && (issue.to === null || p.from < issue.to));
      out.push(cut ? { ...issue, to: cut.from } : issue);
    } else if (pause) {
      const since = sinceOrigin(pcOrigin);
      out.push(explained(issue, { pausedBy: pause.pcId ?? undefined, note: pauseNote(pause, since) }));
    } else {
      out.push(issue);
    }
  }
  return out;
}

/** What an inbound stream's issue says of the pause its sender (another PC of the same page) made. */
function pauseNote(pause: StreamPause, since: (t: number) => string): string {
  const back = (how: string) => (pause.to !== null ? ` and ${how}${since(pause.to)}` : '');
  switch (pause.how.kind) {
    case 'direction':
      return `Paused by this page: its connection ${pause.pcId} set the direction of this stream's sender to "${pause.how.direction}"${since(pause.from)}${back('to one that sends again')}.`;
    case 'removeTrack':
      return `Stopped by this page: its connection ${pause.pcId} removed the track of this stream's sender (removeTrack)${since(pause.from)}${back('sent on that transceiver again')}.`;
    case 'closed':
      return `Ended by this page: its connection ${pause.pcId}, which sent this stream, was closed${since(pause.from)}.`;
    case 'inactive':
      return `Paused by this page: its connection ${pause.pcId} set every encoding of this stream's sender inactive (setParameters, active: false)${since(pause.from)}${back('active again')}.`;
    case 'peer-closed':
      return `Ended by this page: its connection ${pause.pcId}, which received this stream, was closed${since(pause.from)}.`;
    default:
      return `Paused by this page: its connection ${pause.pcId} left the sender of this stream without a track (replaceTrack(null))${since(pause.from)}${back('gave it one again')}.`;
  }
}

/**
 * A sender's encoder starts low and raises its resolution as the bandwidth estimate grows (Chromium: about 25 s from
 * the first packet to 1280×720 on a loopback call, "bandwidth" all along): a bandwidth limitation that begins within
 * {@link RAMP_UP_START_MS} of the stream's first packet and is over within {@link RAMP_UP_MS} of it is that ramp-up.
 */
export const RAMP_UP_MS = 30_000;
export const RAMP_UP_START_MS = 10_000;

/**
 * A stream's bandwidth limitation at the start of the call, over within {@link RAMP_UP_MS} (or still going on, not
 * yet that long), becomes information saying so (QA: every HD call in Chromium opened with a "Quality limited by
 * bandwidth" warning, whose note, the available bitrate far above what was sent, suggested the page capped it).
 */
function withRampUp(issues: HealthIssue[], stream: StreamMetrics, t: readonly number[], now: number): HealthIssue[] {
  if (!issues.some((i) => i.rule === 'quality-limited-bandwidth')) return issues;
  const firstRow = stream.series.bitrate?.findIndex((v) => v !== null && v > 0) ?? -1;
  if (firstRow < 0) return issues;
  const first = t[firstRow];
  return issues.map((issue) => {
    if (issue.rule !== 'quality-limited-bandwidth' || issue.from - first > RAMP_UP_START_MS || (issue.to ?? now) - first > RAMP_UP_MS) return issue;
    return explained(issue, {
      byDesign: true,
      note: `The start of the stream: the encoder begins at a low bitrate and resolution and raises them as the bandwidth estimate grows (Chromium takes about 25 s to reach 1280×720). Only a limitation that lasts past ${RAMP_UP_MS / 1000} s from the first packet is a warning.`,
    });
  });
}

/** Connection-state rules that a peer's close explains: nothing answers the consent checks any more. */
const PEER_CLOSE_RULES: ReadonlySet<IssueId> = new Set<IssueId>(['connection-disconnected', 'connection-failed']);

/**
 * A PC's disconnected or failed state that begins after its peer on the same page was closed becomes information
 * naming that close (QA pass: hanging up one end of a loopback call read as a critical "Connection failed" at the
 * other). The peer is known by ICE ufrag (paused-senders.ts `peerCloses`) or by the SSRCs it sent this PC.
 */
function withPeerClosed(issues: HealthIssue[], closes: readonly StreamPause[], pcOrigin: number | null): HealthIssue[] {
  if (closes.length === 0) return issues;
  const since = sinceOrigin(pcOrigin);
  return issues.map((issue) => {
    if (!PEER_CLOSE_RULES.has(issue.rule)) return issue;
    const close = closes.find((c) => issue.from >= c.from - PAUSE_LEAD_MS);
    if (!close) return issue;
    return explained(issue, { pausedBy: close.pcId ?? undefined, note: `Its peer, connection ${close.pcId} of this page, was closed${since(close.from)}: nothing answers its connectivity checks any more.` });
  });
}

/** Rules a sender's bitrate cap explains: its bitrate is held low, and the encoder says bandwidth limits it. */
const CAPPED_RULES: ReadonlySet<IssueId> = new Set<IssueId>(['low-bitrate', 'quality-limited-bandwidth']);

/**
 * A sender's issues that begin while the page caps its bitrate (setParameters maxBitrate) become information naming
 * the cap: the page chose that bitrate (QA pass: a 150 kbit/s cap read as two warnings and "Low quality").
 */
function withCaps(issues: HealthIssue[], caps: readonly SenderCap[], pcOrigin: number | null): HealthIssue[] {
  if (caps.length === 0) return issues;
  const since = sinceOrigin(pcOrigin);
  return issues.map((issue) => {
    if (!CAPPED_RULES.has(issue.rule)) return issue;
    const cap = caps.find((c) => beganWithin(issue, c));
    if (!cap) return issue;
    const kbps = Math.round(cap.maxBitrate / 1000);
    return explained(issue, { setByPage: true, note: `Capped by this page: setParameters set maxBitrate ${kbps} kbit/s${since(cap.from)}${cap.to !== null ? `, changed or lifted${since(cap.to)}` : ''}.` });
  });
}

/**
 * `issue` as information, with what explains it (the page's doing, the browser's design) in its evidence: the note
 * says what, and the flag ({@link adviceApplies}) hides the rule's advice.
 */
function explained(issue: HealthIssue, why: Pick<IssueEvidence, 'note' | 'pausedBy' | 'setByPage' | 'byDesign'>): HealthIssue {
  return { ...issue, severity: 'info', evidence: { ...issue.evidence, ...why } };
}

/**
 * A sender's bitrate collapse that begins when the page replaced its track with another becomes information naming
 * the swap: the drop is measured against the median of the old source, and a smaller or stiller picture needs fewer
 * bits (QA pass: a replaceTrack to a smaller camera read "Low or collapsing bitrate"). A bitrate below the floor
 * for the new picture's size stays a warning.
 */
function withSwaps(issues: HealthIssue[], swaps: readonly TrackSwap[], pcOrigin: number | null): HealthIssue[] {
  if (swaps.length === 0) return issues;
  const since = sinceOrigin(pcOrigin);
  return issues.map((issue) => {
    if (issue.rule !== 'low-bitrate' || issue.evidence.collapse !== true) return issue;
    const swap = swaps.find((w) => beganWithin(issue, { from: w.at, to: w.at }));
    if (!swap) return issue;
    return explained(issue, {
      setByPage: true,
      note: `This page replaced the sender's track with another (replaceTrack)${since(swap.at)}: the new source needs another bitrate, and the drop is measured against the previous source's median until ${MEDIAN_SAMPLES} samples of the new one are in.`,
    });
  });
}

/** What the issues of the rows folded so far depend on beyond those rows. */
export interface PcRuleEnd {
  pc?: PcSummary;
  columns: StatsColumns | undefined;
  metrics: ConnectionMetrics | null;
  /** The PC's trace events. */
  facts: PcEventFacts;
  /** Its streams' senders left without a track on purpose (paused-senders.ts); none when absent. */
  pauses?: StreamPauses;
  /** End of observation, epoch ms. */
  now: number;
  /**
   * When observation ended for good (the PC's close, else its session's end): every issue still open then ends
   * there. Default: the PC's close.
   */
  endedAt?: number | null;
}

/**
 * The rules of one PC folded row by row, so a live PC's appended rows cost only themselves: each rule keeps what
 * its next row depends on (hysteresis, trailing medians, the last known row), and {@link issues} turns that into
 * what {@link pcIssues} finds over the whole series, for the end of observation given. Made for the streams of
 * `metrics` with their kinds and the data channels of `columns` as they are now; when those change, start anew.
 */
export class PcRules {
  private metricRows = 0;
  private columnRows = 0;
  private readonly streams: StreamRules[];
  private readonly rtt: HysteresisTracker;
  private readonly pairs: PairRules;
  private readonly channels: ChannelRules[];

  constructor(private readonly pcId: string, columns: StatsColumns | undefined, metrics: ConnectionMetrics | null, private readonly thresholds: HealthThresholds) {
    this.streams = (metrics?.streams ?? []).map((s) => new StreamRules(s, thresholds));
    this.rtt = new HysteresisTracker(above(thresholds.rttMs, off(thresholds.rttMs)));
    this.pairs = new PairRules(pcId);
    this.channels = dataChannelIds(columns).map((id) => new ChannelRules(id));
  }

  /** Whether `columns` (these rules' columns, grown) still have the data channels the rules were made for. */
  continues(columns: StatsColumns): boolean {
    const ids = dataChannelIds(columns);
    return ids.length === this.channels.length && ids.every((id, i) => id === this.channels[i].id);
  }

  /** Folds the rows of `columns` and `metrics` (the same PC's, grown) after those folded before. */
  advance(columns: StatsColumns | undefined, metrics: ConnectionMetrics | null): void {
    if (columns && this.columnRows < columns.t.length) {
      this.pairs.advance(columns, this.columnRows);
      for (const channel of this.channels) channel.advance(columns, this.columnRows);
      this.columnRows = columns.t.length;
    }
    if (metrics && this.metricRows < metrics.t.length) {
      for (let i = 0; i < this.streams.length; i++) this.streams[i].advance(metrics.streams[i], metrics.t, this.metricRows);
      for (let row = this.metricRows; row < metrics.t.length; row++) this.rtt.push(rttAt(metrics, row), row);
      this.metricRows = metrics.t.length;
    }
  }

  /** Every issue of the rows folded, most important first. */
  issues(end: PcRuleEnd): HealthIssue[] {
    const th = this.thresholds;
    const closedAt = end.endedAt ?? end.pc?.closedAt ?? null;
    const origin = end.pc?.createdAt ?? null;
    const m = end.metrics;
    // Closes of this PC's peers on the same page (by ICE ufrag, or the PCs sending it media, by SSRC): they explain
    // its disconnected and failed states.
    const bySsrc = m && m.t.length > 0 ? m.streams.flatMap((s) => (s.direction === 'inbound' ? (end.pauses?.of(s) ?? []).filter((p) => p.how.kind === 'closed') : [])) : [];
    const closes = [...(end.pauses?.peerCloses() ?? []), ...bySsrc].sort((a, b) => a.from - b.from);
    const out: HealthIssue[] = [
      ...withPeerClosed(stateIssues(this.pcId, end.facts, closedAt, end.now, th), closes, origin),
      ...iceServerIssues(this.pcId, end.facts),
      ...this.pairs.issues(closedAt),
    ];
    if (end.columns) for (const channel of this.channels) out.push(...channel.issues(this.pcId, end.columns, closedAt, end.now, th));
    if (m && m.t.length > 0) {
      const recentMs = th.noPacketsSeconds * 1000;
      for (let i = 0; i < this.streams.length; i++) {
        const othersReceiving = (after: number, row: number) => m.streams.some((o, j) => j !== i && o.direction === 'inbound' && receivingAt(o, m.t, after, row, recentMs));
        const pauses = end.pauses?.of(m.streams[i]) ?? [];
        const caps = end.pauses?.capsOf(m.streams[i]) ?? [];
        const swaps = end.pauses?.swapsOf(m.streams[i]) ?? [];
        const own = withRampUp(this.streams[i].issues(this.pcId, m, i, closedAt, end.now, othersReceiving), m.streams[i], m.t, end.now);
        out.push(...withSwaps(withCaps(withPauses(own, m.streams[i], pauses, origin), caps, origin), swaps, origin));
      }
      out.push(...spanIssues(this.rtt.spans(m.t.length), m.t, 'high-rtt', this.pcId, null, 'connection',
        (sp) => ({ metric: 'round-trip time', value: sp.peak, unit: 'ms', threshold: th.rttMs })));
    }
    // A closed PC has nothing ongoing: what was still going on when it closed ended then.
    if (closedAt !== null) for (const issue of out) if (issue.to === null) issue.to = Math.max(issue.from, closedAt);
    return out.sort(compareIssues);
  }
}

const dataChannelIds = (columns: StatsColumns | undefined): string[] =>
  columns ? Object.keys(columns.objects).filter((id) => columns.objects[id].type === 'data-channel') : [];

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

const seriesAt = (series: MetricSeries | undefined, row: number): MetricValue => series?.[row] ?? null;
const scaledAt = (series: MetricSeries | undefined, row: number, k: number): MetricValue => {
  const v = seriesAt(series, row);
  return v === null ? null : v * k;
};

/** One series rule of a stream: the value it watches per row, with hysteresis, and how its spans read. */
interface SpanRule {
  rule: IssueId;
  tracker: HysteresisTracker;
  /** The watched value at `row`; called for every row in order (a rule may keep state across rows). */
  valueAt: (s: StreamMetrics, t: readonly number[], row: number) => MetricValue;
  /**
   * What the span says; `s`: the stream's metrics, for a rule whose value stands for more than one measure; `m`:
   * the PC's, for a rule whose evidence reads the connection too.
   */
  evidence: (span: RowSpan, s: StreamMetrics, m: ConnectionMetrics) => IssueEvidence;
  severity?: (span: RowSpan) => IssueSeverity;
}

/**
 * Gaps between packets shorter than this are a live stream's, not a pause: Opus DTX sends a packet every 400 ms in
 * silence, so at fast polls most intervals of a silent speaker carry none.
 */
export const DTX_GAP_MS = 1000;

/** Samples a bitrate's trailing median is taken over (the previous known ones; at least half of them). */
const MEDIAN_SAMPLES = 20;

/** The series rules of one stream, for its direction and kind, and the no-packets rule of an inbound stream. */
class StreamRules {
  private readonly rules: SpanRule[] = [];
  private readonly noPackets: NoPacketRule | null;

  constructor(s: StreamMetrics, th: HealthThresholds) {
    const rules = this.rules;
    const video = s.kind === 'video';
    const inbound = s.direction === 'inbound';
    // Packet loss, percent, from counter deltas (outbound: from the peer's receiver reports).
    rules.push({
      rule: 'high-packet-loss', tracker: new HysteresisTracker(above(th.lossPercent, off(th.lossPercent))),
      valueAt: (m, _, row) => scaledAt(m.series.lossFraction, row, 100),
      evidence: (sp) => ({ metric: 'packet loss', value: sp.peak, unit: '%', threshold: th.lossPercent }),
      severity: (sp) => (sp.peak > 4 * th.lossPercent ? 'critical' : 'warning'),
    });
    // Jitter: ours for inbound streams, the peer's for our outbound ones (one sample per receiver report, as loss:
    // a report held over the polls until the next one would meet "3 of the last 4" alone).
    const jitterLimit = video ? th.videoJitterMs : th.audioJitterMs;
    rules.push({
      rule: 'high-jitter', tracker: new HysteresisTracker(above(jitterLimit, off(jitterLimit))),
      valueAt: (m, _, row) => seriesAt(inbound ? m.series.jitterMs : m.series.remoteJitterMs, row),
      evidence: (sp) => ({ metric: inbound ? 'jitter' : 'jitter at the receiver', value: sp.peak, unit: 'ms', threshold: jitterLimit }),
    });
    this.noPackets = inbound ? new NoPacketRule(th.noPacketsSeconds) : null;
    if (inbound && !video) rules.push(concealmentRule(th));
    if (video) rules.push(keyframeStormRule(th, inbound));
    if (inbound && video) {
      rules.push(frozenRule(th), sustainedFrozenRule(th));
    } else if (!inbound && video) {
      // Frame rate against the capture rate (Chromium only: Firefox has no mediaSourceId on outbound-rtp).
      const shareOff = Math.min(1, th.fpsShareOfSource / HYSTERESIS_OFF_RATIO);
      rules.push({
        rule: 'low-fps', tracker: new HysteresisTracker(below(th.fpsShareOfSource, shareOff)),
        valueAt: (m, _, row) => {
          const f = seriesAt(m.series.fps, row);
          const src = seriesAt(m.series.sourceFps, row);
          return f === null || src === null || src < 5 ? null : Math.min(1, f / src);
        },
        evidence: (sp) => ({ metric: 'sent frames per captured frame', value: 100 * sp.peak, unit: '%', threshold: 100 * th.fpsShareOfSource }),
      });
      rules.push(lowBitrateRule(th));
      // Quality limitation: seconds limited per interval ÷ interval length.
      for (const [rule, key] of [['quality-limited-cpu', 'qualityLimitedCpuS'], ['quality-limited-bandwidth', 'qualityLimitedBandwidthS']] as const) {
        let prev = -1;
        rules.push({
          rule, tracker: new HysteresisTracker(above(th.qualityLimitedShare, off(th.qualityLimitedShare))),
          valueAt: (m, t, row) => {
            const v = seriesAt(m.series[key], row);
            if (v === null) return null;
            const share = prev >= 0 && t[row] > t[prev] ? Math.min(1, (1000 * v) / (t[row] - t[prev])) : null;
            prev = row;
            return share;
          },
          evidence: (sp, _, m) => {
            const evidence: IssueEvidence = { metric: 'time quality-limited', value: 100 * sp.peak, unit: '%', threshold: 100 * th.qualityLimitedShare };
            if (rule !== 'quality-limited-bandwidth') return evidence;
            const headroom = outgoingHeadroom(m, sp);
            if (headroom !== null && headroom.available > AVAILABLE_HEADROOM * headroom.sent) {
              evidence.note = `The available outgoing bitrate (${formatKbps(headroom.available)}) is ${roundSensibly(headroom.available / headroom.sent)}× what is sent (${formatKbps(headroom.sent)}): congestion control is not what holds it back; the sender's encoding parameters (setParameters maxBitrate, scaleResolutionDownBy) or the page likely cap it.`;
              // The rule's advice (congestion control allows less than the encoder wants) is what this rules out.
              evidence.adviceContradicted = true;
            }
            return evidence;
          },
        });
      }
    }
  }

  advance(s: StreamMetrics, t: readonly number[], from: number): void {
    for (let row = from; row < t.length; row++) {
      for (const rule of this.rules) rule.tracker.push(rule.valueAt(s, t, row), row);
      this.noPackets?.push(s, t, row);
    }
  }

  /** `othersReceiving(after, row)`: whether another inbound stream of the PC had packets at `row` (see NoPacketRule). */
  issues(
    pcId: string, m: ConnectionMetrics, index: number, closedAt: number | null, now: number,
    othersReceiving: (after: number, row: number) => boolean,
  ): HealthIssue[] {
    const s = m.streams[index];
    const t = m.t;
    const label = streamLabel(s);
    const byRule = new Map<IssueId, HealthIssue[]>();
    for (const r of this.rules) {
      const issues = spanIssues(r.tracker.spans(t.length), t, r.rule, pcId, s.statsId, label, (sp) => r.evidence(sp, s, m), r.severity);
      byRule.set(r.rule, [...(byRule.get(r.rule) ?? []), ...issues]);
    }
    // A bandwidth limitation whose measurements rule congestion control out (the available bitrate far above what
    // is sent) is information with that note: the network is not what limits it, and it should not lower the verdict
    // (QA: the sender read "Low quality", lowered by it, while its receiver read "Good").
    const out: HealthIssue[] = [...byRule.values()].flatMap(mergeOverlapping).map((i) => (i.evidence.adviceContradicted && i.severity !== 'info' ? { ...i, severity: 'info' } : i));
    if (this.noPackets) out.push(...this.noPackets.issues(pcId, s.statsId, label, t, closedAt, now, othersReceiving));
    return out;
  }
}

/** No frame decoded in the interval at `row` while packets kept coming (1), frames decoded (0); null when unknown. */
function stalledAt(m: StreamMetrics, row: number): MetricValue {
  const fps = m.series.fps?.[row];
  if (fps === null || fps === undefined || !((m.series.packetRate?.[row] ?? 0) > 0)) return null;
  return fps === 0 ? 1 : 0;
}

/**
 * Whether the stretch of stalled intervals ({@link stalledAt}) ending at `row` covers `limitMs` of sample time. Walks
 * back at most that far.
 */
function stalledFor(m: StreamMetrics, t: readonly number[], row: number, limitMs: number): boolean {
  let ms = 0;
  for (let r = row; r > 0 && stalledAt(m, r) === 1; r--) {
    ms += t[r] - t[r - 1];
    if (ms >= limitMs) return true;
  }
  return false;
}

/**
 * The frozen share of the interval at `row` (Δ totalFreezesDuration / Δt), or 1 while no frame has been decoded for
 * `stallMs` of sample time though packets keep coming: a freeze still going on (its length enters the freeze stats
 * only when it ends), and the only freeze measure of browsers without them. A shorter stall counts as 0: at 100 ms
 * polls a single 0.8 s freeze is 8 stalled intervals, which as frozen ones would make "3 of the last 4" alone.
 */
function frozenShareAt(m: StreamMetrics, t: readonly number[], row: number, stallMs: number): MetricValue {
  const r = seriesAt(m.series.freezeRatio, row);
  const s = stalledAt(m, row);
  const stalled = s === null ? null : s === 1 && stalledFor(m, t, row, stallMs) ? 1 : 0;
  return r === null ? stalled : stalled === null ? r : Math.max(r, stalled);
}

/** Mean length (ms) of the freezes that ended in the interval at `row`; null when none did. */
function meanFreezeMsAt(m: StreamMetrics, row: number): MetricValue {
  const count = seriesAt(m.series.freezeCount, row);
  const frozenMs = seriesAt(m.series.freezeDurationMs, row);
  return count === null || frozenMs === null || count <= 0 ? null : frozenMs / count;
}

/**
 * Frozen time (ms) in the interval at `row`: Δ totalFreezesDuration (a freeze counts whole in the interval it ends
 * in), else, without freeze stats, the whole interval when no frame was decoded while packets kept coming; null when
 * unknown. An interval without packets counts as not frozen: a stopped stream is the no-packets rule's matter (the
 * spec counts more than 5 s without a frame as a pause, not a freeze).
 */
function frozenMsAt(m: StreamMetrics, t: readonly number[], row: number): MetricValue {
  const frozen = seriesAt(m.series.freezeDurationMs, row);
  if (frozen !== null) return frozen;
  const stalled = stalledAt(m, row);
  return stalled === null ? null : stalled * intervalAt(t, row);
}

/**
 * Received video frozen (webrtc-issue-detector): frozen more than `freezeRatio` of an interval, or its freezes
 * lasting more than `meanFreezeSeconds` on average (a few long freezes in a long interval are a small share of it,
 * and just as visible). One tracker, so the two measures give one span: each is taken as a multiple of its own limit
 * and the larger counts, so it opens above 1 and clears below {@link HYSTERESIS_OFF_RATIO} of both. The sustained
 * measure ({@link sustainedFrozenRule}) is the rule's other tracker.
 */
function frozenRule(th: HealthThresholds): SpanRule {
  const meanLimitMs = 1000 * th.meanFreezeSeconds;
  return {
    rule: 'video-frozen', tracker: new HysteresisTracker(above(1, HYSTERESIS_OFF_RATIO)),
    valueAt: (m, t, row) => {
      const share = frozenShareAt(m, t, row, meanLimitMs);
      const meanMs = meanFreezeMsAt(m, row);
      if (share === null && meanMs === null) return null;
      return Math.max(share === null ? 0 : share / th.freezeRatio, meanMs === null ? 0 : meanMs / meanLimitMs);
    },
    // The measure that made the worst sample: a mean freeze length, or a share of the interval.
    evidence: (sp, s, pc) => {
      const share = frozenShareAt(s, pc.t, sp.peakRow, meanLimitMs);
      const meanMs = meanFreezeMsAt(s, sp.peakRow);
      return meanMs !== null && meanMs / meanLimitMs >= (share ?? 0) / th.freezeRatio
        ? { metric: 'mean freeze duration', value: meanMs / 1000, unit: 's', threshold: th.meanFreezeSeconds }
        : { metric: 'frozen share of time', value: 100 * (share ?? 0), unit: '%', threshold: 100 * th.freezeRatio };
    },
  };
}

/**
 * Received video frozen, sustained: more than `sustainedFreezeRatio` of the last {@link FREEZE_WINDOW_MS} frozen
 * (webrtc-inspector, ObserveRTC: freeze ratio > 10 %). Freezes each under a second, every few seconds, are below both
 * limits of {@link frozenRule} and over them in one interval of every few (or, at fast polls, in none), so "3 of the
 * last 4" never met them, yet they add up to unwatchable video. The window sums the frozen time whatever the poll
 * interval, and is judged only once full (one freeze of a young stream would be a large share of a short stretch):
 * at 10 % it takes 3 s frozen in 30 s, which a single short freeze does not reach. Its spans and {@link frozenRule}'s
 * are one issue where they overlap ({@link mergeOverlapping}), with the evidence of the measure that opened it.
 */
function sustainedFrozenRule(th: HealthThresholds): SpanRule {
  const on = th.sustainedFreezeRatio;
  const window = new FrozenWindow(FREEZE_WINDOW_MS);
  // The window's freezes at the row of the highest share of each run of rows over the limit, for the evidence: a
  // span's worst row is the first to reach its run's highest (a run lies within one span, from its start).
  const freezesAt = new Map<number, WindowFreezes | null>();
  let runMax: { row: number; share: number } | null = null;
  return {
    rule: 'video-frozen', tracker: new HysteresisTracker(above(on, off(on))),
    valueAt: (m, t, row) => {
      const frozenMs = frozenMsAt(m, t, row);
      if (frozenMs === null || row === 0) return null;
      window.push(t[row - 1], t[row], frozenMs, seriesAt(m.series.freezeCount, row));
      const share = window.share(t[row]);
      if (share === null || share <= on) {
        runMax = null;
      } else if (runMax === null || share > runMax.share) {
        if (runMax) freezesAt.delete(runMax.row);
        runMax = { row, share };
        freezesAt.set(row, window.freezes(t[row]));
      }
      return share;
    },
    evidence: (sp) => freezeWindowEvidence(sp.peak, freezesAt.get(sp.peakRow), on),
  };
}

/** The freezes (per the browser's freezeCount) that ended within a window, and their mean length. */
interface WindowFreezes {
  count: number;
  meanS: number;
}

/**
 * Frozen time over the last `spanMs` of sample time. The freeze stats report a freeze once it ended, for the whole of
 * it (Δ totalFreezesDuration): each is placed where it lay, ending at the sample that reported it, so a freeze counts
 * only for its part inside the window, and leaves it as the window moves on (a 10 s freeze is 10 s of the last 30
 * when it ends, 5 s of them 25 s later).
 */
class FrozenWindow {
  /** Frozen stretches by end time; `count`: the freezes reported with it (null without freeze stats). */
  private readonly frozen: { from: number; to: number; count: number | null }[] = [];
  /** Start of the sample time covered. */
  private since: number | null = null;

  constructor(private readonly spanMs: number) {}

  /** The interval `from`–`to` of sample time, with `frozenMs` frozen in it (or ended in it) and `count` freezes. */
  push(from: number, to: number, frozenMs: number, count: number | null): void {
    this.since ??= from;
    if (frozenMs > 0) this.frozen.push({ from: to - frozenMs, to, count });
    const start = to - this.spanMs;
    let drop = 0;
    while (drop < this.frozen.length && this.frozen[drop].to <= start) drop++;
    if (drop > 0) this.frozen.splice(0, drop);
  }

  /** Frozen share (0–1) of the span ending at `t`; null until the span is covered. */
  share(t: number): number | null {
    if (this.since === null || t - this.since < this.spanMs) return null;
    const start = t - this.spanMs;
    let ms = 0;
    for (const f of this.frozen) ms += f.to - Math.max(f.from, start);
    return Math.min(1, ms / this.spanMs);
  }

  /** The freezes that ended in the span ending at `t`; null without freeze stats. */
  freezes(t: number): WindowFreezes | null {
    const start = t - this.spanMs;
    let count = 0;
    let ms = 0;
    for (const f of this.frozen) {
      if (f.count === null) return null;
      if (f.to <= start) continue;
      count += f.count;
      ms += f.to - f.from;
    }
    return { count, meanS: count > 0 ? ms / count / 1000 : 0 };
  }
}

/**
 * "time frozen over the last 30 s (9 freezes, 0.8 s on average): 24 % (limit 10 %)"; `freezes` null: no freeze stats
 * (the stalled intervals were the frozen time); undefined: not known.
 */
function freezeWindowEvidence(share: number, freezes: WindowFreezes | null | undefined, limit: number): IssueEvidence {
  const what = freezes === undefined
    ? ''
    : freezes === null
      ? ' (no frame decoded while packets arrived)'
      : freezes.count > 0
        ? ` (${freezes.count} ${freezes.count === 1 ? 'freeze' : 'freezes'}, ${roundSensibly(freezes.meanS)} s on average)`
        : ` (${roundSensibly((share * FREEZE_WINDOW_MS) / 1000)} s in all)`;
  return { metric: `time frozen over the last ${FREEZE_WINDOW_MS / 1000} s${what}`, value: 100 * share, unit: '%', threshold: 100 * limit };
}

/**
 * The issues of one rule and subject as stretches: those whose spans overlap are one. A rule watched by more than
 * one tracker (video-frozen: per interval, and over a window) reports each stretch once, with the evidence of the
 * measure that opened it (the earliest). One tracker's spans never overlap: it is a no-op for them.
 */
function mergeOverlapping(issues: HealthIssue[]): HealthIssue[] {
  const out: HealthIssue[] = [];
  for (const issue of [...issues].sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1];
    if (last && (last.to === null || issue.from <= last.to)) {
      if (last.to !== null) last.to = issue.to === null ? null : Math.max(last.to, issue.to);
      continue;
    }
    out.push({ ...issue });
  }
  return out;
}

/** Interval of `row` in sample time (ms): the value of a row covers the time since the previous row. */
const intervalAt = (t: readonly number[], row: number): number => (row > 0 ? t[row] - t[row - 1] : 0);

/**
 * Received audio concealed audibly over the last {@link CONCEALMENT_WINDOW_MS} (ObserveRTC: concealment is bursty,
 * a single interval's share would flap), on above `concealmentPercent`, off below a third of it. Not judged until
 * the window is full, nor while no packets come for a second or more: a paused stream is all concealment and says
 * nothing of the path, and what came before a pause says nothing of what comes after it.
 */
function concealmentRule(th: HealthThresholds): SpanRule {
  const window = new TrailingWindow(CONCEALMENT_WINDOW_MS);
  const on = th.concealmentPercent;
  // Sample time without packets so far: less than DTX_GAP_MS is a silent speaker's gap between packets, not a pause.
  let dryMs = 0;
  return {
    rule: 'audio-concealment', tracker: new HysteresisTracker(above(on, on * CONCEALMENT_OFF_RATIO)),
    valueAt: (m, t, row) => {
      const packets = seriesAt(m.series.packetRate, row);
      if (packets === 0) dryMs += intervalAt(t, row);
      else if (packets !== null) dryMs = 0;
      if (dryMs >= DTX_GAP_MS) {
        window.clear();
        return null;
      }
      const share = seriesAt(m.series.concealmentRatio, row);
      if (share === null) return null;
      window.push(share, intervalAt(t, row));
      return window.full() ? 100 * window.mean()! : null;
    },
    evidence: (sp) => ({ metric: `audio concealed over ${CONCEALMENT_WINDOW_MS / 1000} s`, value: sp.peak, unit: '%', threshold: on }),
  };
}

/**
 * Keyframe requests (PLI) above `keyframeRequestsPerSecond` over the last {@link KEYFRAME_WINDOW_MS} (ObserveRTC
 * keyframe storm): an inbound stream's are the ones we send, an outbound stream's the peer's. Not judged until the
 * window is full: a couple of requests in a short stretch are a count, not a rate.
 */
function keyframeStormRule(th: HealthThresholds, inbound: boolean): SpanRule {
  const window = new TrailingWindow(KEYFRAME_WINDOW_MS);
  const on = th.keyframeRequestsPerSecond;
  return {
    rule: 'keyframe-storm', tracker: new HysteresisTracker(above(on, off(on))),
    valueAt: (m, t, row) => {
      const rate = seriesAt(m.series.pliRate, row);
      if (rate === null) return null;
      window.push(rate, intervalAt(t, row));
      return window.full() ? window.mean() : null;
    },
    evidence: (sp) => ({
      metric: `keyframe requests (PLI) ${inbound ? 'sent' : 'received'} over ${KEYFRAME_WINDOW_MS / 1000} s`, value: sp.peak, unit: '/s', threshold: on,
    }),
  };
}

/**
 * Pictures of this many pixels (640×360) or more are held to the whole bitrate floor; smaller ones to a share in
 * proportion to their pixels. Simulcast's lower layers and thumbnails are small on purpose: a 320×180 layer at 60 kbit/s
 * is normal, a 640×360 stream at 60 kbit/s is starved.
 */
export const FULL_FLOOR_PIXELS = 640 * 360;

/** The bitrate floor (kbit/s) for a picture of `width`×`height` (the whole floor when its size is not known). */
export function bitrateFloorFor(floor: number, width: number | null, height: number | null): number {
  if (width === null || height === null || width <= 0 || height <= 0) return floor;
  return floor * Math.min(1, (width * height) / FULL_FLOOR_PIXELS);
}

/**
 * Sent video bitrate below the floor (scaled for pictures smaller than {@link FULL_FLOOR_PIXELS}), or collapsed
 * against its own recent median, while frames are being encoded.
 */
function lowBitrateRule(th: HealthThresholds): SpanRule {
  const floor = th.minVideoBitrateKbps;
  const collapse = th.bitrateCollapseRatio;
  const recent: number[] = [];
  // The median of the known values before the row being pushed (null while fewer than half the samples are known).
  let median: MetricValue = null;
  // The floor for the picture size of the row being pushed.
  let rowFloor = floor;
  return {
    rule: 'low-bitrate',
    tracker: new HysteresisTracker({
      over: (v) => v < rowFloor || (median !== null && v < collapse * median),
      clear: (v) => v > rowFloor / HYSTERESIS_OFF_RATIO && (median === null || v > (collapse / HYSTERESIS_OFF_RATIO) * median),
      worse: (a, b) => a < b,
    }),
    valueAt: (m, _, row) => {
      const kbps = scaledAt(m.series.bitrate, row, 1 / 1000);
      const encoding = (m.series.fps?.[row] ?? 0) > 0;
      rowFloor = bitrateFloorFor(floor, m.series.frameWidth?.[row] ?? null, m.series.frameHeight?.[row] ?? null);
      // Only a value the rule will judge needs the median.
      if (encoding && kbps !== null) {
        median = recent.length >= MEDIAN_SAMPLES / 2 ? [...recent].sort((a, b) => a - b)[Math.floor(recent.length / 2)] : null;
      }
      if (kbps !== null) {
        recent.push(kbps);
        if (recent.length > MEDIAN_SAMPLES) recent.shift();
      }
      return encoding ? kbps : null;
    },
    // The threshold that tripped at the worst row: the floor for its picture, else the collapse against the median
    // of the bitrates before it (the same ones valueAt took it over).
    evidence: (sp, m) => {
      const rowFloorAt = bitrateFloorFor(floor, m.series.frameWidth?.[sp.peakRow] ?? null, m.series.frameHeight?.[sp.peakRow] ?? null);
      const medianAt = trailingMedianKbps(m.series.bitrate, sp.peakRow);
      if (sp.peak >= rowFloorAt && medianAt !== null && sp.peak < collapse * medianAt) {
        const limit = collapse * medianAt;
        return {
          metric: 'send bitrate', value: sp.peak, unit: 'kbit/s', threshold: roundSensibly(limit), collapse: true,
          thresholdText: `below ${Math.round(100 * collapse)} % of the ${roundSensibly(medianAt)} kbit/s median = ${roundSensibly(limit)} kbit/s`,
        };
      }
      const w = m.series.frameWidth?.[sp.peakRow] ?? null;
      const h = m.series.frameHeight?.[sp.peakRow] ?? null;
      return {
        metric: 'send bitrate', value: sp.peak, unit: 'kbit/s', threshold: roundSensibly(rowFloorAt),
        thresholdText: `floor ${roundSensibly(rowFloorAt)} kbit/s${w !== null && h !== null && rowFloorAt < floor ? ` for ${w}×${h}` : ''}`,
      };
    },
  };
}

/**
 * An available outgoing bitrate above this many times the sent bitrate is not congestion control holding the
 * encoder back (it would let it send that much more).
 */
export const AVAILABLE_HEADROOM = 2;

/**
 * Mean available outgoing bitrate and mean sent bitrate (the selected pair's, bit/s) over a span's rows (to its end
 * or the last row); null when either is unknown there or nothing was sent.
 */
function outgoingHeadroom(m: ConnectionMetrics, sp: RowSpan): { available: number; sent: number } | null {
  const last = sp.toRow ?? m.t.length - 1;
  let available = 0;
  let availableCount = 0;
  let sent = 0;
  let sentCount = 0;
  for (let row = sp.fromRow; row <= last; row++) {
    const a = m.connection.availableOutgoingBitrate[row];
    const b = m.connection.sendBitrate[row];
    if (a !== null && a !== undefined) {
      available += a;
      availableCount++;
    }
    if (b !== null && b !== undefined) {
      sent += b;
      sentCount++;
    }
  }
  if (availableCount === 0 || sentCount === 0 || sent <= 0) return null;
  return { available: available / availableCount, sent: sent / sentCount };
}

const formatKbps = (bps: number): string => (bps >= 1e6 ? `${roundSensibly(bps / 1e6)} Mbit/s` : `${roundSensibly(bps / 1000)} kbit/s`);

/**
 * The median (kbit/s) of the last {@link MEDIAN_SAMPLES} known bitrates before `row` (null while fewer than half as
 * many are known), as the low-bitrate rule takes it.
 */
function trailingMedianKbps(bitrate: MetricSeries | undefined, row: number): number | null {
  if (!bitrate) return null;
  const recent: number[] = [];
  for (let r = row - 1; r >= 0 && recent.length < MEDIAN_SAMPLES; r--) if (bitrate[r] !== null && bitrate[r] !== undefined) recent.push(bitrate[r]! / 1000);
  if (recent.length < MEDIAN_SAMPLES / 2) return null;
  recent.sort((a, b) => a - b);
  return recent[Math.floor(recent.length / 2)];
}

/** Three significant digits at most (whole numbers from 100 on): 144, 33.3, 2.5. */
export function roundSensibly(v: number): number {
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v);
  if (a >= 10) return Math.round(v * 10) / 10;
  return Math.round(v * 100) / 100;
}

/**
 * An inbound stream that had received packets and then got none for `noPacketsSeconds` (while the PC is open). When
 * another inbound stream of the PC still receives at the end of the dry stretch, the stream was most likely paused
 * on purpose (a camera or microphone turned off, an SFU pausing the video of participants off screen): still
 * reported, as info, which does not lower the verdict. When every stream stopped, it is a warning.
 */
class NoPacketRule {
  private hadPackets = false;
  /** Row of the last interval that still carried packets, while none come (else -1). */
  private dryFrom = -1;
  private lastKnownRow = -1;
  /** Dry stretches long enough, ended by packets again. */
  private readonly ended: { fromRow: number; toRow: number }[] = [];

  constructor(private readonly limitSeconds: number) {}

  push(s: StreamMetrics, t: readonly number[], row: number): void {
    const v = seriesAt(s.series.packetRate, row);
    if (v === null) return;
    if (v > 0) {
      if (this.dryFrom >= 0 && t[row] - t[this.dryFrom] >= this.limitSeconds * 1000) this.ended.push({ fromRow: this.dryFrom, toRow: row });
      this.dryFrom = -1;
      this.hadPackets = true;
    } else if (this.hadPackets && this.dryFrom < 0) {
      // The dry stretch started at the end of the last interval that still carried packets.
      this.dryFrom = this.lastKnownRow;
    }
    this.lastKnownRow = row;
  }

  /**
   * `othersReceiving(after, row)`: whether another inbound stream of the PC had packets at `row` (its latest known
   * interval there, if later than row `after`).
   */
  issues(
    pcId: string, statsId: string, label: string, t: readonly number[], closedAt: number | null, now: number,
    othersReceiving: (after: number, row: number) => boolean,
  ): HealthIssue[] {
    // `lastDryRow`: where the stretch is judged, its last row without packets (the latest row while it lasts).
    const issue = (fromRow: number, toRow: number | null, lastDryRow: number): HealthIssue => {
      const endT = toRow === null ? now : t[toRow];
      const paused = othersReceiving(fromRow, lastDryRow);
      return {
        rule: 'no-packets-received', severity: paused ? 'info' : 'warning', pcId, subjectId: statsId, subject: label,
        from: t[fromRow], to: toRow === null ? null : t[toRow],
        evidence: {
          metric: paused ? 'time without packets while other streams receive (likely paused by the sender or SFU)' : 'time without packets',
          value: Math.round((endT - t[fromRow]) / 100) / 10, unit: 's', threshold: this.limitSeconds,
        },
      };
    };
    const out = this.ended.map((d) => issue(d.fromRow, d.toRow, Math.max(d.fromRow, d.toRow - 1)));
    // Still dry: until the PC closed (its last known row) or until now.
    if (this.dryFrom >= 0) {
      const toRow = closedAt !== null ? this.lastKnownRow : null;
      const endT = toRow === null ? now : t[toRow];
      if (endT - t[this.dryFrom] >= this.limitSeconds * 1000) out.push(issue(this.dryFrom, toRow, toRow ?? t.length - 1));
    }
    return out;
  }
}

// ─── states, pairs, channels ────────────────────────────────────────────────────────────────────────────────────

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

/**
 * One issue per STUN/TURN server that gave `icecandidateerror`s, from its first error to its last. A TURN server's
 * errors are a warning while the PC gathered no relay candidate at all (no TURN fallback: a network that blocks
 * direct paths cannot connect); otherwise, and for STUN servers (a reflexive address missing, direct paths may still
 * work), information.
 */
function iceServerIssues(pcId: string, facts: PcEventFacts): HealthIssue[] {
  const byUrl = new Map<string, CandidateError[]>();
  for (const e of facts.candidateErrors) {
    const list = byUrl.get(e.url);
    if (list) list.push(e);
    else byUrl.set(e.url, [e]);
  }
  const out: HealthIssue[] = [];
  for (const [url, errors] of byUrl) {
    const turn = /^turns?:/i.test(url);
    const codes = [...new Set(errors.map((e) => (e.code === null ? '' : `${e.code}`) + (e.text ? ` ${e.text}` : '')).filter((c) => c !== ''))];
    const evidence: IssueEvidence = {
      metric: url === '' ? 'ICE candidate errors' : `ICE candidate errors from ${url}`,
      value: `${errors.length} × ${codes.slice(0, 3).join('; ') || 'no error code'}${codes.length > 3 ? ` (and ${codes.length - 3} more kinds)` : ''}`,
      unit: '',
      threshold: null,
    };
    if (turn && facts.relayGatheredAt !== null) evidence.note = 'A relay candidate was gathered all the same (another transport or server of the configuration answered): TURN fallback works.';
    else if (turn) evidence.note = 'No relay candidate was gathered: this connection has no TURN fallback, and behind a network that blocks direct paths it cannot connect.';
    out.push({
      rule: 'ice-server-error', severity: turn && facts.relayGatheredAt === null ? 'warning' : 'info', pcId, subjectId: url || null, subject: url || 'ICE server',
      from: errors[0].t, to: errors[errors.length - 1].t, evidence,
    });
  }
  return out;
}

/**
 * How long an offer may wait for its answer before it is an issue: far past a signaling round trip, and past the
 * few seconds a callee's page may take to answer (a person clicking "accept" is the slowest part of some apps'
 * negotiations, which then stay in have-remote-offer meanwhile).
 */
export const NEGOTIATION_STUCK_MS = 30_000;

function stateIssues(pcId: string, facts: PcEventFacts, closedAt: number | null, now: number, th: HealthThresholds): HealthIssue[] {
  const end = closedAt ?? now;
  const out: HealthIssue[] = [];
  const conn = facts.connectionStates;
  const ice = facts.iceStates;
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
  // An offer waiting for its answer (or a received offer for ours) for longer than a signaling round trip can take.
  const signaling = facts.stateChanges.filter((c) => c.machine === 'signaling');
  for (const state of ['have-local-offer', 'have-remote-offer']) {
    for (const s of stretches(signaling, state)) {
      const until = s.to ?? end;
      if (until - s.from <= NEGOTIATION_STUCK_MS) continue;
      out.push(issue('negotiation-stuck', s.from, s.to, 'signaling state', `${state} for ${Math.round((until - s.from) / 1000)} s`, NEGOTIATION_STUCK_MS / 1000));
    }
  }
  // Slow setups, unless a checking stretch of the same setup was already stuck (that issue says more).
  const stuck = out.filter((i) => i.rule === 'ice-checking-stuck');
  for (const s of completedSetups(facts)) {
    if (s.to - s.from <= th.iceSetupSeconds * 1000 || stuck.some((i) => i.from < s.to && (i.to ?? end) > s.from)) continue;
    out.push(issue('ice-setup-slow', s.from, s.to, 'setup until connected', `connected after ${Math.round((s.to - s.from) / 100) / 10} s`, th.iceSetupSeconds));
  }
  return out;
}

/**
 * The connection setups that reached connected, each from its start to its connection (domain.md §3.4: setup
 * > 5 s). A setup starts, while the PC is not connected, with ICE gathering, ICE checking or the connection state
 * connecting, whichever comes first; while an offer waits for its answer (signaling not stable) its clock starts
 * again when the answer is set, since the time a callee takes to answer is not the connection's. It ends when the
 * PC is connected (connectionState, else the ICE state for browsers without one: connected or completed), and is
 * dropped when it fails or closes: a setup that never connects is the failed and stuck rules' matter. So an ICE
 * restart is a setup of its own, measured from its own gathering or checking, and one on a connection that stays
 * connected (the old pair carries media meanwhile) is none.
 */
function completedSetups(facts: PcEventFacts): { from: number; to: number }[] {
  const byConnectionState = facts.sawConnectionState;
  const out: { from: number; to: number }[] = [];
  let connected = false;
  let from: number | null = null;
  for (const { machine, state, t } of facts.stateChanges) {
    if (machine === 'signaling') {
      // Back to stable: the answer (or our answer to the peer's offer) is set, both sides' candidates can flow.
      if (state === 'stable' && from !== null) from = Math.max(from, t);
      if (state === 'closed') from = null;
      continue;
    }
    if (machine === (byConnectionState ? 'connection' : 'ice')) {
      if (state === 'connected' || (!byConnectionState && state === 'completed')) {
        if (!connected && from !== null) out.push({ from, to: t });
        connected = true;
        from = null;
        continue;
      }
      connected = false;
      if (state === 'failed' || state === 'closed') {
        from = null;
        continue;
      }
    }
    const starts = (machine === 'gathering' && state === 'gathering') || (machine === 'ice' && state === 'checking') || (machine === 'connection' && state === 'connecting');
    if (starts && !connected && from === null) from = t;
  }
  return out;
}

/** Switches of the selected candidate pair, and the stretches it was relayed. */
class PairRules {
  private current: string | null = null;
  /** The relay issue still going on. */
  private relay: HealthIssue | null = null;
  private readonly found: HealthIssue[] = [];

  constructor(private readonly pcId: string) {}

  advance(columns: StatsColumns, from: number): void {
    for (let row = from; row < columns.t.length; row++) {
      const selected = [...selectedPairIdsAt(columns, row)][0] ?? null;
      if (selected === null || selected === this.current) continue;
      const f = columns.objects[selected].fields;
      const at = (field: string): Json | null => (hasOwn.call(f, field) ? f[field][row] : null);
      const local = candidateAt(columns, typeof at('localCandidateId') === 'string' ? (at('localCandidateId') as string) : null, row);
      const remote = candidateAt(columns, typeof at('remoteCandidateId') === 'string' ? (at('remoteCandidateId') as string) : null, row);
      const path = `${local?.candidateType ?? '?'} ⇄ ${remote?.candidateType ?? '?'}`;
      if (this.current !== null) {
        this.found.push({
          rule: 'candidate-pair-switched', severity: 'info', pcId: this.pcId, subjectId: selected, subject: 'selected candidate pair',
          from: columns.t[row], to: columns.t[row], evidence: { metric: 'selected pair', value: path, unit: '', threshold: null },
        });
      }
      this.current = selected;
      const relayed = local?.candidateType === 'relay' || remote?.candidateType === 'relay';
      if (relayed && !this.relay) {
        const via = local?.candidateType === 'relay'
          ? `our TURN server${local.relayProtocol ? ` over ${local.relayProtocol}` : ''}${local.url ? ` (${local.url})` : ''}`
          : 'the peer\'s TURN server';
        this.relay = {
          rule: 'relay-in-use', severity: 'info', pcId: this.pcId, subjectId: selected, subject: 'selected candidate pair',
          from: columns.t[row], to: null, evidence: { metric: 'selected pair', value: `${path} via ${via}`, unit: '', threshold: null },
        };
        this.found.push(this.relay);
      } else if (!relayed && this.relay) {
        this.relay.to = columns.t[row];
        this.relay = null;
      }
    }
  }

  /** Copies: the relay issue still going on ends later (or at the PC's close). */
  issues(closedAt: number | null): HealthIssue[] {
    return this.found.map((issue) => (issue === this.relay && closedAt !== null ? { ...issue, to: closedAt } : { ...issue }));
  }
}

/** A data channel open long enough without a message either way. */
class ChannelRules {
  private openFrom: number | null = null;
  private lastOpen: number | null = null;
  private used = false;
  private label: string | undefined;

  constructor(readonly id: string) {}

  advance(columns: StatsColumns, from: number): void {
    const f = columns.objects[this.id].fields;
    const col = (field: string) => (hasOwn.call(f, field) ? f[field] : []);
    const state = col('state');
    const sent = col('messagesSent');
    const received = col('messagesReceived');
    const label = col('label');
    for (let row = from; row < columns.t.length; row++) {
      if (state[row] === 'open') {
        this.openFrom ??= columns.t[row];
        this.lastOpen = columns.t[row];
      }
      if ((typeof sent[row] === 'number' && (sent[row] as number) > 0) || (typeof received[row] === 'number' && (received[row] as number) > 0)) this.used = true;
      if (typeof label[row] === 'string') this.label = label[row] as string;
    }
  }

  issues(pcId: string, columns: StatsColumns, closedAt: number | null, now: number, th: HealthThresholds): HealthIssue[] {
    const { openFrom, lastOpen } = this;
    if (this.used || openFrom === null || lastOpen === null) return [];
    const limitMs = th.idleDataChannelSeconds * 1000;
    const f = columns.objects[this.id].fields;
    const stillOpen = hasOwn.call(f, 'state') && f.state[columns.t.length - 1] === 'open' && closedAt === null;
    const until = stillOpen ? Math.max(lastOpen, now) : lastOpen;
    if (until - openFrom < limitMs) return [];
    return [{
      rule: 'data-channel-unused', severity: 'info', pcId, subjectId: this.id,
      subject: this.label !== undefined ? `data channel "${this.label}"` : 'data channel',
      from: openFrom + limitMs, to: stillOpen ? null : lastOpen,
      evidence: { metric: 'messages sent + received', value: 0, unit: '', threshold: null },
    }];
  }
}

/**
 * Whether stream `s` received packets at `row`: in its latest known interval, or in any that ended less than
 * {@link DTX_GAP_MS} before it; only intervals after row `after` and ending less than `recentMs` before
 * `row` count (a stream gone from the stats is not receiving).
 */
function receivingAt(s: StreamMetrics, t: readonly number[], after: number, row: number, recentMs: number): boolean {
  const rate = s.series.packetRate;
  if (!rate) return false;
  let seenKnown = false;
  for (let r = row; r > after && t[row] - t[r] < recentMs; r--) {
    if (seenKnown && t[row] - t[r] >= DTX_GAP_MS) return false;
    const v = rate[r];
    if (v === null || v === undefined) continue;
    if (v > 0) return true;
    seenKnown = true;
  }
  return false;
}

/** RTT of the PC at `row`: the worst of the media RTTs (remote-inbound-rtp) and the selected pair's RTT. */
function rttAt(metrics: ConnectionMetrics, row: number): MetricValue {
  let worst: number | null = metrics.connection.rttMs[row];
  for (const s of metrics.streams) {
    const v = s.series.rttMs?.[row] ?? null;
    if (v !== null && (worst === null || v > worst)) worst = v;
  }
  return worst;
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

/** Session-wide issues: failed getUserMedia / getDisplayMedia calls. */
export function sessionIssues(events: readonly TraceEvent[]): HealthIssue[] {
  const out: HealthIssue[] = [];
  for (const { record } of events) {
    // A failed applyConstraints leaves the track as it was: the event log shows it as a failed call.
    if (record.type !== 'media-settled' || record.ok || !isMediaRequest(record.method)) continue;
    const error = record.error ? errorText(record.error) : 'failed';
    out.push({
      rule: 'getusermedia-failed', severity: 'warning', pcId: null, subjectId: null, subject: record.method,
      from: record.t, to: record.t, evidence: { metric: `${record.method} result`, value: error, unit: '', threshold: null },
    });
  }
  return out;
}
