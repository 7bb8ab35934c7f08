/** Min/max decimation of long histories: extremes kept in order, raw tail, incremental equals one pass. */
import { describe, expect, it } from 'vitest';
import { Decimator } from '../../../components/charts/decimate';

describe('Decimator', () => {
  it('passes small data through and decimates long data into min/max pairs in order, with a raw tail', () => {
    const x = Array.from({ length: 10 }, (_, i) => i);
    const y: (number | null)[] = [1, 5, 2, 2, null, null, null, null, 9, 3];
    const d = new Decimator(x, [y]);
    expect(d.update(16)).toBeNull();
    // Force buckets: pretend the plot is tiny (the minimum target is 16 buckets, so use 40 rows).
    const xs = Array.from({ length: 40 }, (_, i) => i);
    const ys: (number | null)[] = Array.from({ length: 40 }, (_, i) => (i === 5 ? 100 : i === 6 ? -100 : i >= 8 && i < 12 ? null : 1));
    const dec = new Decimator(xs, [ys]);
    const out = dec.update(16)!;
    // 40 rows, ≤ 16 buckets → k = 4: 9 complete buckets (points at each bucket's first and last row), the last
    // bucket raw so the newest row is drawn exactly.
    expect(out.x.slice(0, 6)).toEqual([0, 3, 4, 7, 8, 11]);
    expect(out.ys[0].slice(0, 6)).toEqual([1, 1, 100, -100, null, null]);
    expect(out.x.slice(-5)).toEqual([35, 36, 37, 38, 39]);
    expect(dec.rowOf(3)).toBe(7);
    xs.push(40, 41);
    ys.push(7, 8);
    const grown = dec.update(16)!;
    expect(grown.x.slice(-3)).toEqual([39, 40, 41]);
    expect(grown.ys[0].slice(-2)).toEqual([7, 8]);
  });

  it('appending row by row gives the same points as decimating everything at once', () => {
    const n = 5000;
    const full = { x: [] as number[], y: [] as (number | null)[] };
    const live = { x: [] as number[], y: [] as (number | null)[] };
    const inc = new Decimator(live.x, [live.y]);
    for (let i = 0; i < n; i++) {
      const v = i % 97 === 0 ? null : Math.sin(i / 7) * 100 + (i % 13);
      full.x.push(i);
      full.y.push(v);
      live.x.push(i);
      live.y.push(v);
      inc.update(300);
    }
    const once = new Decimator(full.x, [full.y]).update(300)!;
    const last = inc.update(300)!;
    expect(last.x).toEqual(once.x);
    expect(last.ys).toEqual(once.ys);
    expect(once.x.length).toBeLessThanOrEqual(600 + 16);
  });
});
