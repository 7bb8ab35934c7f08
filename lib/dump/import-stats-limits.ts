/**
 * The recorder's per-PC stats caps ({@link PC_STATS_LIMITS}, lib/model/session-reducer) applied to imported polls.
 * Views hold a PC's stats as one column per (stats id, field) ever seen, each as long as the PC's polls: a dump
 * whose ids or fields change with every poll would make that grow with the square of the call's length, whatever
 * tool wrote it. As in the recorder, a PC's stats stop at the first poll that passes a cap: that poll and every later
 * one are left out (the importer reports it; see ImportBuilder).
 *
 * Report size: the recorder measures a report's JSON; here every poll is a full report, and serialising each would
 * cost as much as the import itself. So the size is first estimated from the values the shape check walks anyway
 * (a number as the longest JSON a double has, 24 characters; a string as its characters and quotes, escapes not
 * counted) and measured with `JSON.stringify` only when that estimate passes the cap. Only reports of some 45,000
 * numeric fields and more pass the estimate while within the cap (then every such poll is measured, still linear in
 * the values); real ones have a few thousand.
 */
import type { Json } from '../protocol/json';
import type { StatsColumns, StatsObject, StatsReportJson } from '../model/session';
import { PC_STATS_LIMITS } from '../model/session-reducer';

const { maxIds, maxColumns, maxReportChars } = PC_STATS_LIMITS;

/** Why the columns of a PC grow with the square of the call's length when ids or fields churn (for messages). */
const CHURN = 'ids or fields that change with every poll would make the views build columns that grow with the square of the call\'s length';

/** Characters of `value` as JSON, or an upper bound for numbers (see the module comment). */
function valueChars(value: Json): number {
  switch (typeof value) {
    case 'number':
      return 24;
    case 'string':
      return value.length + 2;
    case 'boolean':
      return 5;
    default:
      return value === null ? 4 : JSON.stringify(value).length;
  }
}

/** `"id":{…},` around an object's members. */
const objectChars = (id: string) => id.length + 5;
/** `"key":…,` around a value. */
const memberChars = (key: string) => key.length + 4;

const quoted = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

const idsReason = (id: string) => `it brings stats id ${quoted(id)}, beyond the ${maxIds} distinct stats ids a peer connection may have (${CHURN})`;
const columnsReason = (id: string, key: string) =>
  `it brings field ${quoted(key)} of stats id ${quoted(id)}, beyond the ${maxColumns} stats id × field columns a peer connection may have (${CHURN})`;
const reportReason = (chars: number) => `its report is ${chars} characters as JSON, and a report may have at most ${maxReportChars} (the recorder's cap)`;

/** An id seen in a PC's polls: its fields, and what the last poll that changed it held. */
interface SeenObject {
  fields: Set<string>;
  /** The object as last walked: a later report holding the very same object brings nothing new. */
  last: StatsObject | null;
  /** Estimated characters of `last` with its id (see {@link valueChars}). */
  chars: number;
}

/** One PC's polls as full reports (ImportBuilder.addSample), held to the caps poll by poll. */
export class PollLimiter {
  private readonly seen = new Map<string, SeenObject>();
  private columns = 0;
  /** Why the PC's stats stopped, once a poll passed a cap. */
  stopped: string | null = null;

  /**
   * Takes in the ids and fields of `report` and says whether it is within the caps. Once a poll was not, no later one
   * is. Objects are walked only when they are not the same object as in the previous poll (importers carry unchanged
   * objects over as they are), so a poll costs one lookup per id plus one per value of the objects that changed.
   */
  admit(report: StatsReportJson): boolean {
    if (this.stopped !== null) return false;
    let chars = 2;
    for (const id in report) {
      const object = report[id];
      let seen = this.seen.get(id);
      if (seen === undefined) {
        if (this.seen.size >= maxIds) return this.stop(idsReason(id));
        seen = { fields: new Set(), last: null, chars: 0 };
        this.seen.set(id, seen);
      }
      if (seen.last !== object) {
        let objectSize = objectChars(id);
        // Object.keys over for…in: the objects of one report rarely share a shape, and for…in was slower on them.
        const keys = Object.keys(object);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          if (!seen.fields.has(key)) {
            if (this.columns >= maxColumns) return this.stop(columnsReason(id, key));
            seen.fields.add(key);
            this.columns += 1;
          }
          objectSize += memberChars(key) + valueChars(object[key]);
        }
        seen.last = object;
        seen.chars = objectSize;
      }
      chars += seen.chars;
    }
    if (chars > maxReportChars) {
      const exact = JSON.stringify(report).length;
      if (exact > maxReportChars) return this.stop(reportReason(exact));
    }
    return true;
  }

  private stop(reason: string): false {
    this.stopped = reason;
    // Nothing more is taken in: the shape can go.
    this.seen.clear();
    return false;
  }
}

/** Where a PC's columns passed a cap: the first row left out and why. */
export interface ColumnsCut {
  row: number;
  /** Time of that row. */
  t: number;
  /** Rows before the cut. */
  rows: number;
  reason: string;
}

/**
 * Holds a PC's columns (ImportBuilder.addColumns) to the caps as {@link PollLimiter} holds polls: the first row whose
 * poll passes a cap and every later row are cut off, in place, with the objects and fields that only they held.
 * Returns the cut, or null when every row is within the caps. Costs one type test and one addition per value (the
 * report-size estimate); the rest only when a cap is passed.
 */
export function limitColumns(columns: StatsColumns): ColumnsCut | null {
  const rowCount = columns.t.length;
  const ids = Object.keys(columns.objects);
  // Per row: the estimated size of its report, less the objects' own overhead, which is added for all ids at once.
  const rowChars = new Float64Array(rowCount);
  let overhead = 2;
  let columnCount = 0;
  for (const id of ids) {
    const fields = columns.objects[id].fields;
    overhead += objectChars(id);
    for (const key in fields) {
      columnCount += 1;
      const column = fields[key];
      const around = memberChars(key);
      const end = Math.min(column.length, rowCount);
      for (let r = 0; r < end; r++) {
        const value = column[r];
        if (value !== null && value !== undefined) rowChars[r] += around + valueChars(value);
      }
    }
  }
  const overIds = ids.length > maxIds;
  const overColumns = columnCount > maxColumns;

  let cutRow = rowCount;
  let reason = '';
  if (overIds || overColumns) {
    // The recorder counts an id or column from the first poll that holds it: the cap is passed at the poll that
    // brings the (cap + 1)th one.
    const idFirst: { row: number; id: string }[] = [];
    const columnFirst: { row: number; id: string; key: string }[] = [];
    for (const id of ids) {
      const fields = columns.objects[id].fields;
      let objectRow = Infinity;
      for (const key in fields) {
        const row = firstValueRow(fields[key], rowCount);
        if (row < objectRow) objectRow = row;
        if (overColumns && row < rowCount) columnFirst.push({ row, id, key });
      }
      if (objectRow < rowCount) idFirst.push({ row: objectRow, id });
    }
    const byRow = (a: { row: number }, b: { row: number }) => a.row - b.row;
    if (idFirst.length > maxIds) {
      idFirst.sort(byRow);
      const first = idFirst[maxIds];
      cutRow = first.row;
      reason = idsReason(first.id);
    }
    if (columnFirst.length > maxColumns) {
      columnFirst.sort(byRow);
      const first = columnFirst[maxColumns];
      if (first.row < cutRow) {
        cutRow = first.row;
        reason = columnsReason(first.id, first.key);
      }
    }
  }
  for (let r = 0; r < cutRow; r++) {
    if (rowChars[r] + overhead <= maxReportChars) continue;
    const exact = JSON.stringify(rowReport(columns, ids, r)).length;
    if (exact > maxReportChars) {
      cutRow = r;
      reason = reportReason(exact);
      break;
    }
  }
  if (cutRow === rowCount) return null;
  const t = columns.t[cutRow];
  cutColumns(columns, ids, cutRow);
  return { row: cutRow, t, rows: rowCount, reason };
}

/** Row of the first value of `column`, or `rowCount` when it has none. */
function firstValueRow(column: (Json | null)[], rowCount: number): number {
  const end = Math.min(column.length, rowCount);
  for (let r = 0; r < end; r++) if (column[r] !== null && column[r] !== undefined) return r;
  return rowCount;
}

/** The report of row `r` (objects without a value there absent), to measure it exactly. */
function rowReport(columns: StatsColumns, ids: string[], r: number): Record<string, Record<string, Json>> {
  // Prototype-less: ids and field names come from the file.
  const report: Record<string, Record<string, Json>> = Object.create(null);
  for (const id of ids) {
    const fields = columns.objects[id].fields;
    let object: Record<string, Json> | null = null;
    for (const key in fields) {
      const value = fields[key][r];
      if (value === null || value === undefined) continue;
      object ??= Object.create(null) as Record<string, Json>;
      object[key] = value;
    }
    if (object !== null) report[id] = object;
  }
  return report;
}

/** Keeps rows [0, rows) of `columns`, in place, and only the objects and fields that have a value there. */
function cutColumns(columns: StatsColumns, ids: string[], rows: number): void {
  columns.t.length = rows;
  columns.cost.getStatsMs.length = rows;
  columns.cost.hookMs.length = rows;
  for (const id of ids) {
    const object = columns.objects[id];
    for (const key of Object.keys(object.fields)) {
      const column = object.fields[key];
      if (column.length > rows) column.length = rows;
      if (firstValueRow(column, rows) === rows) delete object.fields[key];
    }
    if (Object.keys(object.fields).length === 0) delete columns.objects[id];
  }
}
