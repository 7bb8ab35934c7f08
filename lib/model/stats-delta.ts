/**
 * Delta encoding of getStats reports, used by the page hook (encode, per poll) and the recorder (decode).
 * Lossless: applying the delta of (prev → next) to prev gives next exactly.
 */
import type { Json, JsonObject } from '../protocol/json';
import type { StatsObject, StatsReportJson } from './session';

export interface StatsDelta {
  /** Objects not in the previous report: complete (without `id`). */
  added?: Record<string, StatsObject>;
  /** Objects in both: only the fields whose value changed or appeared (nested values compared by content). */
  changed?: Record<string, Record<string, Json>>;
  /** Fields present in the previous report and gone now, per object id. */
  dropped?: Record<string, string[]>;
  /** Objects in the previous report and gone now. */
  removed?: string[];
  /**
   * `[from, to]`: applied before everything else, every object of the previous report whose `timestamp` is `from`
   * gets `to`. Chromium stamps every object of a report with the report's time (only remote-inbound/outbound-rtp carry
   * the time of their RTCP report), so one pair replaces a `timestamp` entry per object and lets the hook skip reading
   * objects that never change otherwise (certificates, codecs, candidates). Made only by the hook; reports and our
   * own file format never need it.
   */
  retime?: [number, number];
}

// Reports come from untrusted pages: an id or field named "toString" must not be mistaken for an inherited member,
// and one named "__proto__" must become an own property rather than replace a prototype.
const hasOwn = Object.prototype.hasOwnProperty;

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Deep equality of two JSON values (object key order ignored, array order significant). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const aIsArray = Array.isArray(a);
  if (aIsArray !== Array.isArray(b)) return false;
  if (aIsArray) {
    const bArr = b as Json[];
    if (a.length !== bArr.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bArr[i])) return false;
    return true;
  }
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  let aCount = 0;
  for (const key in ao) {
    aCount++;
    if (!hasOwn.call(bo, key) || !jsonEqual(ao[key], bo[key])) return false;
  }
  let bCount = 0;
  for (const _key in bo) bCount++;
  return aCount === bCount;
}

/**
 * The delta that turns `prev` into `next` (`prev === null`: every object is added).
 *
 * The definition of a delta over plain JSON reports: the hook computes the same delta from the browser's own
 * objects (`diffRawReports` in lib/page/stats-poller.ts, held equal to this by tests); tests and tools use this one.
 * It avoids per-field allocation: primitives are compared with `===`, only nested values (e.g.
 * `qualityLimitationDurations`) are walked, and the delta's containers are created only when something goes into
 * them. A report without change gives `{}`. The delta shares values with `next` (change neither afterwards).
 */
export function diffStatsReports(prev: StatsReportJson | null, next: StatsReportJson): StatsDelta {
  let added: Record<string, StatsObject> | undefined;
  let changed: Record<string, Record<string, Json>> | undefined;
  let dropped: Record<string, string[]> | undefined;
  let removed: string[] | undefined;

  for (const id in next) {
    const n = next[id];
    const p = prev === null ? undefined : prev[id];
    if (p === undefined || !hasOwn.call(prev, id)) {
      if (added === undefined) added = {};
      setOwn(added, id, n);
      continue;
    }
    let fields: Record<string, Json> | undefined;
    let nCount = 0;
    for (const key in n) {
      nCount++;
      const nv = n[key];
      const pv = p[key];
      if (nv === pv) continue;
      // Objects compare by content; a primitive that differs, or a field new in `next`, is a change.
      if (
        pv !== undefined &&
        typeof nv === 'object' &&
        nv !== null &&
        typeof pv === 'object' &&
        pv !== null &&
        hasOwn.call(p, key) &&
        jsonEqual(nv, pv)
      ) {
        continue;
      }
      if (fields === undefined) fields = {};
      setOwn(fields, key, nv);
    }
    if (fields !== undefined) {
      if (changed === undefined) changed = {};
      setOwn(changed, id, fields);
    }
    // Fields can only have disappeared if `p` has some field that `next` lacks. Counting first keeps the common case
    // (same field set, changed values counted above) to one pass over `p` without lookups.
    let pCount = 0;
    for (const _key in p) pCount++;
    const newFieldCount = fields === undefined ? 0 : countNewFields(p, fields);
    if (pCount + newFieldCount !== nCount) {
      let gone: string[] | undefined;
      for (const key in p) {
        if (!hasOwn.call(n, key)) (gone ??= []).push(key);
      }
      if (gone !== undefined) {
        if (dropped === undefined) dropped = {};
        setOwn(dropped, id, gone);
      }
    }
  }

  if (prev !== null) {
    for (const id in prev) {
      if (!hasOwn.call(next, id)) (removed ??= []).push(id);
    }
  }

  const delta: StatsDelta = {};
  if (added !== undefined) delta.added = added;
  if (changed !== undefined) delta.changed = changed;
  if (dropped !== undefined) delta.dropped = dropped;
  if (removed !== undefined) delta.removed = removed;
  return delta;
}

/** How many keys of `fields` (the changed fields of one object) are absent from `p`. */
function countNewFields(p: StatsObject, fields: Record<string, Json>): number {
  let count = 0;
  for (const key in fields) if (!hasOwn.call(p, key)) count++;
  return count;
}

/**
 * The report `delta` describes relative to `prev`. Never mutates `prev` or `delta`: objects that change are copied,
 * unchanged objects are shared with `prev` (a later apply copies them before changing them, so sharing is safe as
 * long as callers treat reports as immutable).
 *
 * A delta that names an object `prev` lacks (its base was lost, e.g. records refused by the relay) is applied as far
 * as possible: changed fields build a partial object rather than failing the whole recording.
 */
export function applyStatsDelta(prev: StatsReportJson | null, delta: StatsDelta): StatsReportJson {
  const result: StatsReportJson = {};
  const { added, changed, dropped, removed, retime } = delta;
  const retimeFrom = retime === undefined ? undefined : retime[0];
  let removedSet: Set<string> | undefined;
  if (removed !== undefined && removed.length > 0) removedSet = new Set(removed);

  if (prev !== null) {
    for (const id in prev) {
      if (removedSet !== undefined && removedSet.has(id)) continue;
      if (added !== undefined && hasOwn.call(added, id)) continue; // replaced below
      const fields = changed !== undefined && hasOwn.call(changed, id) ? changed[id] : undefined;
      const gone = dropped !== undefined && hasOwn.call(dropped, id) ? dropped[id] : undefined;
      const p = prev[id];
      const restamp = retimeFrom !== undefined && p.timestamp === retimeFrom && hasOwn.call(p, 'timestamp');
      if (fields === undefined && gone === undefined && !restamp) {
        setOwn(result, id, p);
        continue;
      }
      const copy: StatsObject = {};
      let goneSet: Set<string> | undefined;
      if (gone !== undefined && gone.length > 0) goneSet = new Set(gone);
      for (const key in p) {
        if (goneSet !== undefined && goneSet.has(key)) continue;
        setOwn(copy, key, p[key]);
      }
      if (restamp && (goneSet === undefined || !goneSet.has('timestamp'))) copy.timestamp = retime![1];
      if (fields !== undefined) for (const key in fields) setOwn(copy, key, fields[key]);
      setOwn(result, id, copy);
    }
  }
  if (changed !== undefined) {
    for (const id in changed) {
      if (hasOwn.call(result, id) || (added !== undefined && hasOwn.call(added, id))) continue;
      if (removedSet !== undefined && removedSet.has(id)) continue;
      const copy: StatsObject = {};
      const fields = changed[id];
      for (const key in fields) setOwn(copy, key, fields[key]);
      setOwn(result, id, copy);
    }
  }
  if (added !== undefined) {
    for (const id in added) {
      const copy: StatsObject = {};
      const obj = added[id];
      for (const key in obj) setOwn(copy, key, obj[key]);
      setOwn(result, id, copy);
    }
  }
  return result;
}
