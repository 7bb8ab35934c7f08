/**
 * The live assessment of one PC: {@link assessPc} and {@link summarizePc} of the same input, asked again every few
 * seconds while the call grows. Both derive everything from the whole series, so re-doing them costs in proportion
 * to the call's length (30 ms an hour into a call, in Node). The assessor keeps what they derived instead (the
 * metrics, scores, rule states, sorted values for the summaries, the folded trace) and on the next call takes in
 * only the rows appended since: the same results as a full assessment for the same input, for the cost of the new
 * rows.
 *
 * It resumes when the input continues the previous one: the same PC, thresholds and columns object, grown by
 * appended rows (as the view store grows them) with no new object or field, and streams of the same kinds and
 * codecs. Anything else (another PC, columns replaced, a stream or data channel added, a codec switched) is assessed
 * from the start, once. The trace, the PC's summary and `now` may change freely: they enter only at the end.
 *
 * Pure: no UI or browser API.
 */
import { standardStatsView } from '../legacy-stats';
import type { StatsColumns } from '../session';
import { assessPc, endedAt, endOfObservation, pcHealth, PcScores, type AssessPcInput, type PcHealth } from './assess';
import {
  advanceMetrics, metricsContinue, metricsOf, pcHealthSummary, pcTimesOf, SeriesSummaries, startMetrics, summarizePc,
  type ConnectionMetric, type ConnectionMetrics, type MetricsTracker, type PcHealthSummary, type StreamMetric,
} from './metrics';
import { foldPcEvents, pcEventFacts, type PcEventFacts } from './pc-events';
import { emptySenderGaps, foldSessionSenderGaps, streamPauses, type SessionSenderGaps } from './paused-senders';
import { PcRules } from './rules';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './thresholds';

export interface PcAssessment {
  /**
   * Equal to `assessPc(input)`. Its series (`t`, `scores`, `metrics`, the streams' scores) are the assessor's own
   * and grow with its next calls: copy them to keep them as they are.
   */
  health: PcHealth;
  /** Equal to `summarizePc(input.columns, input.events, input.pcId, input.pc)`. */
  summary: PcHealthSummary;
  /** Rows whose assessment was taken over from the previous call (0: assessed from the start). */
  resumedRows: number;
}

export interface PcAssessor {
  assess(input: AssessPcInput): PcAssessment;
}

/** What the rows assessed so far left, for one PC's columns and thresholds. */
interface Progress {
  pcId: string;
  columns: StatsColumns;
  thresholds: HealthThresholds;
  metrics: MetricsTracker;
  /** Kind and codec of each stream, as the scores and rules were made for them. */
  streamKinds: (string | null)[];
  scores: PcScores;
  rules: PcRules;
  streamSummaries: SeriesSummaries<StreamMetric>[];
  connectionSummaries: SeriesSummaries<ConnectionMetric>;
}

const kindsOf = (metrics: ConnectionMetrics): (string | null)[] => metrics.streams.flatMap((s) => [s.kind, s.codec]);
const sameKinds = (a: (string | null)[], b: (string | null)[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** An assessor for one view of one PC at a time (a new PC or new columns start it over). */
export function createPcAssessor(): PcAssessor {
  let progress: Progress | null = null;
  let facts: PcEventFacts | null = null;
  let sessionGaps: SessionSenderGaps = emptySenderGaps();
  return {
    assess(raw) {
      // Legacy stats through their standard-shaped view, the one the charts and the header read (the same view object
      // while the columns grow).
      const input: AssessPcInput = raw.columns ? { ...raw, columns: standardStatsView(raw.columns) } : raw;
      const { pcId, columns } = input;
      facts = facts?.pcId === pcId ? foldPcEvents(facts, input.events) : pcEventFacts(input.events, pcId);
      sessionGaps = foldSessionSenderGaps(sessionGaps, input.events);
      const pauses = streamPauses(pcId, sessionGaps);
      if (!columns || columns.t.length === 0) {
        // Nothing to carry over: no rows.
        progress = null;
        return { health: assessPc(input), summary: summarizePc(columns, input.events, pcId, input.pc), resumedRows: 0 };
      }
      const thresholds = input.thresholds ?? DEFAULT_HEALTH_THRESHOLDS;
      const resumes = progress !== null && progress.pcId === pcId && progress.columns === columns && progress.thresholds === thresholds &&
        metricsContinue(progress.metrics, columns) && progress.rules.continues(columns);
      let resumedRows = resumes ? progress!.metrics.rows : 0;
      const tracker = resumes ? progress!.metrics : startMetrics(columns);
      advanceMetrics(tracker, columns);
      const metrics = metricsOf(tracker, columns);
      // Scores and rules depend on the streams' kinds and codecs, latest values that a new row may change.
      if (!resumes || !sameKinds(progress!.streamKinds, kindsOf(metrics))) {
        resumedRows = 0;
        progress = {
          pcId, columns, thresholds, metrics: tracker, streamKinds: kindsOf(metrics),
          scores: new PcScores(metrics), rules: new PcRules(pcId, columns, metrics, thresholds),
          streamSummaries: metrics.streams.map(() => new SeriesSummaries<StreamMetric>()), connectionSummaries: new SeriesSummaries<ConnectionMetric>(),
        };
      }
      const p = progress!;
      p.scores.advance(metrics, pauses);
      p.rules.advance(columns, metrics);
      metrics.streams.forEach((s, i) => p.streamSummaries[i].advance(s.series));
      p.connectionSummaries.advance(metrics.connection);
      const now = endOfObservation(input, metrics.t);
      const ended = endedAt(input);
      const health = pcHealth(pcId, metrics, p.scores, p.rules.issues({ pc: input.pc, columns, metrics, facts, pauses, now, endedAt: ended }), ended !== null);
      const summary = pcHealthSummary(
        pcId, pcTimesOf(facts, input.pc), metrics.t, input.pc,
        metrics.streams.map(({ series, ...rest }, i) => ({ ...rest, metrics: p.streamSummaries[i].summaries() })),
        p.connectionSummaries.summaries(),
      );
      return { health, summary, resumedRows };
    },
  };
}
