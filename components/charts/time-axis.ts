/**
 * Tick labels of the charts' time axis, one short line each in local time: "14:05" on whole minutes, ":30" between
 * them, "5/23" on days. uPlot's default draws a second line with the date at the first tick and at each new
 * minute; with the charts' 30 s ticks a first label such as "11/23/26 11:51am" ran into "11:52am" beside it (seen
 * in the panel and the viewer). The date is in the session's header; the cursor's legend gives the exact time.
 */

const pad2 = (n: number) => (n < 10 ? '0' : '') + n;

/**
 * Labels for uPlot's `splits` (epoch seconds) of a time axis whose ticks are `incr` seconds apart. Ticks closer
 * than a second get fractions (as many decimals as the step needs, at most 3).
 */
export function timeAxisValues(splits: readonly number[], incr: number): string[] {
  const decimals = incr >= 1 ? 0 : Math.min(3, Math.max(1, Math.ceil(-Math.log10(incr) - 1e-9)));
  return splits.map((t) => {
    if (t == null || !Number.isFinite(t)) return '';
    const d = new Date(Math.round(t * 1000));
    const day = `${d.getMonth() + 1}/${d.getDate()}`;
    const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    const midnight = d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0 && d.getMilliseconds() === 0;
    if (incr >= 86_400) return day;
    if (midnight) return day;
    if (incr >= 60) return hm;
    const ms = d.getSeconds() * 1000 + d.getMilliseconds();
    if (ms === 0) return hm;
    if (decimals === 0) return `:${pad2(d.getSeconds())}`;
    const seconds = (ms / 1000).toFixed(decimals);
    return `:${ms < 10_000 ? '0' : ''}${seconds}`;
  });
}
