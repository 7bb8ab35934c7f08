/**
 * The panel's findings for one peer connection, next to its charts: the verdict and score (now and over the
 * call), every issue the rules found with its time span, evidence and advice, and the post-call summary of each
 * stream (average, min, max, p95 of the metrics the seeds' analytics expose) with setup time and duration. A PC
 * that ended with too little media for a verdict over the call says so, and how much it had, instead of one.
 *
 * A live PC re-assesses every {@link LIVE_INTERVAL_MS} (and not while off screen): findings are about seconds-long
 * spans, a per-sample refresh would only cost. The view's assessor (lib/model/health/pc-assessor.ts) keeps what it
 * derived and takes in only the rows appended since, so a live step costs the same an hour into a call as a minute
 * in. The first assessment, over the whole series, runs after the frame that shows the page (charts first); later
 * ones in the render of the update, with the other views.
 */
import { useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { unexplainedScore, verdictLoweredBy, verdictWithoutMediaText, type PcHealth } from '../../lib/model/health/assess';
import type { MetricSummary, PcHealthSummary, StreamMetric } from '../../lib/model/health/metrics';
import { createPcAssessor } from '../../lib/model/health/pc-assessor';
import { adviceApplies, ISSUE_TEXT, type HealthIssue } from '../../lib/model/health/rules';
import { CURRENT_SCORE_MS, type HealthThresholds } from '../../lib/model/health/thresholds';
import { hasLegacyStats } from '../../lib/model/legacy-stats';
import type { SessionData } from '../../lib/model/session';
import type { StatsFeed } from '../../lib/views/stats-feed';
import { formatElapsed, formatSince } from '../connection/format';
import { LIVE_VALUES_INTERVAL_MS, useFeedVersion } from '../connection/use-feed-version';
import { sharedFrameLoop } from '../charts/frame-loop';
import { LazyDetails } from '../connection/LazyDetails';
import { LiveText } from '../connection/LiveText';
import { evidenceText, NO_VERDICT_TEXT, noVerdictReasonText, verdictText } from './health-text';
import { ThresholdsContext } from './thresholds-context';
import './health.css';

/**
 * A multiple of the other latest-value views' step (LIVE_VALUES_INTERVAL_MS, 2 s), as are longer intervals: the
 * assessment's render then falls on a sample whose task and frame the other views and the legends update in anyway,
 * never on a frame of its own.
 */
export const LIVE_INTERVAL_MS = 4000;
/** At most this many new rows are a live step, assessed in the render; more (a PC's stored stats arriving) wait. */
const LIVE_STEP_ROWS = 10;

/** The longest wait between two live re-assessments (ms). */
const LIVE_INTERVAL_MAX_MS = 120_000;

/**
 * The live re-assessment interval after an assessment that took `ms`: at least 4 s, and long enough that assessing
 * takes at most a quarter of a percent of the time (400 × `ms`), in whole 2 s steps; at most 2 minutes. A live step
 * takes in only the new rows (measured in Node: 0.04 ms at any length of call), so this is 4 s. An assessment that
 * starts over runs over the whole call (1.7 ms for a minute of a sending PC, 30 ms for an hour): after one, the next
 * waits longer (12 s an hour in), so a page whose stats keep changing shape (a new stream, a new remote report
 * object) cannot make that cost recur every 4 s.
 */
export function liveInterval(ms: number): number {
  const step = LIVE_VALUES_INTERVAL_MS;
  return Math.min(LIVE_INTERVAL_MAX_MS, Math.max(LIVE_INTERVAL_MS, Math.ceil((400 * ms) / step) * step));
}

interface Assessed {
  pcId: string;
  columns: SessionData['stats'][string] | undefined;
  rows: number;
  health: PcHealth;
  summary: PcHealthSummary;
  /** How long the assessment took. */
  ms: number;
}

export interface PcHealthViewProps {
  data: SessionData;
  pcId: string;
  feed: StatsFeed;
  /** Default: the app's (ThresholdsContext, from the settings). */
  thresholds?: HealthThresholds;
}

/** Summary rows: metric, label, unit, scale from the metric's unit. */
const SUMMARY_ROWS: [StreamMetric, string, string, number][] = [
  ['bitrate', 'Bitrate', 'kbit/s', 1 / 1000],
  ['packetRate', 'Packets', '/s', 1],
  ['lossFraction', 'Packet loss', '%', 100],
  ['jitterMs', 'Jitter', 'ms', 1],
  // One value per receiver report (the remote object holds it between reports), as the rules count it.
  ['remoteJitterMs', 'Jitter at receiver', 'ms per report', 1],
  ['rttMs', 'RTT', 'ms', 1],
  ['fps', 'Frames', '/s', 1],
  ['freezeDurationMs', 'Frozen', 'ms per interval', 1],
  ['decodeMsPerFrame', 'Decode time', 'ms/frame', 1],
  ['encodeMsPerFrame', 'Encode time', 'ms/frame', 1],
  ['qpPerFrame', 'QP', 'per frame', 1],
  ['jitterBufferDelayMs', 'Jitter buffer delay', 'ms', 1],
];

const fixed = (v: number) => (Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(Math.abs(v) >= 10 ? 1 : 2));

function span(issue: HealthIssue, origin: number): string {
  const from = formatSince(issue.from - origin);
  if (issue.to === null) return `since ${from}`;
  const to = formatSince(issue.to - origin);
  // One moment, or two within the shown millisecond (QA: "+39.960 s – +39.960 s (0 s)").
  if (to === from) return `at ${from}`;
  return `${from} – ${to} (${formatElapsed(issue.to - issue.from)})`;
}

function IssueList({ health, origin }: { health: PcHealth; origin: number }) {
  if (health.issues.length === 0) return <p class="health-none">No issue found.</p>;
  return (
    <ul class="health-issues" aria-label="Issues">
      {health.issues.map((issue, i) => (
        <li key={i} class={`health-issue severity-${issue.severity}${issue.to === null ? ' ongoing' : ''}`} data-rule={issue.rule}>
          <span class="health-issue__severity">{issue.severity}</span>{' '}
          <strong>{ISSUE_TEXT[issue.rule].title}</strong> <span class="health-muted">({issue.subject})</span>{' '}
          <span class="health-issue__span">{span(issue, origin)}</span>
          <div class="health-issue__evidence">{evidenceText(issue)}</div>
          {issue.evidence.note ? <div class="health-issue__note">{issue.evidence.note}</div> : null}
          {!adviceApplies(issue.evidence) ? null : <div class="health-issue__advice health-muted">{ISSUE_TEXT[issue.rule].advice}</div>}
        </li>
      ))}
    </ul>
  );
}

function SummaryTable({ summary }: { summary: PcHealthSummary }) {
  const cell = (m: MetricSummary | undefined, key: keyof MetricSummary, scale: number) => (m ? fixed(m[key] * scale) : '–');
  return (
    <LazyDetails
      class="health-summary"
      summary={
        <>
          {`Summary: setup ${summary.setupTimeMs === null ? '–' : `${Math.round(summary.setupTimeMs)} ms`}, ${summary.streams.length} stream${summary.streams.length === 1 ? '' : 's'}, duration `}
          <LiveText chars={11}>{formatElapsed(summary.durationMs)}</LiveText>
        </>
      }
    >
      {() =>
        summary.streams.length === 0 ? (
          // A data-channel-only PC (or one whose media never flowed): no table of nothing.
          <p class="health-muted" data-testid="health-summary-empty">No media stream: nothing to summarise.</p>
        ) : (
          <table aria-label="Post-call summary">
            <thead>
              <tr>
                <th scope="col">Stream</th>
                <th scope="col">Metric</th>
                <th scope="col">Avg</th>
                <th scope="col">Min</th>
                <th scope="col">Max</th>
                <th scope="col">p95</th>
              </tr>
            </thead>
            <tbody>
              {summary.streams.flatMap((s) =>
                SUMMARY_ROWS.filter(([key]) => s.metrics[key]).map(([key, label, unit, scale]) => (
                  <tr key={`${s.statsId}-${key}`}>
                    <td>{`${s.direction} ${s.kind ?? ''}`} <span class="health-muted">{s.statsId}</span></td>
                    <td>
                      {label} <span class="health-muted">{unit}</span>
                    </td>
                    <td>{cell(s.metrics[key], 'avg', scale)}</td>
                    <td>{cell(s.metrics[key], 'min', scale)}</td>
                    <td>{cell(s.metrics[key], 'max', scale)}</td>
                    <td>{cell(s.metrics[key], 'p95', scale)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        )
      }
    </LazyDetails>
  );
}

export function PcHealthView({ data, pcId, feed, thresholds: given }: PcHealthViewProps) {
  const fromSettings = useContext(ThresholdsContext);
  const thresholds = given ?? fromSettings;
  const root = useRef<HTMLElement>(null);
  // Every 4 s; after an assessment over the whole call that took over 10 ms, 400 times as long as it took, in 2 s
  // steps, at most 2 minutes (liveInterval).
  const lastMs = useRef(0);
  const version = useFeedVersion(feed, pcId, liveInterval(lastMs.current), root);
  const columns = feed.columns(pcId) ?? data.stats[pcId];
  const pc = data.pcs.find((p) => p.pcId === pcId);
  const live = pc?.closedAt === null && data.session.endedAt === null;
  const rows = columns?.t.length ?? 0;
  // A first assessment, or one after the columns were replaced (the PC's stored stats arriving) or many rows came at
  // once, runs after the frame the charts draw in (a plain timeout would run before it): it may cover the whole
  // series (tens of ms for an hour of 4 streams), and the findings show a moment after the charts. A live step (a
  // few new rows, throttled by useFeedVersion; new events; a state change) takes in only what is new and runs in the
  // render itself, so it lands in the same task and frame as the other views' and the charts' updates instead of a
  // frame of its own.
  const [assessor] = useState(createPcAssessor);
  const assessed = useRef<Assessed | null>(null);
  const [, setDone] = useState(0);
  const prev = assessed.current;
  const step = prev !== null && prev.pcId === pcId && prev.columns === columns && rows >= prev.rows && rows - prev.rows <= LIVE_STEP_ROWS;
  const assess = (): Assessed => {
    const started = performance.now();
    const { health, summary } = assessor.assess({
      pcId, pc, columns, events: data.events, thresholds, now: live ? Date.now() : undefined, sessionEndedAt: data.session.endedAt,
    });
    return { pcId, columns, rows, health, summary, ms: performance.now() - started };
  };
  // Re-assess on new rows (throttled by useFeedVersion), new events or a state change of the PC.
  const deps = [pcId, version, rows, data.events.length, pc?.closedAt, data.session.endedAt, thresholds];
  const now = useMemo(() => (step ? assess() : null), deps);
  if (now) assessed.current = now;
  // A live step re-runs nothing here: its deps change with every step, and each run of an effect costs Preact an
  // after-paint flush (a frame callback, a timer and a task). Only a change into or out of a live step, or any
  // change outside one, re-runs it (its cleanup cancelling an assessment still waiting).
  const effectDeps = step ? [true, pcId, 0, 0, 0, 0, 0, 0] : [false, ...deps];
  useEffect(() => {
    if (step) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let fallback: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    const run = () => {
      if (cancelled || timer !== undefined) return;
      timer = setTimeout(() => {
        assessed.current = assess();
        setDone((n) => n + 1);
      }, 0);
    };
    // After every visible chart drew (they draw over a few frames within a per-frame budget; an assessment of an
    // hour between those frames held the last charts back by its ~100 ms), at most a second later.
    const frame = requestAnimationFrame(() => {
      void sharedFrameLoop().whenIdle().then(run);
      fallback = setTimeout(run, 1000);
    });
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      clearTimeout(fallback);
    };
  }, effectDeps);
  const current = assessed.current?.pcId === pcId ? assessed.current : null;
  if (current) lastMs.current = current.ms;
  const health = current?.health ?? null;
  if (!health || health.pcId !== pcId) {
    return (
      <section ref={root} class="pc-health" aria-label={`Connection ${pcId} health`} aria-busy="true">
        <p class="health-head health-muted">Assessing…</p>
      </section>
    );
  }
  const origin = pc?.createdAt ?? data.session.startedAt;
  const verdict = health.verdict ?? health.overallVerdict;
  // Ended without a verdict over the call: there will be none, and why is worth saying.
  const noVerdict = health.ended && verdict === null ? health.noVerdict : null;
  const closed = pc?.closedAt != null ? 'closed' : 'session ended';
  // The issues behind a verdict worse than the score (a failed connection whose media scored well).
  const lowered = noVerdict ? [] : verdictLoweredBy(health);
  return (
    <section ref={root} class="pc-health" aria-label={`Connection ${pcId} health`}>
      <p class="health-head">
        <span class={`health-verdict verdict-${verdict ?? 'unknown'}`} data-verdict={verdict ?? 'unknown'} data-no-verdict={noVerdict ?? undefined}>
          {noVerdict ? NO_VERDICT_TEXT[noVerdict] : verdictWithoutMediaText(health) ?? verdictText(verdict)}
        </span>
        {health.currentScore !== null ? (
          <span>
            {' · now '}
            <LiveText chars={7}>{`${Math.round(health.currentScore)}/100`}</LiveText>
          </span>
        ) : !health.ended && health.averageScore !== null ? (
          // Rated before, nothing rated for CURRENT_SCORE_MS now: say so, or the "now" score just vanishes.
          <span class="health-muted" data-testid="health-now-unrated">
            {` · now: no media rated in the last ${CURRENT_SCORE_MS / 1000} s`}
          </span>
        ) : null}
        {health.averageScore !== null ? (
          <span>
            {' · over the call '}
            <LiveText chars={7}>{`${Math.round(health.averageScore)}/100`}</LiveText>
          </span>
        ) : null}
        {lowered.length > 0 ? (
          <span class="health-lowered" data-testid="health-lowered">
            {` · lowered by ${[...new Set(lowered.map((i) => ISSUE_TEXT[i.rule].title))].join(', ')}`}
          </span>
        ) : null}
        {health.ended ? (
          <span class="health-muted" data-testid="health-ended">
            {noVerdict ? ` · ${closed}: no verdict over the call, ${noVerdictReasonText(noVerdict, health.mediaMs)}` : ` · ${closed}: verdict over the call`}
          </span>
        ) : null}
        <span class="health-muted"> (audio: estimated MOS by the E-model; video: frame rate, resolution, freezes, bits per pixel)</span>
      </p>
      {hasLegacyStats(columns) ? (
        <p class="health-muted" data-testid="health-legacy">
          Rated from Chrome's legacy (goog) stats, read as their standard counterparts: the loss of sent streams is
          approximate (those stats do not say when a receiver report came), and freezes, jitter-buffer delay and audio
          concealment are not in them.
        </p>
      ) : null}
      {health.scoreFactor && unexplainedScore(health) ? (
        <p class="health-factor" data-testid="health-score-factor">
          {`Score set by ${health.scoreFactor.stream}: ${health.scoreFactor.text}`}
        </p>
      ) : null}
      <IssueList health={health} origin={origin} />
      <SummaryTable summary={current!.summary} />
    </section>
  );
}
