/**
 * Min/max decimation for drawing long histories: a 60-minute call at 1 s is 3600 points per series, drawn into a
 * few hundred pixels. When a chart shows its whole history, it draws buckets of k consecutive rows (k a power of
 * two, about one bucket per pixel column) as two points each (at the bucket's first and last time), its minimum and maximum
 * in the order they occurred, so peaks and dips stay visible. The rows after the last complete bucket are passed through raw, so the
 * newest samples are exact. Maintained incrementally: an append costs O(new rows); k changes (a full pass) only
 * when the history doubles. A bucket whose values are all null stays a gap; single missing samples inside a
 * bucket vanish at that scale (stats gaps are cut by the chart's gap refiner, which uses real times).
 */
import type { ChartValue } from '../../lib/model/chart-series';

export class Decimator {
  private k = 0;
  private complete = 0;
  private outX: number[] = [];
  private outY: ChartValue[][];
  private rows: number[] = [];

  constructor(
    private readonly x: number[],
    private readonly ys: ChartValue[][],
  ) {
    this.outY = ys.map(() => []);
  }

  /**
   * The arrays to draw for at most about `2 × buckets` points, or null when the raw data is small enough.
   * The returned arrays are reused (grown and truncated in place) by later calls.
   */
  update(buckets: number): { x: number[]; ys: ChartValue[][] } | null {
    const n = this.x.length;
    const target = Math.max(16, Math.floor(buckets));
    if (n <= 2 * target) {
      this.k = 0;
      return null;
    }
    let k = 2;
    while (n / k > target) k *= 2;
    if (k !== this.k) {
      this.k = k;
      this.complete = 0;
      this.outX.length = 0;
      this.rows.length = 0;
      for (const y of this.outY) y.length = 0;
    }
    // Drop the raw tail of the previous call, add the buckets completed since, then the new raw tail.
    const keep = 2 * this.complete;
    this.outX.length = keep;
    this.rows.length = keep;
    for (const y of this.outY) y.length = keep;
    const { x, ys, outX, outY, rows } = this;
    // The newest row always stays raw, so the drawn range ends at the last sample.
    while ((this.complete + 1) * k < n) {
      const start = this.complete * k;
      const end = start + k;
      outX.push(x[start], x[end - 1]);
      rows.push(start, end - 1);
      for (let s = 0; s < ys.length; s++) {
        const values = ys[s];
        let min = Infinity;
        let max = -Infinity;
        let minAt = -1;
        let maxAt = -1;
        for (let i = start; i < end; i++) {
          const v = values[i];
          if (v === null || v === undefined) continue;
          if (v < min) {
            min = v;
            minAt = i;
          }
          if (v > max) {
            max = v;
            maxAt = i;
          }
        }
        const out = outY[s];
        if (minAt < 0) out.push(null, null);
        else if (minAt <= maxAt) out.push(min, max);
        else out.push(max, min);
      }
      this.complete++;
    }
    for (let i = this.complete * k; i < n; i++) {
      outX.push(x[i]);
      rows.push(i);
      for (let s = 0; s < ys.length; s++) outY[s].push(ys[s][i] ?? null);
    }
    return { x: outX, ys: outY };
  }

  /** Rows per bucket of the last update (0: not decimating). A change means every drawn point moved. */
  get bucketRows(): number {
    return this.k;
  }

  /** The raw row a drawn point comes from (identity while not decimating). */
  rowOf(index: number): number {
    return this.k === 0 ? index : (this.rows[index] ?? index);
  }
}
