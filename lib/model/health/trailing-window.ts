/**
 * The latest stretch of sample time of a series: its known values, each counted for the interval it covers, so their
 * mean is the series' mean over that time whatever the poll interval (a window of rows would be half a second at
 * 100 ms polls and minutes at 10 s). A mean of per-interval rates (PLIs per second) is then the count over the
 * window divided by its length. Fed one value at a time with running sums: a live series costs only its new rows.
 *
 * Pure: no UI or browser API.
 */
export class TrailingWindow {
  private readonly values: number[] = [];
  private readonly lengths: number[] = [];
  /** Index of the oldest value kept (dropped values are cut off in batches, not shifted one by one). */
  private head = 0;
  private coveredMs = 0;
  /** Σ value × length over the values kept. */
  private weighted = 0;

  constructor(readonly spanMs: number) {}

  /**
   * Adds value `v` covering `ms` of sample time (its interval), and drops the values that lie wholly before the
   * span. A value without a positive interval or that is not finite is not counted.
   */
  push(v: number, ms: number): void {
    if (!(ms > 0) || !Number.isFinite(v)) return;
    this.values.push(v);
    this.lengths.push(ms);
    this.coveredMs += ms;
    this.weighted += v * ms;
    while (this.values.length - this.head > 1 && this.coveredMs - this.lengths[this.head] >= this.spanMs) {
      this.coveredMs -= this.lengths[this.head];
      this.weighted -= this.values[this.head] * this.lengths[this.head];
      this.head++;
    }
    if (this.head >= 1024 && 2 * this.head >= this.values.length) {
      this.values.splice(0, this.head);
      this.lengths.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Forgets every value (a stream paused: what came before says nothing about what comes after). */
  clear(): void {
    this.values.length = 0;
    this.lengths.length = 0;
    this.head = 0;
    this.coveredMs = 0;
    this.weighted = 0;
  }

  /** Whether the values cover the whole span (a judgement over a shorter stretch would be a different measure). */
  full(): boolean {
    return this.coveredMs >= this.spanMs;
  }

  /** Mean over the last {@link spanMs} (the oldest value counted only for its part inside it); null when empty. */
  mean(): number | null {
    if (this.coveredMs <= 0) return null;
    const excess = Math.max(0, this.coveredMs - this.spanMs);
    return (this.weighted - this.values[this.head] * excess) / (this.coveredMs - excess);
  }
}
