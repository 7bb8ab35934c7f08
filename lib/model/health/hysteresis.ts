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
  const tracker = new HysteresisTracker(rule, staleRows);
  for (let row = 0; row < values.length; row++) tracker.push(values[row], row);
  return tracker.spans(values.length);
}

/**
 * {@link hysteresisSpans} fed one row at a time, so a live series that grows costs only its new rows: everything
 * a row's outcome depends on (the entry window, the open span, the clear run) is kept between pushes.
 */
export class HysteresisTracker {
  private readonly found: RowSpan[] = [];
  private readonly window: { row: number; over: boolean; v: number }[] = [];
  private open: RowSpan | null = null;
  private clearRun = 0;
  private firstClearRow = -1;
  private lastKnown = -1;

  constructor(private readonly rule: HysteresisRule, private readonly staleRows = 10) {}

  /** The value at `row` (rows ascending); null and non-finite values count neither way. */
  push(v: number | null, row: number): void {
    if (v === null || !Number.isFinite(v)) return;
    const rule = this.rule;
    this.lastKnown = row;
    const open = this.open;
    if (!open) {
      const window = this.window;
      window.push({ row, over: rule.over(v, row), v });
      if (window.length > ENTER_WINDOW) window.shift();
      if (window.filter((s) => s.over).length >= ENTER_COUNT) {
        const overs = window.filter((s) => s.over);
        let peak = overs[0];
        for (const s of overs) if (rule.worse(s.v, peak.v)) peak = s;
        this.open = { fromRow: overs[0].row, toRow: null, peak: peak.v, peakRow: peak.row };
        this.found.push(this.open);
        window.length = 0;
        this.clearRun = 0;
      }
      return;
    }
    if (rule.worse(v, open.peak)) {
      open.peak = v;
      open.peakRow = row;
    }
    if (rule.clear(v, row)) {
      if (this.clearRun === 0) this.firstClearRow = row;
      if (++this.clearRun >= EXIT_COUNT) {
        open.toRow = this.firstClearRow;
        this.open = null;
        this.clearRun = 0;
      }
    } else {
      this.clearRun = 0;
    }
  }

  /**
   * The spans of a series of `rows` rows (all pushed). The open span is a copy, with the stale rule applied: later
   * pushes change neither it nor the array.
   */
  spans(rows: number): RowSpan[] {
    const out = this.found.slice();
    const open = this.open;
    if (open) {
      const stale = this.lastKnown >= 0 && rows - 1 - this.lastKnown >= this.staleRows;
      out[out.length - 1] = { ...open, toRow: stale ? Math.min(rows - 1, this.lastKnown + 1) : null };
    }
    return out;
  }
}

/** "Too high" rule: over above `on`, clear below `off` (off < on). */
export const above = (on: number, off: number): HysteresisRule => ({ over: (v) => v > on, clear: (v) => v < off, worse: (a, b) => a > b });
/** "Too low" rule: over below `on`, clear above `off` (off > on). */
export const below = (on: number, off: number): HysteresisRule => ({ over: (v) => v < on, clear: (v) => v > off, worse: (a, b) => a < b });
