/**
 * Quality score and verdict of a peer connection and of a session, and the snapshot the popup and the badge show.
 *
 * Score per row: each stream with evidence gets one (audio: E-model estimated MOS as 0–100, e-model.ts; video:
 * video-score.ts), and the PC's score is the WORST stream's, because a call is as good as its worst direction (one
 * frozen video makes a bad call even if audio is perfect). "Current" = mean of the known PC scores over the last
 * {@link CURRENT_SCORE_MS} of sample time, so one odd interval does not flip it; over the PC = mean of all known
 * scores, each weighted by the sample time of its interval (polls are 100 ms to seconds apart, with gaps: a mean of
 * rows would let a burst of fast polls outweigh minutes of slow ones). An inbound stream that had packets and got
 * none for {@link DTX_GAP_MS} or more scores 0 for that interval (no media is a bad call, not a pause in the score),
 * unless another inbound stream of the PC still receives: then it was most likely paused on purpose (a camera off,
 * an SFU pausing an off-screen participant) and is not rated. Each score keeps the penalty that costs it most
 * ({@link ScoreFactor}), so a lowered score that no issue explains can say what sets it.
 *
 * Once observation ended (the PC closed or its session ended) there is no "now": no current score, the verdict is
 * the one over the whole PC, and every issue still open ended then (rules.ts). The verdict over the PC needs
 * {@link OVERALL_VERDICT_MIN_MS} of rated media, as long as a low score must hold to lower the live verdict: a PC that
 * lived a few seconds, or whose media flowed only briefly, has none ({@link NoVerdictReason}), unless a critical issue
 * (the connection failed) makes it very low whatever the media.
 *
 * The current score lowers the verdict only once it has been low (MOS < 4) or very low (MOS < 3) for
 * {@link SCORE_HOLD_MS} of sample time (domain.md §3.4, peermetrics: "for ≥ 30 s"), whatever the poll interval; a
 * shorter dip leaves it good, but a call low since its first score has no verdict until it holds (it is not called
 * good before it has been). The verdict then combines with ongoing issues: a critical one (connection failed, ICE
 * stuck) makes the PC very low, a warning at most low. Info issues (TURN in use, pair switched) do not lower it.
 *
 * Chrome's legacy ("goog") stats are assessed through their standard-shaped view (legacy-stats.ts), as the charts
 * draw them: the same metrics, scores, rules and thresholds, from the values parsed from their strings. What they
 * lack (freeze, jitter-buffer and concealment counters, receiver-report times) is missing, as for any browser without
 * it: a missing field never fires a rule.
 *
 * Pure: no UI or browser API.
 */
import type { PcSummary, SessionData, StatsColumns, TraceEvent } from '../session';
import { candidateAt, selectedPairIdsAt } from '../candidate-pairs';
import { latestStates } from '../connection-header';
import { standardStatsView } from '../legacy-stats';
import { audioQuality, codecImpairment, delayImpairment, effectiveEquipmentImpairment, mosFromScore, SCORE_GOOD, SCORE_LOW, verdictFromScore, type QualityVerdict } from './e-model';
import { connectionMetrics, type ConnectionMetrics, type HeldReport, type MetricSeries, type StreamMetrics } from './metrics';
import { NO_PAUSES, pausedAt, sourceFpsAt, tracePauses, type StreamPauses } from './paused-senders';
import { compareIssues, DTX_GAP_MS, ISSUE_TEXT, pcIssues, sessionIssues, streamLabel, type HealthIssue, type IssueSeverity } from './rules';
import { CURRENT_SCORE_MS, DEFAULT_HEALTH_THRESHOLDS, OVERALL_VERDICT_MIN_MS, SCORE_CLEAR_MS, SCORE_HOLD_MS, type HealthThresholds } from './thresholds';
import { TrailingWindow } from './trailing-window';
import { bitsPerPixel, DEFAULT_TARGET_FPS, videoQuality } from './video-score';

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
 * stream's), their running mean weighted by sample time, their mean over the last {@link CURRENT_SCORE_MS} and how
 * long that has been low or very low ({@link ScoreHold}). An audio row is rated with the
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
  /** Sample time of the latest row, and of the latest row that had a score (a stream rated). */
  private lastRowT: number | null = null;
  private lastRatedT: number | null = null;
  /** Σ score × interval (ms) and Σ interval over the rows with a known PC score. */
  private knownWeighted = 0;
  private knownMs = 0;
  private readonly current = new TrailingWindow(CURRENT_SCORE_MS);
  /** Worst verdict first. */
  private readonly holds = [new ScoreHold(SCORE_LOW, 'very-low'), new ScoreHold(SCORE_GOOD, 'low')];
  /**
   * Whether the current score has been good at some row. Until then a low score that has not held long enough is
   * no verdict yet, not "good": the hold keeps a dip of a good call from lowering it, but a call that has been bad
   * since its first score has shown nothing good to keep.
   */
  private sawGood = false;
  /** Per inbound stream: sample time of the end of its last interval with packets (null: none yet). */
  private readonly lastPacketT: (number | null)[];
  /** What set the PC's score at its latest known row, and per stream what lowered its scores over the PC. */
  private latestFactor: { stream: StreamMetrics; factor: RowFactor | null; score: number } | null = null;
  private readonly factorSums: FactorSums[];

  constructor(metrics: ConnectionMetrics) {
    this.streamSeries = metrics.streams.map(() => []);
    this.lastRtt = metrics.streams.map(() => null);
    this.lastPacketT = metrics.streams.map(() => null);
    this.factorSums = metrics.streams.map(() => ({ scoreSum: 0, ms: 0, factors: {} }));
  }

  /**
   * Folds the rows of `metrics` (the same PC's, grown) after those folded before. `pauses`: the streams' senders
   * left without a track on purpose (paused-senders.ts): the PC's own outbound streams, and inbound ones that
   * another PC of the session sends. Their rows within a pause are not rated (Firefox sends black frames at 1 fps
   * then, Chromium nothing: a pause, not a bad call). A live trace knows each pause before the rows in it.
   */
  advance(m: ConnectionMetrics, pauses: StreamPauses = NO_PAUSES): void {
    const streamPauses = m.streams.map((s) => pauses.of(s));
    const sourceRates = m.streams.map((s) => (s.kind === 'video' ? pauses.sourceRatesOf(s) : []));
    const outbound = m.streams.flatMap((s, i) => (s.direction === 'outbound' ? [i] : []));
    for (let row = this.rows; row < m.t.length; row++) {
      for (const i of outbound) this.lastRtt[i] = m.streams[i].series.rttMs?.[row] ?? this.lastRtt[i];
      this.lastPairRtt = m.connection.rttMs[row] ?? this.lastPairRtt;
      // Inbound streams that had packets and got none for a second or more (DTX_GAP_MS: a silent speaker's DTX
      // packets come 400 ms apart) in this row's interval are without media; the others with packets receive.
      const t = m.t[row];
      const dry: boolean[] = [];
      let othersReceive = 0;
      for (let i = 0; i < m.streams.length; i++) {
        const s = m.streams[i];
        if (s.direction !== 'inbound') continue;
        const packets = s.series.packetRate?.[row] ?? null;
        if (packets !== null && packets > 0) this.lastPacketT[i] = t;
        const last = this.lastPacketT[i];
        dry[i] = packets === 0 && last !== null && t - last >= DTX_GAP_MS;
        if (last !== null && t - last < DTX_GAP_MS) othersReceive++;
      }
      let worst: number | null = null;
      let worstAt: { stream: StreamMetrics; factor: RowFactor | null; score: number } | null = null;
      // A row's score is that of the interval since the previous row: it counts for that long.
      const ms = row > 0 ? t - m.t[row - 1] : 0;
      for (let i = 0; i < m.streams.length; i++) {
        const s = m.streams[i];
        let rated: RatedRow | null;
        if (streamPauses[i].length > 0 && pausedAt(streamPauses[i], t)) {
          rated = null;
        } else if (dry[i]) {
          // No media where it came before: a bad interval, unless another inbound stream still receives (a stream
          // paused on purpose, by the sender or an SFU, says nothing of the call's quality: not rated).
          rated = othersReceive > 0 ? null : { score: 0, factor: { key: 'no-packets', penalty: 100, values: { seconds: (t - this.lastPacketT[i]!) / 1000 } } };
        } else {
          // RTT: the stream's own (outbound, from receiver reports) else any outbound stream's, else the pair's.
          let rtt = s.direction === 'outbound' ? this.lastRtt[i] : null;
          for (const o of outbound) rtt ??= this.lastRtt[o];
          rtt ??= this.lastPairRtt;
          rated = rateStreamAt(s, row, rtt, sourceFpsAt(sourceRates[i], t));
        }
        const v = rated?.score ?? null;
        this.streamSeries[i].push(v);
        if (rated === null || v === null) continue;
        addFactor(this.factorSums[i], rated, ms);
        if (worst === null || v < worst) {
          worst = v;
          worstAt = { stream: s, factor: rated.factor, score: v };
        }
      }
      this.scores.push(worst);
      this.lastRowT = t;
      if (worst === null) continue;
      this.lastRatedT = t;
      this.latestFactor = worstAt;
      if (ms > 0) {
        this.knownWeighted += worst * ms;
        this.knownMs += ms;
      }
      this.current.push(worst, ms);
      const current = this.current.mean();
      if (current !== null) {
        for (const hold of this.holds) hold.push(current, ms);
        if (current >= SCORE_GOOD) this.sawGood = true;
      }
    }
    this.rows = m.t.length;
  }

  /**
   * Mean of the known PC scores over the last {@link CURRENT_SCORE_MS} of sample time; null once no row of that long
   * had one (every stream paused by the page, or its peer closed: a score from before would read as the call's now).
   * The verdict ({@link scoreVerdict}) keeps what it was.
   */
  currentScore(): number | null {
    if (this.lastRatedT === null || this.lastRowT === null || this.lastRowT - this.lastRatedT >= CURRENT_SCORE_MS) return null;
    return this.current.mean();
  }

  /**
   * The verdict the current score gives: very low or low once it has held for {@link SCORE_HOLD_MS}, else good
   * (a shorter dip is not a verdict yet) if it has been good at all; null without a known score, or while a call
   * that has not been good yet is low for less than the hold.
   */
  scoreVerdict(): QualityVerdict | null {
    // While nothing is rated (all paused) the verdict stays what it was: a pause is not a worse call.
    if (this.current.mean() === null) return null;
    for (const hold of this.holds) if (hold.holds()) return hold.verdict;
    return this.sawGood ? 'good' : null;
  }

  /** Mean of all known PC scores, each weighted by its interval; null without any. */
  averageScore(): number | null {
    return this.knownMs > 0 ? this.knownWeighted / this.knownMs : null;
  }

  /** Sample time of rated media: the intervals of the rows with a known PC score, ms. */
  mediaMs(): number {
    return this.knownMs;
  }

  /** What set the PC's score at its latest row with one (its worst stream there, and that stream's largest penalty). */
  currentFactor(): ScoreFactor | null {
    const at = this.latestFactor;
    return at && factorOf(at.stream, at.factor, at.score);
  }

  /**
   * What lowered the PC's scores over the whole of it: the stream with the lowest mean score, and its penalty with
   * the largest sum, with the mean of that penalty's measures over the rows it was computed for (all weighted by
   * sample time, as the average score is).
   */
  overallFactor(m: ConnectionMetrics): ScoreFactor | null {
    let worst = -1;
    for (let i = 0; i < this.factorSums.length; i++) {
      const f = this.factorSums[i];
      if (f.ms <= 0) continue;
      if (worst < 0 || f.scoreSum / f.ms < this.factorSums[worst].scoreSum / this.factorSums[worst].ms) worst = i;
    }
    if (worst < 0) return null;
    const sums = this.factorSums[worst];
    let key: string | null = null;
    for (const k in sums.factors) if (key === null || sums.factors[k].penalty > sums.factors[key].penalty) key = k;
    if (key === null) return null;
    const f = sums.factors[key];
    const values: Record<string, number> = {};
    for (const name in f.values) values[name] = f.values[name] / f.ms;
    return factorOf(m.streams[worst], { key: key as FactorKey, penalty: f.penalty / f.ms, values }, sums.scoreSum / sums.ms);
  }
}

// ─── what sets a score ──────────────────────────────────────────────────────────────────────────────────────────

/** The penalties a stream score is made of (video-score.ts, e-model.ts), and no media. */
export type FactorKey = 'fps' | 'resolution' | 'freeze' | 'bpp' | 'delay' | 'loss' | 'no-packets';

/** One row's largest penalty of a stream, with the measures it comes from. */
interface RowFactor {
  key: FactorKey;
  /** In the score's own points (video) or R points (audio): compared only within one stream. */
  penalty: number;
  values: Record<string, number>;
}

interface RatedRow {
  score: number | null;
  /** The largest penalty of the row; null when nothing lowered it. */
  factor: RowFactor | null;
}

/**
 * Per stream over the rows it was rated: its scores, and per penalty the sums of the penalty and its measures, each
 * weighted by its row's interval (`ms`: the sum of those intervals).
 */
interface FactorSums {
  scoreSum: number;
  ms: number;
  factors: Record<string, { penalty: number; ms: number; values: Record<string, number> }>;
}

/** Adds a row rated over an interval of `ms` (a row without a positive interval weighs nothing). */
function addFactor(sums: FactorSums, rated: RatedRow, ms: number): void {
  if (rated.score === null || !(ms > 0)) return;
  sums.scoreSum += rated.score * ms;
  sums.ms += ms;
  const f = rated.factor;
  if (!f) return;
  const into = (sums.factors[f.key] ??= { penalty: 0, ms: 0, values: {} });
  into.penalty += f.penalty * ms;
  into.ms += ms;
  for (const name in f.values) into.values[name] = (into.values[name] ?? 0) + f.values[name] * ms;
}

/** What sets a score: the stream, and the factor that costs it most, in words. */
export interface ScoreFactor {
  statsId: string;
  /** {@link streamLabel}: "inbound video (ssrc 1234)". */
  stream: string;
  key: FactorKey;
  /** The stream's score (0–100) there. */
  score: number;
  /** The factor in a few words: "frame rate 15 fps", "estimated MOS 3.9 (one-way delay ≈ 240 ms, jitter buffer 210 ms)". */
  text: string;
}

const roundTo = (v: number, digits = 0) => {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
};

function factorOf(s: StreamMetrics, f: RowFactor | null, score: number): ScoreFactor | null {
  if (!f) return null;
  const v = f.values;
  const mos = mosFromScore(score).toFixed(1);
  let text: string;
  switch (f.key) {
    case 'fps':
      text = `frame rate ${roundTo(v.fps, 1)} fps (of ${roundTo(v.target)})`;
      break;
    case 'resolution':
      text = `resolution ${Math.round(v.height)}p`;
      break;
    case 'freeze':
      text = `frozen ${roundTo(100 * v.ratio)} % of the time`;
      break;
    case 'bpp':
      text = `${roundTo(v.bpp, 3)} bits per pixel (${roundTo(v.kbps)} kbit/s)`;
      break;
    case 'delay':
      text = `estimated MOS ${mos} (one-way delay ≈ ${Math.round(v.delayMs)} ms${v.bufferMs !== undefined ? `, jitter buffer ${Math.round(v.bufferMs)} ms` : ''})`;
      break;
    case 'loss':
      text = `estimated MOS ${mos} (packet loss ${roundTo(v.lossPercent, 1)} %)`;
      break;
    case 'no-packets':
      text = `no packets for ${roundTo(v.seconds, 1)} s`;
      break;
  }
  return { statsId: s.statsId, stream: streamLabel(s), key: f.key, score, text };
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
export function streamScoreAt(s: StreamMetrics, row: number, rtt: number | null): number | null {
  return rateStreamAt(s, row, rtt, null)?.score ?? null;
}

/**
 * {@link streamScoreAt} with the penalty that costs the row most; null where the stream has no evidence.
 * `tracedSourceFps`: the capture rate the session's trace gives the stream's source (paused-senders.ts
 * {@link SourceRate}), for a stream whose stats have none (every inbound stream; Firefox's outbound ones).
 */
function rateStreamAt(s: StreamMetrics, row: number, rtt: number | null, tracedSourceFps: number | null): RatedRow | null {
  const at = (name: keyof StreamMetrics['series']) => s.series[name]?.[row] ?? null;
  const bitrate = at('bitrate');
  if (s.kind === 'audio') {
    // Only intervals where media flowed: a muted or not-yet-started stream has nothing to rate.
    if (bitrate === null || bitrate <= 0) return null;
    const inbound = s.direction === 'inbound';
    // Outbound: the last receiver report's loss and jitter, held over the rows between reports.
    const held = (name: keyof HeldReport) => s.held?.[name][row] ?? null;
    const input = {
      rttMs: rtt,
      lossFraction: inbound ? at('lossFraction') : held('lossFraction'),
      jitterBufferDelayMs: inbound ? at('jitterBufferDelayMs') : null,
      jitterMs: inbound ? at('jitterMs') : held('remoteJitterMs'),
      codec: s.codec,
    };
    const q = audioQuality(input);
    // Which impairment costs more R: the delay's, or the loss's (beyond the codec's own).
    const codec = codecImpairment(s.codec);
    const lossPercent = 100 * Math.min(1, Math.max(0, input.lossFraction ?? 0));
    const byDelay = delayImpairment(q.delayMs);
    const byLoss = effectiveEquipmentImpairment(lossPercent, codec) - codec.ie;
    const factor: RowFactor = byLoss > byDelay
      ? { key: 'loss', penalty: byLoss, values: { lossPercent } }
      : { key: 'delay', penalty: byDelay, values: input.jitterBufferDelayMs !== null ? { delayMs: q.delayMs, bufferMs: input.jitterBufferDelayMs } : { delayMs: q.delayMs } };
    return { score: q.score, factor };
  }
  if (s.kind !== 'video') return null;
  const fps = at('fps');
  const packets = at('packetRate');
  // Inbound: rate while packets arrive (frozen video still gets them). Outbound: while it sends.
  if (s.direction === 'inbound' ? packets === null || packets <= 0 : bitrate === null || bitrate <= 0) return null;
  const width = at('frameWidth');
  const height = at('frameHeight');
  const measuredSourceFps = s.direction === 'outbound' ? at('sourceFps') : null;
  const sourceFps = measuredSourceFps !== null && measuredSourceFps > 0 ? measuredSourceFps : tracedSourceFps;
  const freezeRatio = s.direction === 'inbound' ? at('freezeRatio') : null;
  const bpp = bitsPerPixel(bitrate, width, height, fps);
  const q = videoQuality({ fps, sourceFps, width, height, freezeRatio, bitsPerPixel: bpp });
  if (q.score === null) return null;
  const p = q.penalties;
  const candidates: RowFactor[] = [
    { key: 'fps', penalty: p.fps, values: { fps: fps ?? 0, target: sourceFps !== null && sourceFps > 0 ? sourceFps : DEFAULT_TARGET_FPS } },
    { key: 'resolution', penalty: p.resolution, values: { height: height ?? 0 } },
    { key: 'freeze', penalty: p.freeze, values: { ratio: freezeRatio ?? 0 } },
    { key: 'bpp', penalty: p.bpp, values: { bpp: bpp ?? 0, kbps: (bitrate ?? 0) / 1000 } },
  ];
  let factor: RowFactor | null = null;
  for (const c of candidates) if (c.penalty > 0 && (factor === null || c.penalty > factor.penalty)) factor = c;
  return { score: q.score, factor };
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
  /**
   * Whether observation ended (the PC closed, or its session ended): there is no "now" any more, so
   * `currentScore` is null, `verdict` is `overallVerdict` and no issue is ongoing.
   */
  ended: boolean;
  /** Mean over the last {@link CURRENT_SCORE_MS} of sample time; null without media, and once ended. */
  currentScore: number | null;
  /**
   * Mean over the whole PC, each score weighted by its interval's sample time; null without media. Over less than
   * {@link OVERALL_VERDICT_MIN_MS} of media ({@link noVerdict}) it is a measure of those few seconds, not a verdict.
   */
  averageScore: number | null;
  /** Sample time of rated media (the intervals the PC's scores cover), ms. */
  mediaMs: number;
  /**
   * Current verdict: the score's once it held for {@link SCORE_HOLD_MS} (else good), worsened by ongoing issues;
   * once ended, the overall verdict.
   */
  verdict: QualityVerdict | null;
  /**
   * What sets the score shown: the worst stream at the latest row and its largest penalty (once ended, the stream
   * with the lowest mean score over the PC and its largest penalty on average); null without a score or a penalty.
   */
  scoreFactor: ScoreFactor | null;
  /**
   * Over the whole PC: the average score's once it covers {@link OVERALL_VERDICT_MIN_MS} of media, worsened by any
   * critical issue that happened (a failed connection is very low however little media it carried); else null.
   */
  overallVerdict: QualityVerdict | null;
  /** Why {@link overallVerdict} is null; null when there is one. */
  noVerdict: NoVerdictReason | null;
  /** Most important first (compareIssues). */
  issues: HealthIssue[];
}

/**
 * Why there is no verdict over a PC or a session: no media was rated at all (no stream carried any, a data-channel
 * only PC, no stats), or less than {@link OVERALL_VERDICT_MIN_MS} of it (a PC that lived a few seconds, media that
 * flowed only briefly).
 */
export type NoVerdictReason = 'no-media' | 'too-little-media';

/** Why a verdict is missing, given the average score of the media rated (null: none was). */
const noVerdictReason = (averageScore: number | null): NoVerdictReason => (averageScore === null ? 'no-media' : 'too-little-media');

export interface AssessPcInput {
  pcId: string;
  pc?: PcSummary;
  columns: StatsColumns | undefined;
  events: readonly TraceEvent[];
  thresholds?: HealthThresholds;
  /** End of observation (epoch ms); default: the PC's close, else its last sample. */
  now?: number;
  /**
   * When the PC's session ended (epoch ms), if it did: a PC that never closed is no longer observed either, and is
   * assessed as closed then.
   */
  sessionEndedAt?: number | null;
}

/** When observation of the PC ended for good: its close, else its session's end; null while it is live. */
export function endedAt(input: Pick<AssessPcInput, 'pc' | 'sessionEndedAt'>): number | null {
  return input.pc?.closedAt ?? input.sessionEndedAt ?? null;
}

/** Whether stats object `id` is in any of rows `from`…`to` (without columns: assumed so). */
function presentWithin(columns: StatsColumns | undefined, id: string, from: number, to: number): boolean {
  if (!columns) return true;
  const type = Object.prototype.hasOwnProperty.call(columns.objects, id) ? columns.objects[id].fields.type : undefined;
  if (!type) return false;
  for (let row = from; row <= to; row++) if (type[row] != null) return true;
  return false;
}

/** Score, verdicts and issues of one PC (legacy stats through their standard-shaped view). */
export function assessPc(input: AssessPcInput): PcHealth {
  const columns = input.columns && standardStatsView(input.columns);
  const metrics = columns && columns.t.length > 0 ? connectionMetrics(columns) : null;
  const now = endOfObservation(input, metrics?.t ?? []);
  const ended = endedAt(input);
  const pauses = tracePauses(input.pcId, input.events);
  const issues = pcIssues({ pcId: input.pcId, pc: input.pc, columns, metrics, events: input.events, thresholds: input.thresholds ?? DEFAULT_HEALTH_THRESHOLDS, now, endedAt: ended }, undefined, pauses);
  let scores: PcScores | null = null;
  if (metrics) {
    scores = new PcScores(metrics);
    scores.advance(metrics, pauses);
  }
  return pcHealth(input.pcId, metrics, scores, issues, ended !== null);
}

/** The `now` of an assessment: given, else the PC's close, else its last sample (samples `t`), else its creation. */
export function endOfObservation(input: AssessPcInput, t: readonly number[]): number {
  return input.now ?? input.pc?.closedAt ?? (t.length > 0 ? t[t.length - 1] : input.pc?.createdAt ?? 0);
}

/** The health of a PC from its metrics, their scores and its issues. */
export function pcHealth(pcId: string, metrics: ConnectionMetrics | null, scores: PcScores | null, issues: HealthIssue[], ended = false): PcHealth {
  const streams: StreamScore[] = scores && metrics
    ? metrics.streams.map((s, i) => ({ statsId: s.statsId, kind: s.kind, direction: s.direction, series: scores.streamSeries[i] }))
    : [];
  const currentScore = ended ? null : scores?.currentScore() ?? null;
  const averageScore = scores?.averageScore() ?? null;
  const mediaMs = scores?.mediaMs() ?? 0;
  let verdict = scores?.scoreVerdict() ?? null;
  let overallVerdict = averageScore !== null && mediaMs >= OVERALL_VERDICT_MIN_MS ? verdictFromScore(averageScore) : null;
  for (const issue of issues) {
    const v = SEVERITY_VERDICT[issue.severity];
    if (issue.to === null) verdict = worseVerdict(verdict, v);
    if (issue.severity === 'critical') overallVerdict = worseVerdict(overallVerdict, v);
  }
  if (ended) verdict = overallVerdict;
  const noVerdict = overallVerdict === null ? noVerdictReason(averageScore) : null;
  const scoreFactor = !scores || !metrics ? null : ended ? scores.overallFactor(metrics) : currentScore === null ? null : scores.currentFactor();
  return {
    pcId, metrics, t: metrics?.t ?? [], scores: scores?.scores ?? [], streams, ended, currentScore, averageScore, mediaMs, verdict, overallVerdict,
    noVerdict, scoreFactor, issues,
  };
}

/**
 * Whether `health`'s verdict or score is lowered with no issue to say why: its verdict is not good, or its score
 * (the current one, else the average once ended) is below {@link EXPLAIN_BELOW}, and no warning or critical issue
 * (an ongoing one while live) is there. The views then say what sets the score ({@link PcHealth.scoreFactor}).
 */
export function unexplainedScore(health: Pick<PcHealth, 'ended' | 'verdict' | 'currentScore' | 'averageScore' | 'issues'>): boolean {
  const score = health.ended ? health.averageScore : health.currentScore;
  const lowered = (health.verdict !== null && health.verdict !== 'good') || (score !== null && score < EXPLAIN_BELOW);
  return lowered && !health.issues.some((i) => i.severity !== 'info' && (health.ended || i.to === null));
}

/** A score below this is worth a word on what sets it, even when good (a healthy loopback call scores 95 or more). */
export const EXPLAIN_BELOW = 90;

/**
 * The issues that alone give a PC's verdict when no media was ever rated on it (no score now, none over the call):
 * an offer never answered, ICE stuck in checking, a connection that failed before any media. Their verdict is no
 * measure of quality, and "Low quality" over a call that never carried media misleads: the views name these issues in
 * its place. Once ended, the critical ones (they alone make the verdict over the call); while live, the ongoing ones
 * whose severity gives the verdict. Empty when media was rated, or there is no verdict.
 */
export function verdictWithoutMediaFrom(health: Pick<PcHealth, 'ended' | 'verdict' | 'overallVerdict' | 'currentScore' | 'averageScore' | 'issues'>): HealthIssue[] {
  const verdict = health.verdict ?? health.overallVerdict;
  if (verdict === null || health.currentScore !== null || health.averageScore !== null) return [];
  return issuesGiving(health, verdict);
}

/**
 * The issues whose severity gives `verdict`: once ended, the critical ones (they alone make the verdict over the
 * call); while live, the ongoing ones.
 */
function issuesGiving(health: Pick<PcHealth, 'ended' | 'issues'>, verdict: QualityVerdict): HealthIssue[] {
  return health.issues.filter((i) => SEVERITY_VERDICT[i.severity] === verdict && (health.ended ? i.severity === 'critical' : i.to === null));
}

/** {@link verdictWithoutMediaFrom}'s issues as the views name them ("Offer not answered"), or null when there are none. */
export function verdictWithoutMediaText(health: Parameters<typeof verdictWithoutMediaFrom>[0]): string | null {
  const issues = verdictWithoutMediaFrom(health);
  return issues.length === 0 ? null : [...new Set(issues.map((i) => ISSUE_TEXT[i.rule].title))].join(', ');
}

/**
 * The issues that make a PC's verdict worse than its score says, worst first: "Very low quality · over the call
 * 96/100" after a connection failure reads as a contradiction unless the failure is named beside it. Once ended,
 * the critical issues (they alone lower the verdict over the call); while live, the ongoing warning or critical
 * ones whose severity gives the verdict. Empty when the score alone gives the verdict, or there is no score.
 */
export function verdictLoweredBy(health: Pick<PcHealth, 'ended' | 'verdict' | 'overallVerdict' | 'currentScore' | 'averageScore' | 'issues'>): HealthIssue[] {
  const verdict = health.verdict ?? health.overallVerdict;
  const score = health.ended ? health.averageScore : health.currentScore ?? health.averageScore;
  if (verdict === null || score === null || VERDICT_ORDER[verdict] <= VERDICT_ORDER[verdictFromScore(score)]) return [];
  return issuesGiving(health, verdict);
}

export interface SessionHealth {
  sessionId: string;
  pcs: PcHealth[];
  /** Session-wide issues (getUserMedia) and every PC's, most important first. */
  issues: HealthIssue[];
  /** Mean of the PCs' average scores, each weighted by its media time ({@link PcHealth.mediaMs}); null without media. */
  averageScore: number | null;
  /**
   * Worst of the PCs' overall verdicts (and low if getUserMedia failed without any PC); null when no PC has one. So
   * a null verdict with an average score means media flowed, but on no PC for {@link OVERALL_VERDICT_MIN_MS}.
   */
  verdict: QualityVerdict | null;
  /** Why {@link verdict} is null; null when there is one. */
  noVerdict: NoVerdictReason | null;
}

/** Assessment of a whole stored session (the viewer, the post-call summary, the popup's recent sessions). */
export function assessSession(data: SessionData, thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS): SessionHealth {
  const pcs = data.pcs.map((pc) =>
    assessPc({
      pcId: pc.pcId, pc, columns: data.stats[pc.pcId], events: data.events, thresholds,
      now: pc.closedAt ?? data.session.endedAt ?? data.session.lastActivityAt, sessionEndedAt: data.session.endedAt,
    }),
  );
  const issues = [...sessionIssues(data.events), ...pcs.flatMap((p) => p.issues)].sort(compareIssues);
  let weighted = 0;
  let mediaMs = 0;
  for (const p of pcs) {
    if (p.averageScore === null) continue;
    weighted += p.averageScore * p.mediaMs;
    mediaMs += p.mediaMs;
  }
  const averageScore = mediaMs > 0 ? weighted / mediaMs : null;
  let verdict: QualityVerdict | null = null;
  for (const p of pcs) verdict = worseVerdict(verdict, p.overallVerdict);
  // A failed camera or microphone request is what went wrong with a call that got no verdict (no media, or too
  // little); a call that ran is judged by its media, the failure listed among its issues (QA: a failed request
  // before a good call read "Low quality" once the page was left, "Good" while it was open).
  if (verdict === null && issues.some((i) => i.rule === 'getusermedia-failed')) verdict = 'low';
  const noVerdict = verdict === null ? noVerdictReason(averageScore) : null;
  return { sessionId: data.session.id, pcs, issues, averageScore, verdict, noVerdict };
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
   * Sent and received bit/s of the latest interval, both by one definition ({@link bitrateSource}): on the selected
   * candidate pair(s) (the transport's total: media with its headers, RTCP, data channels, STUN), whatever streams
   * there are; only for a PC whose pair has no byte counts in the last rows (no pair yet, a browser without them),
   * the RTP payload of its streams.
   */
  sendBitrate: number | null;
  receiveBitrate: number | null;
  bitrateSource: 'transport' | 'rtp';
  /**
   * Latest values (of the last {@link GLANCE_ROWS} rows) of the streams present there, the worst stream's: ms and
   * fraction 0–1. An outbound stream's loss and jitter as its last receiver report gave them, its RTT the last
   * measured; an inbound stream's jitter only when packets arrived in its latest interval (without packets the
   * reported jitter is stale).
   */
  rttMs: number | null;
  lossFraction: number | null;
  jitterMs: number | null;
  score: number | null;
  verdict: QualityVerdict | null;
  /**
   * In place of the verdict's words when no media was ever rated and the verdict comes from issues alone
   * ({@link verdictWithoutMediaText}: "Offer not answered"); else null.
   */
  verdictText: string | null;
  /** What sets the score, when the verdict or score is lowered and no issue says why ({@link unexplainedScore}). */
  scoreFactor: string | null;
  /** The most important ongoing issue, else null. */
  topIssue: HealthIssue | null;
  /** Ongoing issues (to === null), most important first. */
  ongoing: HealthIssue[];
}

/** What the popup shows per live PC: states, path, the latest numbers and the verdict with its top issue. */
export function pcGlance(health: PcHealth, raw: StatsColumns | undefined, events: readonly TraceEvent[], pc?: PcSummary): PcGlance {
  // The columns the assessment read (legacy stats as standard ones).
  const columns = raw && standardStatsView(raw);
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
  const transport = metrics !== null && (recent(metrics.connection.sendBitrate) !== null || recent(metrics.connection.receiveBitrate) !== null);
  /** An inbound stream's jitter of its latest known interval, if packets arrived in it. */
  const inboundJitter = (s: StreamMetrics): number | null => {
    const packets = s.series.packetRate;
    for (let row = last; row >= from; row--) {
      const p = packets?.[row] ?? null;
      if (p === null) continue;
      return p > 0 ? s.series.jitterMs?.[row] ?? null : null;
    }
    return null;
  };
  /**
   * An outbound stream's held value of the peer's last report, while it still sends: a stopped sender gets no more
   * reports, and its last one would stand as now (QA: "Jitter 2 ms" a minute after the sender stopped).
   */
  const heldWhileSending = (s: StreamMetrics, held: MetricSeries | undefined): number | null => ((recent(s.series.packetRate) ?? 0) > 0 ? recent(held) : null);
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
    sendBitrate: transport ? recent(metrics!.connection.sendBitrate) : sum('outbound'),
    receiveBitrate: transport ? recent(metrics!.connection.receiveBitrate) : sum('inbound'),
    bitrateSource: transport ? 'transport' : 'rtp',
    rttMs: rtt,
    lossFraction: worstLatest((s) => (s.direction === 'outbound' ? heldWhileSending(s, s.held?.lossFraction) : recent(s.series.lossFraction))),
    jitterMs: worstLatest((s) => (s.direction === 'outbound' ? heldWhileSending(s, s.held?.remoteJitterMs) : inboundJitter(s))),
    score: health.currentScore,
    verdict: health.verdict,
    verdictText: verdictWithoutMediaText(health),
    scoreFactor: health.scoreFactor && unexplainedScore(health) ? `${health.scoreFactor.stream}: ${health.scoreFactor.text}` : null,
    topIssue: ongoing.find((i) => i.severity !== 'info') ?? ongoing[0] ?? null,
    ongoing,
  };
}
