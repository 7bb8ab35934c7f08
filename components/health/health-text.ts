/** How the health findings read, shared by the popup and the panel. */
import type { NoVerdictReason } from '../../lib/model/health/assess';
import type { QualityVerdict } from '../../lib/model/health/e-model';
import type { HealthIssue } from '../../lib/model/health/rules';
import { OVERALL_VERDICT_MIN_MS } from '../../lib/model/health/thresholds';

const VERDICT_TEXT: Record<QualityVerdict, string> = { good: 'Good', low: 'Low quality', 'very-low': 'Very low quality' };

/** A verdict; null: none yet (a live PC without media so far). */
export function verdictText(v: QualityVerdict | null): string {
  return v === null ? 'No verdict yet' : VERDICT_TEXT[v];
}

/** In place of the verdict over a call that has none (it ended: there will be none). */
export const NO_VERDICT_TEXT: Record<NoVerdictReason, string> = { 'no-media': 'No media', 'too-little-media': 'Not enough data' };

/**
 * Why a call that ended has no verdict: "only 8.2 s of media (a verdict over the call needs 30 s)"; without
 * `mediaMs` (a session of several PCs), "less than 30 s of media on any connection".
 */
export function noVerdictReasonText(reason: NoVerdictReason, mediaMs?: number): string {
  if (reason === 'no-media') return 'no media to rate (no stream carried any)';
  const needed = OVERALL_VERDICT_MIN_MS / 1000;
  // Rounded down: 29.96 s must not read as the 30 s it falls short of.
  return mediaMs === undefined
    ? `less than ${needed} s of media on any connection`
    : `only ${Math.floor(mediaMs / 100) / 10} s of media (a verdict over the call needs ${needed} s)`;
}

const round = (v: number) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10) / 10);

/** "time without packets: 6.2 s (limit 5 s)": the evidence in one line (its note, if any, is shown apart). */
export function evidenceText(issue: HealthIssue): string {
  const e = issue.evidence;
  const unit = e.unit ? ` ${e.unit}` : '';
  const value = typeof e.value === 'number' ? `${round(e.value)}${unit}` : e.value;
  const limit = e.thresholdText ?? (e.threshold !== null ? `limit ${round(e.threshold)}${unit}` : null);
  return `${e.metric}: ${value}${limit !== null ? ` (${limit})` : ''}`;
}
