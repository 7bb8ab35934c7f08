/**
 * Turns a per-sample condition into time spans that do not flicker: a span opens when ENTER_COUNT of the last
 * ENTER_WINDOW known samples are over the threshold, and closes only after EXIT_COUNT consecutive known samples
 * are clear (below the off level, which sits under the on threshold). Samples in between the two levels keep the
 * current state. Unknown samples (null: field missing, no new measurement) count neither way.
 */
import { ENTER_COUNT, ENTER_WINDOW, EXIT_COUNT } from './thresholds';

export interface RowSpan {
  fromRow: number;
  /** Row of the first clear sample that closed it; null while open. */
  toRow: number | null;
  /** Worst value seen in the span. */
  peak: number;
  /** Row of {@link peak}. */
  peakRow: number;
}

export interface HysteresisRule {
  /** The sample is bad: counts towards opening. */
  over: (v: number, row: number) => boolean;
  /** The sample is good enough: counts towards closing. */
  clear: (v: number, row: number) => boolean;
  /** Whether `a` is worse than `b` (for the peak): `a > b` for "too high" rules, `a < b` for "too low". */
  worse: (a: number, b: number) => boolean;
}

/**
 * Spans of `values` (aligned rows) where the rule held, with hysteresis. A span still open when its series has
 * had no known sample for `staleRows` rows (the stream went away) is closed after its last known sample.
 */
export function hysteresisSpans(values: readonly (number | null)[], rule: HysteresisRule, staleRows = 10): RowSpan[] {
  const spans: RowSpan[] = [];
  const window: { row: number; over: boolean; v: number }[] = [];
  let open: RowSpan | null = null;
  let clearRun = 0;
  let firstClearRow = -1;
  let lastKnown = -1;
  for (let row = 0; row < values.length; row++) {
    const v = values[row];
    if (v === null || !Number.isFinite(v)) continue;
    lastKnown = row;
    if (!open) {
      window.push({ row, over: rule.over(v, row), v });
      if (window.length > ENTER_WINDOW) window.shift();
      if (window.filter((s) => s.over).length >= ENTER_COUNT) {
        const overs = window.filter((s) => s.over);
        let peak = overs[0];
        for (const s of overs) if (rule.worse(s.v, peak.v)) peak = s;
        open = { fromRow: overs[0].row, toRow: null, peak: peak.v, peakRow: peak.row };
        spans.push(open);
        window.length = 0;
        clearRun = 0;
      }
      continue;
    }
    if (rule.worse(v, open.peak)) {
      open.peak = v;
      open.peakRow = row;
    }
    if (rule.clear(v, row)) {
      if (clearRun === 0) firstClearRow = row;
      if (++clearRun >= EXIT_COUNT) {
        open.toRow = firstClearRow;
        open = null;
        clearRun = 0;
      }
    } else {
      clearRun = 0;
    }
  }
  if (open && lastKnown >= 0 && values.length - 1 - lastKnown >= staleRows) open.toRow = Math.min(values.length - 1, lastKnown + 1);
  return spans;
}

/** "Too high" rule: over above `on`, clear below `off` (off < on). */
export const above = (on: number, off: number): HysteresisRule => ({ over: (v) => v > on, clear: (v) => v < off, worse: (a, b) => a > b });
/** "Too low" rule: over below `on`, clear above `off` (off > on). */
export const below = (on: number, off: number): HysteresisRule => ({ over: (v) => v < on, clear: (v) => v > off, worse: (a, b) => a < b });
