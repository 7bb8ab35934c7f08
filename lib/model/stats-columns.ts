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

/**
 * Columns back to samples, row by row (index = row): a field null or absent in a row is left out of that row's
 * object, and an object with no field in a row is left out of that row's report. (appendSamples keeps JSON nulls
 * as nulls, so a sample whose field was explicitly null does not round-trip: stats never hold nulls.)
 */
export function columnsToSamples(columns: StatsColumns): StatsSample[] {
  const samples: StatsSample[] = [];
  const ids = Object.keys(columns.objects);
  for (let row = 0; row < columns.t.length; row++) {
    const report: StatsSample['report'] = {};
    for (const id of ids) {
      const fields = columns.objects[id].fields;
      let obj: Record<string, Json> | undefined;
      for (const key in fields) {
        const v = fields[key][row];
        if (v === null || v === undefined) continue;
        defineOwn((obj ??= {}), key, v);
      }
      if (obj) defineOwn(report, id, obj);
    }
    const sample: StatsSample = { index: row, t: columns.t[row], report };
    const getStatsMs = columns.cost.getStatsMs[row];
    const hookMs = columns.cost.hookMs[row];
    if (getStatsMs != null && hookMs != null) sample.cost = { getStatsMs, hookMs };
    samples.push(sample);
  }
  return samples;
}

/** Assignment that keeps a "__proto__" key (from an untrusted page) an own property. */
function defineOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * Keeps only the last `rows` rows, in place (the background's live-health window). Objects with no value left
 * are dropped, so a long call's departed candidates do not pile up.
 */
export function keepLastRows(columns: StatsColumns, rows: number): void {
  const drop = columns.t.length - rows;
  if (drop <= 0) return;
  columns.t.splice(0, drop);
  columns.cost.getStatsMs.splice(0, drop);
  columns.cost.hookMs.splice(0, drop);
  for (const id of Object.keys(columns.objects)) {
    const fields = columns.objects[id].fields;
    let any = false;
    for (const key in fields) {
      fields[key].splice(0, drop);
      if (!any && fields[key].some((v) => v !== null)) any = true;
    }
    if (!any) delete columns.objects[id];
  }
}
