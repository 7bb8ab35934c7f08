/**
 * Stats samples of one peer connection as columns, the shape uPlot draws (one x array, one y array per series):
 * every column is aligned with `t`, with `null` where the object or field was absent in a sample.
 */
import type { Json } from '../protocol/json';
import type { StatsColumns, StatsSample } from './session';

/** Empty columns, ready for {@link appendSamples}. */
export function emptyStatsColumns(): StatsColumns {
  return { t: [], objects: {}, cost: { getStatsMs: [], hookMs: [] } };
}

/** Columns for `samples` (in the order given). Values are shared with the samples, not copied. */
export function samplesToColumns(samples: StatsSample[]): StatsColumns {
  const columns = emptyStatsColumns();
  appendSamples(columns, samples);
  return columns;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Appends `samples` to `columns` in place (live views grow their columns as samples arrive). Objects and fields that
 * first appear now get columns padded with `null` for the earlier samples; those missing from a sample get `null`.
 * Every field is a column, `type` and `timestamp` included, so a view can show any of them. An object keeps the
 * first `type` it was seen with (a stats id never changes type in practice).
 */
export function appendSamples(columns: StatsColumns, samples: StatsSample[]): void {
  const { t, objects } = columns;
  for (const sample of samples) {
    const row = t.length;
    t.push(sample.t);
    columns.cost.getStatsMs.push(sample.cost?.getStatsMs ?? null);
    columns.cost.hookMs.push(sample.cost?.hookMs ?? null);
    const report = sample.report;
    for (const id in report) {
      const obj = report[id];
      let entry = hasOwn.call(objects, id) ? objects[id] : undefined;
      if (entry === undefined) {
        entry = { type: typeof obj.type === 'string' ? obj.type : '', fields: {} };
        defineOwn(objects, id, entry);
      }
      const fields = entry.fields;
      for (const key in obj) {
        let column = hasOwn.call(fields, key) ? fields[key] : undefined;
        if (column === undefined) {
          column = new Array<Json | null>(row).fill(null);
          defineOwn(fields, key, column);
        }
        column.push(obj[key]);
      }
    }
    // Pad whatever this sample lacked, so every column has exactly t.length entries again.
    const length = row + 1;
    for (const id in objects) {
      const fields = objects[id].fields;
      for (const key in fields) {
        const column = fields[key];
        if (column.length < length) column.push(null);
      }
    }
  }
}

/** Assignment that keeps a "__proto__" key (from an untrusted page) an own property. */
function defineOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
