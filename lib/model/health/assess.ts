/**
 * Quality score and verdict of a peer connection and of a session, and the snapshot the popup and the badge show.
 *
 * Score per row: each stream with evidence gets one (audio: E-model estimated MOS as 0–100, e-model.ts; video:
 * video-score.ts), and the PC's score is the WORST stream's, because a call is as good as its worst direction (one
 * frozen video makes a bad call even if audio is perfect). "Current" = mean of the known PC scores over the last
 * {@link CURRENT_SCORE_MS} of sample time, so one odd interval does not flip it; over the session = mean of all
 * known rows.
 *
 * The current score lowers the verdict only once it has been low (MOS < 4) or very low (MOS < 3) for
 * {@link SCORE_HOLD_MS} of sample time (domain.md §3.4, peermetrics: "for ≥ 30 s"), whatever the poll interval; a
 * shorter dip leaves it good. The verdict then combines with ongoing issues: a critical one (connection failed, ICE
 * stuck) makes the PC very low, a warning at most low. Info issues (TURN in use, pair switched) do not lower it.
 *
 * Pure: no UI or browser API.
 */
import type { PcSummary, SessionData, StatsColumns, TraceEvent } from '../session';
import { candidateAt, selectedPairIdsAt } from '../candidate-pairs';
import { latestStates } from '../connection-header';
import { audioQuality, SCORE_GOOD, SCORE_LOW, verdictFromScore, type QualityVerdict } from './e-model';
import { connectionMetrics, type ConnectionMetrics, type HeldReport, type MetricSeries, type StreamMetrics } from './metrics';
import { compareIssues, pcIssues, sessionIssues, type HealthIssue, type IssueSeverity } from './rules';
import { CURRENT_SCORE_MS, DEFAULT_HEALTH_THRESHOLDS, SCORE_CLEAR_MS, SCORE_HOLD_MS, type HealthThresholds } from './thresholds';
import { TrailingWindow } from './trailing-window';
import { bitsPerPixel, videoQuality } from './video-score';

const VERDICT_ORDER: Record<QualityVerdict, number> = { good: 0, low: 1, 'very-low': 2 };
/** The worse of two verdicts (null = unknown, loses to any verdict). */
export function worseVerdict(a: QualityVerdict | null, b: QualityVerdict | null): QualityVerdict | null {
  if (a === null) return b;
  if (b === null) return a;
  return VERDICT_ORDER[a] >= VERDICT_ORDER[b] ? a : b;
}
const SEVERITY_VERDICT: Record<IssueSeverity, QualityVerdict | null> = { critical: 'very-low', warning: 'low', info: null };

/** The last non-null value of `series` in rows `from`…`upTo` (null when none). */
const lastKnown = (series: MetricSeries | undefined, upTo: number, from = 0): number | null => {
  if (!series) return null;
  for (let i = Math.min(upTo, series.length - 1); i >= from; i--) if (series[i] !== null) return series[i];
  return null;
};

/**
 * The glance's latest values come from the last this many rows only: a stream that left (an SFU participant gone,
 * a stopped transceiver, an SSRC changed by renegotiation) no longer counts, and one poll without a value (Δt = 0)
 * does not blank it.
 */
export const GLANCE_ROWS = 2;

/**
 * The scores of a PC's rows folded so far, resumable as rows are appended: per stream, the PC's (the worst
 * stream's), their running mean, their mean over the last {@link CURRENT_SCORE_MS} and how long that has been low
 * or very low ({@link ScoreHold}). An audio row is rated with the
 * latest RTT known at that row, carried from row to row, with an outbound stream's loss and jitter as its last
 * receiver report gave them (`held`: a report comes every few seconds, and the rows in between are not loss-free),
 * and with the stream's codec as it is now: made for the streams' kinds and codecs of the metrics given, so start
 * anew when those change.
 */
export class PcScores {
  private rows = 0;
  /** Per stream, aligned with `t`. */
  readonly streamSeries: MetricSeries[];
  /** The PC's, aligned with `t`. */
  readonly scores: MetricSeries = [];
  /** Per stream: its latest known RTT (outbound streams' receiver reports), and the selected pair's. */
  private readonly lastRtt: (number | null)[];
  private lastPairRtt: number | null = null;
  private knownSum = 0;
  private knownCount = 0;
  private readonly current = new TrailingWindow(CURRENT_SCORE_MS);
  /** Worst verdict first. */
  private readonly holds = [new ScoreHold(SCORE_LOW, 'very-low'), new ScoreHold(SCORE_GOOD, 'low')];

  constructor(metrics: ConnectionMetrics) {
    this.streamSeries = metrics.streams.map(() => []);
    this.lastRtt = metrics.streams.map(() => null);
  }

  /** Folds the rows of `metrics` (the same PC's, grown) after those folded before. */
  advance(m: ConnectionMetrics): void {
    const outbound = m.streams.flatMap((s, i) => (s.direction === 'outbound' ? [i] : []));
    for (let row = this.rows; row < m.t.length; row++) {
      for (const i of outbound) this.lastRtt[i] = m.streams[i].series.rttMs?.[row] ?? this.lastRtt[i];
      this.lastPairRtt = m.connection.rttMs[row] ?? this.lastPairRtt;
      let worst: number | null = null;
      for (let i = 0; i < m.streams.length; i++) {
        const s = m.streams[i];
        // RTT: the stream's own (outbound, from receiver reports) else any outbound stream's, else the pair's.
        let rtt = s.direction === 'outbound' ? this.lastRtt[i] : null;
        for (const o of outbound) rtt ??= this.lastRtt[o];
        rtt ??= this.lastPairRtt;
        const v = streamScoreAt(s, row, rtt);
        this.streamSeries[i].push(v);
        if (v !== null && (worst === null || v < worst)) worst = v;
      }
      this.scores.push(worst);
      if (worst === null) continue;
      this.knownSum += worst;
      this.knownCount++;
      // A row's score is that of the interval since the previous row: it counts for that long.
      const ms = row > 0 ? m.t[row] - m.t[row - 1] : 0;
      this.current.push(worst, ms);
      const current = this.current.mean();
      if (current !== null) for (const hold of this.holds) hold.push(current, ms);
    }
    this.rows = m.t.length;
  }

  /** Mean of the known PC scores over the last {@link CURRENT_SCORE_MS} of sample time. */
  currentScore(): number | null {
    return this.current.mean();
  }

  /**
   * The verdict the current score gives: very low or low once it has held for {@link SCORE_HOLD_MS}, else good
   * (a shorter dip is not a verdict yet); null without a known score.
   */
  scoreVerdict(): QualityVerdict | null {
    if (this.current.mean() === null) return null;
    for (const hold of this.holds) if (hold.holds()) return hold.verdict;
    return 'good';
  }

  /** Mean of all known PC scores. */
  averageScore(): number | null {
    return this.knownCount === 0 ? null : this.knownSum / this.knownCount;
  }
}

/**
 * How long the current score has stayed below one verdict's level, in sample time: a stretch starts at the first
 * score below it and ends only after {@link SCORE_CLEAR_MS} back at or above it (the good moments in between count
 * towards it: a few good seconds in a bad half minute do not start it over).
 */
class ScoreHold {
  /** Sample time of the stretch so far; null outside one. */
  private heldMs: number | null = null;
  /** Sample time back at or above the level, at the end of the stretch. */
  private clearMs = 0;

  constructor(private readonly level: number, readonly verdict: QualityVerdict) {}

  /** The current score after an interval of `ms`. */
  push(score: number, ms: number): void {
    if (score < this.level) {
      this.heldMs = (this.heldMs ?? 0) + ms;
      this.clearMs = 0;
      return;
    }
    if (this.heldMs === null) return;
    this.clearMs += ms;
    if (this.clearMs >= SCORE_CLEAR_MS) {
      this.heldMs = null;
      this.clearMs = 0;
    } else {
      this.heldMs += ms;
    }
  }

  /** Whether the stretch has lasted {@link SCORE_HOLD_MS}. */
  holds(): boolean {
    return this.heldMs !== null && this.heldMs >= SCORE_HOLD_MS;
  }
}

/** Score (0–100) of stream `s` at `row`, null where it has no evidence; `rtt`: the RTT known at that row for audio. */
function streamScoreAt(s: StreamMetrics, row: number, rtt: number | null): number | null {
  const at = (name: keyof StreamMetrics['series']) => s.series[name]?.[row] ?? null;
  const bitrate = at('bitrate');
  if (s.kind === 'audio') {
    // Only intervals where media flowed: a muted or not-yet-started stream has nothing to rate.
    if (bitrate === null || bitrate <= 0) return null;
    const inbound = s.direction === 'inbound';
    // Outbound: the last receiver report's loss and jitter, held over the rows between reports.
    const held = (name: keyof HeldReport) => s.held?.[name][row] ?? null;
    return audioQuality({
      rttMs: rtt,
      lossFraction: inbound ? at('lossFraction') : held('lossFraction'),
      jitterBufferDelayMs: inbound ? at('jitterBufferDelayMs') : null,
      jitterMs: inbound ? at('jitterMs') : held('remoteJitterMs'),
      codec: s.codec,
    }).score;
  }
  if (s.kind !== 'video') return null;
  const fps = at('fps');
  const packets = at('packetRate');
  // Inbound: rate while packets arrive (frozen video still gets them). Outbound: while it sends.
  if (s.direction === 'inbound' ? packets === null || packets <= 0 : bitrate === null || bitrate <= 0) return null;
  const width = at('frameWidth');
  const height = at('frameHeight');
  return videoQuality({
    fps,
    sourceFps: s.direction === 'outbound' ? at('sourceFps') : null,
    width,
    height,
    freezeRatio: s.direction === 'inbound' ? at('freezeRatio') : null,
    bitsPerPixel: bitsPerPixel(bitrate, width, height, fps),
  }).score;
}

export interface StreamScore {
  statsId: string;
  kind: string | null;
  direction: 'inbound' | 'outbound';
  /** 0–100 per row. */
  series: MetricSeries;
}

export interface PcHealth {
  pcId: string;
  /** The metrics it was assessed from (null without stats), for views that show the latest values too. */
  metrics: ConnectionMetrics | null;
  /** Score of the PC per row (the worst stream's), aligned with `t`. */
  t: number[];
  scores: MetricSeries;
  streams: StreamScore[];
  /** Mean over the last {@link CURRENT_SCORE_MS} of sample time; null without media. */
  currentScore: number | null;
  /** Mean over the whole PC. */
  averageScore: number | null;
  /** Current verdict: the score's once it held for {@link SCORE_HOLD_MS} (else good), worsened by ongoing issues. */
  verdict: QualityVerdict | null;
  /** Over the whole PC: the average score's, worsened by any critical issue that happened. */
  overallVerdict: QualityVerdict | null;
  /** Most important first (compareIssues). */
  issues: HealthIssue[];
}

export interface AssessPcInput {
  pcId: string;
  pc?: PcSummary;
  columns: StatsColumns | undefined;
  events: readonly TraceEvent[];
  thresholds?: HealthThresholds;
  /** End of observation (epoch ms); default: the PC's close, else its last sample. */
  now?: number;
}

/** Whether stats object `id` is in any of rows `from`…`to` (without columns: assumed so). */
function presentWithin(columns: StatsColumns | undefined, id: string, from: number, to: number): boolean {
  if (!columns) return true;
  const type = Object.prototype.hasOwnProperty.call(columns.objects, id) ? columns.objects[id].fields.type : undefined;
  if (!type) return false;
  for (let row = from; row <= to; row++) if (type[row] != null) return true;
  return false;
}

const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Score, verdicts and issues of one PC. */
export function assessPc(input: AssessPcInput): PcHealth {
  const metrics = input.columns && input.columns.t.length > 0 ? connectionMetrics(input.columns) : null;
  const now = endOfObservation(input, metrics?.t ?? []);
  const issues = pcIssues({ pcId: input.pcId, pc: input.pc, columns: input.columns, metrics, events: input.events, thresholds: input.thresholds ?? DEFAULT_HEALTH_THRESHOLDS, now });
  let scores: PcScores | null = null;
  if (metrics) {
    scores = new PcScores(metrics);
    scores.advance(metrics);
  }
  return pcHealth(input.pcId, metrics, scores, issues);
}

/** The `now` of an assessment: given, else the PC's close, else its last sample (samples `t`), else its creation. */
export function endOfObservation(input: AssessPcInput, t: readonly number[]): number {
  return input.now ?? input.pc?.closedAt ?? (t.length > 0 ? t[t.length - 1] : input.pc?.createdAt ?? 0);
}

/** The health of a PC from its metrics, their scores and its issues. */
export function pcHealth(pcId: string, metrics: ConnectionMetrics | null, scores: PcScores | null, issues: HealthIssue[]): PcHealth {
  const streams: StreamScore[] = scores && metrics
    ? metrics.streams.map((s, i) => ({ statsId: s.statsId, kind: s.kind, direction: s.direction, series: scores.streamSeries[i] }))
    : [];
  const currentScore = scores?.currentScore() ?? null;
  const averageScore = scores?.averageScore() ?? null;
  let verdict = scores?.scoreVerdict() ?? null;
  let overallVerdict = averageScore === null ? null : verdictFromScore(averageScore);
  for (const issue of issues) {
    const v = SEVERITY_VERDICT[issue.severity];
    if (issue.to === null) verdict = worseVerdict(verdict, v);
    if (issue.severity === 'critical') overallVerdict = worseVerdict(overallVerdict, v);
  }
  return { pcId, metrics, t: metrics?.t ?? [], scores: scores?.scores ?? [], streams, currentScore, averageScore, verdict, overallVerdict, issues };
}

export interface SessionHealth {
  sessionId: string;
  pcs: PcHealth[];
  /** Session-wide issues (getUserMedia) and every PC's, most important first. */
  issues: HealthIssue[];
  /** Mean of the PCs' average scores. */
  averageScore: number | null;
  /** Worst of the PCs' overall verdicts (and low if getUserMedia failed without any PC). */
  verdict: QualityVerdict | null;
}

/** Assessment of a whole stored session (the viewer, the post-call summary, the popup's recent sessions). */
export function assessSession(data: SessionData, thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS): SessionHealth {
  const pcs = data.pcs.map((pc) =>
    assessPc({ pcId: pc.pcId, pc, columns: data.stats[pc.pcId], events: data.events, thresholds, now: pc.closedAt ?? data.session.endedAt ?? data.session.lastActivityAt }),
  );
  const issues = [...sessionIssues(data.events), ...pcs.flatMap((p) => p.issues)].sort(compareIssues);
  const averages = pcs.map((p) => p.averageScore).filter((v): v is number => v !== null);
  let verdict: QualityVerdict | null = null;
  for (const p of pcs) verdict = worseVerdict(verdict, p.overallVerdict);
  if (issues.some((i) => i.rule === 'getusermedia-failed')) verdict = worseVerdict(verdict, 'low');
  return { sessionId: data.session.id, pcs, issues, averageScore: mean(averages), verdict };
}

// ─── the glance (popup, badge) ──────────────────────────────────────────────────────────────────────────────────

export interface PcGlance {
  pcId: string;
  connectionState: string;
  iceConnectionState: string;
  /** Local and remote candidate type of the selected pair, e.g. "host ⇄ srflx"; relay flagged. */
  pairType: string | null;
  relayed: boolean;
  /**
   * Latest values (of the last {@link GLANCE_ROWS} rows) of the streams present there: bit/s (sums), ms and
   * fraction 0–1 (the worst stream's; an outbound stream's loss as its last receiver report gave it, its RTT the last
   * measured).
   */
  sendBitrate: number | null;
  receiveBitrate: number | null;
  rttMs: number | null;
  lossFraction: number | null;
  jitterMs: number | null;
  score: number | null;
  verdict: QualityVerdict | null;
  /** The most important ongoing issue, else null. */
  topIssue: HealthIssue | null;
  /** Ongoing issues (to === null), most important first. */
  ongoing: HealthIssue[];
}

/** What the popup shows per live PC: states, path, the latest numbers and the verdict with its top issue. */
export function pcGlance(health: PcHealth, columns: StatsColumns | undefined, events: readonly TraceEvent[], pc?: PcSummary): PcGlance {
  const states = latestStates(pc, events, health.pcId);
  // The metrics the assessment already computed from the same columns.
  const metrics = health.metrics;
  const last = metrics ? metrics.t.length - 1 : -1;
  let pairType: string | null = null;
  let relayed = false;
  if (columns && last >= 0) {
    for (let row = last; row >= 0 && pairType === null; row--) {
      const id = [...selectedPairIdsAt(columns, row)][0];
      if (id === undefined) continue;
      const f = columns.objects[id].fields;
      const ref = (field: string) => (Object.prototype.hasOwnProperty.call(f, field) && typeof f[field][row] === 'string' ? (f[field][row] as string) : null);
      const local = candidateAt(columns, ref('localCandidateId'), row);
      const remote = candidateAt(columns, ref('remoteCandidateId'), row);
      pairType = `${local?.candidateType ?? '?'} ⇄ ${remote?.candidateType ?? '?'}`;
      relayed = local?.candidateType === 'relay' || remote?.candidateType === 'relay';
    }
  }
  // Only the streams present in the last rows, and only their values of those rows.
  const from = Math.max(0, last - GLANCE_ROWS + 1);
  const live = metrics ? metrics.streams.filter((s) => presentWithin(columns, s.statsId, from, last)) : [];
  const recent = (series: MetricSeries | undefined) => lastKnown(series, last, from);
  const sum = (dir: 'inbound' | 'outbound'): number | null => {
    let total: number | null = null;
    for (const s of live) {
      if (s.direction !== dir) continue;
      const v = recent(s.series.bitrate);
      if (v !== null) total = (total ?? 0) + v;
    }
    return total;
  };
  const worstLatest = (value: (s: StreamMetrics) => number | null, dir?: 'inbound' | 'outbound'): number | null => {
    let worst: number | null = null;
    for (const s of live) {
      if (dir && s.direction !== dir) continue;
      const v = value(s);
      if (v !== null && (worst === null || v > worst)) worst = v;
    }
    return worst;
  };
  // A stream's RTT is measured when a receiver report brings one: its last, however many rows back.
  let rtt = worstLatest((s) => lastKnown(s.series.rttMs, last), 'outbound');
  rtt ??= metrics ? recent(metrics.connection.rttMs) : null;
  const ongoing = health.issues.filter((i) => i.to === null);
  return {
    pcId: health.pcId,
    connectionState: states.connectionState,
    iceConnectionState: states.iceConnectionState,
    pairType,
    relayed,
    sendBitrate: sum('outbound') ?? (metrics ? recent(metrics.connection.sendBitrate) : null),
    receiveBitrate: sum('inbound') ?? (metrics ? recent(metrics.connection.receiveBitrate) : null),
    rttMs: rtt,
    lossFraction: worstLatest((s) => recent(s.direction === 'outbound' ? s.held?.lossFraction : s.series.lossFraction)),
    jitterMs: worstLatest((s) => recent(s.series.jitterMs), 'inbound'),
    score: health.currentScore,
    verdict: health.verdict,
    topIssue: ongoing.find((i) => i.severity !== 'info') ?? ongoing[0] ?? null,
    ongoing,
  };
}
