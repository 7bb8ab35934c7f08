/** How the health findings read, shared by the popup and the panel. */
import type { QualityVerdict } from '../../lib/model/health/e-model';
import type { HealthIssue } from '../../lib/model/health/rules';

const VERDICT_TEXT: Record<QualityVerdict, string> = { good: 'Good', low: 'Low quality', 'very-low': 'Very low quality' };

export function verdictText(v: QualityVerdict | null): string {
  return v === null ? 'No verdict yet' : VERDICT_TEXT[v];
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
