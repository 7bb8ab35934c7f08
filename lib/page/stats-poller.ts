/**
 * Polls `getStats()` of every live peer connection of a document on one shared timer and emits each poll as a delta
 * against the previous one (`pc-stats`).
 *
 * - One timer for all PCs (cheaper than one per PC, and the polls of a call line up in time). It runs only while at
 *   least one PC is live and capture is enabled: a page without WebRTC gets no timer at all.
 * - Never calls `getStats` on a closed PC (checked right before each call), and never overlaps polls of one PC: a PC
 *   whose previous `getStats` has not resolved is skipped for this tick.
 * - Holds PCs weakly where the engine allows (a PC the page dropped without `close()` may still be collected).
 * - Uses the native `getStats`, timers and clock captured at install; the page may replace them later.
 */
import type { StatsObject, StatsReportJson } from '../model/session';
import { jsonEqual, type StatsDelta } from '../model/stats-delta';
import { DEFAULT_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS } from '../protocol/constants';
import type { Json, JsonObject } from '../protocol/json';
import type { PageRecord } from '../protocol/messages';
import { hasOwn, isArray, makeRef, numberIsFinite, objectCreate, objectFreeze, objectKeys, objectValues, pushItem, reflectApply, setOwn, thenNative, type Ref } from './natives';

export type StatsRecord = Extract<PageRecord, { type: 'pc-stats' }>;

export interface StatsPollerDeps<PC extends object> {
  /** Native getStats of the PC (may throw or reject; both are ignored). */
  getStats(pc: PC): PromiseLike<unknown>;
  /** True once the PC is closed (close() called, or signalingState/connectionState 'closed'). */
  isClosed(pc: PC): boolean;
  /** getStats report of `pc` → its objects by id, not copied ({@link collectReport}). */
  collect(report: unknown, pc: PC): RawReport;
  emit(record: StatsRecord): void;
  /** `performance.now()` (native). */
  now(): number;
  /** `performance.timeOrigin`. */
  timeOrigin: number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface StatsPollerConfig {
  enabled: boolean;
  intervalMs: number;
}

export interface StatsPoller<PC extends object> {
  /** Starts polling a PC (first poll at the next tick). */
  add(id: number, pc: PC): void;
  /** Stops polling a PC (closed). */
  remove(id: number): void;
  configure(config: StatsPollerConfig): void;
  /** The next poll of every PC is a full snapshot (`reset: true`). */
  resync(): void;
  /** Ids of the PCs being polled (tests, diagnostics). */
  ids(): number[];
}

interface Entry<PC extends object> {
  id: number;
  ref: Ref<PC>;
  /** Poll number of the next emitted record (from 0, no gaps). */
  index: number;
  prev: RawReport | null;
  inFlight: boolean;
  /** The next record must be a full snapshot. */
  reset: boolean;
  /** How long emitting this PC's previous record took: counted in the next record's hookMs. */
  lastEmitMs: number;
  removed: boolean;
}

/** Clamps a poll interval to the protocol's limits. */
export function clampInterval(ms: unknown): number {
  if (typeof ms !== 'number' || !numberIsFinite(ms)) return DEFAULT_POLL_INTERVAL_MS;
  return ms < MIN_POLL_INTERVAL_MS ? MIN_POLL_INTERVAL_MS : ms;
}

export function createStatsPoller<PC extends object>(
  deps: StatsPollerDeps<PC>,
  initial: StatsPollerConfig = { enabled: true, intervalMs: DEFAULT_POLL_INTERVAL_MS },
): StatsPoller<PC> {
  let entries: Entry<PC>[] = [];
  let enabled = initial.enabled;
  let intervalMs = clampInterval(initial.intervalMs);
  let timer: unknown;
  let timerSet = false;

  const stopTimer = () => {
    if (timerSet) {
      try {
        deps.clearTimeout(timer);
      } catch {
        /* ignore */
      }
    }
    timerSet = false;
    timer = undefined;
  };

  const schedule = () => {
    if (timerSet || !enabled || entries.length === 0) return;
    try {
      timer = deps.setTimeout(tick, intervalMs);
      timerSet = true;
    } catch {
      timerSet = false;
    }
  };

  const drop = (entry: Entry<PC>) => {
    entry.removed = true;
    const kept: Entry<PC>[] = [];
    for (let i = 0; i < entries.length; i++) if (entries[i] !== entry) pushItem(kept, entries[i]);
    entries = kept;
  };

  const poll = (entry: Entry<PC>, pc: PC) => {
    entry.inFlight = true;
    const started = deps.now();
    let pending: PromiseLike<unknown>;
    try {
      pending = deps.getStats(pc);
    } catch {
      entry.inFlight = false;
      return;
    }
    const onReport = (report: unknown) => {
      entry.inFlight = false;
      if (!enabled || entry.removed) return;
      try {
        const resolved = deps.now();
        const raw = deps.collect(report, pc);
        const reset = entry.reset || entry.prev === null;
        const delta = diffRawReports(reset ? null : entry.prev, raw);
        entry.prev = raw;
        entry.reset = false;
        const hookMs = deps.now() - resolved + entry.lastEmitMs;
        const record: StatsRecord = {
          type: 'pc-stats',
          pc: entry.id,
          index: entry.index++,
          t: deps.timeOrigin + resolved,
          delta,
          cost: { getStatsMs: round3(resolved - started), hookMs: round3(hookMs) },
        };
        if (reset) record.reset = true;
        const emitStart = deps.now();
        deps.emit(record);
        entry.lastEmitMs = deps.now() - emitStart;
      } catch {
        // A conversion bug must not stop the poller; the next poll starts from a full snapshot.
        entry.reset = true;
      }
    };
    const onError = () => {
      entry.inFlight = false;
    };
    try {
      thenNative(pending, onReport, onError);
    } catch {
      entry.inFlight = false;
    }
  };

  function tick() {
    timerSet = false;
    timer = undefined;
    if (!enabled) return;
    const current = entries;
    for (let i = 0; i < current.length; i++) {
      const entry = current[i];
      if (entry.removed) continue;
      const pc = entry.ref.deref();
      let closed = true;
      try {
        closed = !pc || deps.isClosed(pc);
      } catch {
        closed = true;
      }
      if (closed || !pc) {
        drop(entry);
        continue;
      }
      if (!entry.inFlight) poll(entry, pc);
    }
    schedule();
  }

  return {
    add(id, pc) {
      for (let i = 0; i < entries.length; i++) if (entries[i].id === id) return;
      pushItem(entries, { id, ref: makeRef(pc), index: 0, prev: null, inFlight: false, reset: true, lastEmitMs: 0, removed: false });
      schedule();
    },
    remove(id) {
      for (let i = 0; i < entries.length; i++) if (entries[i].id === id) drop(entries[i]);
      if (entries.length === 0) stopTimer();
    },
    configure(config) {
      const nextInterval = clampInterval(config.intervalMs);
      const nextEnabled = config.enabled === true;
      if (!nextEnabled) {
        enabled = false;
        stopTimer();
        // Whatever the receiver saw last may be lost while we are off: start over with snapshots.
        for (let i = 0; i < entries.length; i++) entries[i].reset = true;
        intervalMs = nextInterval;
        return;
      }
      const changed = !enabled || nextInterval !== intervalMs;
      enabled = true;
      intervalMs = nextInterval;
      if (changed) {
        stopTimer();
        schedule();
      }
    },
    resync() {
      for (let i = 0; i < entries.length; i++) entries[i].reset = true;
    },
    ids() {
      const out: number[] = [];
      for (let i = 0; i < entries.length; i++) pushItem(out, entries[i].id);
      return out;
    },
  };
}

const mathRound = Math.round;

function round3(ms: number): number {
  if (!numberIsFinite(ms)) return 0;
  return mathRound(ms * 1000) / 1000;
}

/**
 * A getStats report (an `RTCStatsReport` maplike, or any object with `forEach(value, key)`, or a plain id → object
 * record) → plain JSON, id → object without `id`. Non-finite numbers become null (JSON has no NaN), nested values
 * (e.g. `qualityLimitationDurations`) are copied, keys named `__proto__` are skipped.
 *
 * @param forEachNative `RTCStatsReport.prototype.forEach` captured at install, so a page that replaced it later is
 *   not called.
 */
export function statsReportToJson(report: unknown, forEachNative?: (this: unknown, cb: (v: unknown, k: unknown) => void) => void): StatsReportJson {
  const raw = collectReport(report, forEachNative);
  const out: StatsReportJson = {};
  for (const id in raw) setOwn(out, id, copyRawStat(raw[id]));
  return out;
}

function copyValue(value: unknown, depth: number): Json | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return numberIsFinite(value) ? value : null;
    case 'object': {
      if (value === null) return null;
      if (depth >= 6) return null;
      if (isArray(value)) {
        const arr: Json[] = [];
        for (let i = 0; i < value.length; i++) {
          const item = copyValue(value[i], depth + 1);
          pushItem(arr, item === undefined ? null : item);
        }
        return arr;
      }
      const obj: JsonObject = {};
      const keys = objectKeys(value);
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] === '__proto__') continue;
        const item = copyValue((value as Record<string, unknown>)[keys[i]], depth + 1);
        if (item !== undefined) setOwn(obj, keys[i], item);
      }
      return obj;
    }
    default:
      return undefined;
  }
}

/**
 * One stats object as the browser returned it: its own enumerable keys and their values, read with the native
 * `Object.keys` / `Object.values` (two C++ calls per object, same order). Comparing two polls is then a walk over
 * two arrays side by side instead of a keyed lookup per field.
 */
export interface RawStat {
  keys: string[];
  values: unknown[];
}
/** A report as the browser returned it: id → its stats object's keys and values. Null-prototype, so `for…in` sees only ids. */
export type RawReport = Record<string, RawStat>;

/**
 * Collects a getStats report's objects by id without copying their values into JSON. Converting every field into
 * plain JSON was the hook's largest cost per poll (measured: more than the diff and the posting together); the
 * browser makes fresh objects for every report, so holding their values as the previous report is safe.
 */
export function collectReport(report: unknown, forEachNative?: (this: unknown, cb: (v: unknown, k: unknown) => void) => void): RawReport {
  const out = objectCreate(null) as RawReport;
  if (typeof report !== 'object' || report === null) return out;
  const visit = (stat: unknown, key: unknown) => {
    const id = typeof key === 'string' ? key : typeof (stat as { id?: unknown })?.id === 'string' ? (stat as { id: string }).id : null;
    if (id === null || id === '__proto__' || typeof stat !== 'object' || stat === null) return;
    out[id] = { keys: objectKeys(stat), values: objectValues(stat) };
  };
  const forEach = forEachNative ?? (report as { forEach?: unknown }).forEach;
  if (typeof forEach === 'function') {
    reflectApply(forEach as (cb: (v: unknown, k: unknown) => void) => void, report, [visit]);
  } else {
    const keys = objectKeys(report);
    for (let i = 0; i < keys.length; i++) visit((report as Record<string, unknown>)[keys[i]], keys[i]);
  }
  return out;
}

/**
 * The prototype of the objects the hook builds for a record: frozen and itself prototype-less, so plain assignment
 * can never reach a setter the page put on `Object.prototype` (and `__proto__` is an ordinary key). Unlike
 * `Object.create(null)` objects, which V8 keeps in slow dictionary mode, these stay fast to fill and to stringify.
 */
const SAFE_PROTO: object = objectFreeze(objectCreate(null));
function bare<T>(): T {
  return objectCreate(SAFE_PROTO) as T;
}

/** A stats object's JSON form (see copyValue), built from its keys and values. */
function copyRawStat(stat: RawStat): StatsObject {
  const out = bare<StatsObject>();
  const { keys, values } = stat;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'id' || key === '__proto__') continue;
    const value = copyValue(values[i], 0);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The delta between two raw reports: exactly `diffStatsReports(statsReportToJson(prev), statsReportToJson(next))`
 * (tests hold it to that), but values are copied only where something was added or changed. The browser writes a
 * stats object's fields in the same order every poll, so the common case compares two value arrays position by
 * position; only when the key list changed (a field appeared or went away) does the diff look keys up by name.
 */
export function diffRawReports(prev: RawReport | null, next: RawReport): StatsDelta {
  let added: Record<string, StatsObject> | undefined;
  let changed: Record<string, Record<string, Json>> | undefined;
  let dropped: Record<string, string[]> | undefined;
  let removed: string[] | undefined;

  for (const id in next) {
    const n = next[id];
    const p = prev === null ? undefined : prev[id];
    if (p === undefined) {
      (added ??= bare<Record<string, StatsObject>>())[id] = copyRawStat(n);
      continue;
    }
    let fields: Record<string, Json> | undefined;
    let gone: string[] | undefined;
    const { keys, values } = n;
    if (sameKeys(keys, p.keys)) {
      const pValues = p.values;
      for (let i = 0; i < keys.length; i++) {
        const nv = values[i];
        const pv = pValues[i];
        if (nv === pv && typeof nv !== 'object') continue; // NaN never equals itself: it takes the slow path
        const key = keys[i];
        if (key === 'id' || key === '__proto__') continue;
        const t = typeof nv;
        if (t === 'string' || t === 'boolean' || (t === 'number' && numberIsFinite(nv as number))) {
          (fields ??= bare<Record<string, Json>>())[key] = nv as Json;
          continue;
        }
        const nj = copyValue(nv, 0);
        const pj = copyValue(pv, 0);
        if (nj === undefined) {
          if (pj !== undefined) pushItem((gone ??= []), key);
        } else if (pj === undefined || !jsonEqual(nj, pj)) {
          (fields ??= bare<Record<string, Json>>())[key] = nj;
        }
      }
    } else {
      // The key list changed: index the previous values by key (rare).
      const pByKey = bare<Record<string, unknown>>();
      const pKeys = p.keys;
      for (let i = 0; i < pKeys.length; i++) pByKey[pKeys[i]] = p.values[i];
      const seen = bare<Record<string, true>>();
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (key === 'id' || key === '__proto__') continue;
        seen[key] = true;
        const nj = copyValue(values[i], 0);
        const had = hasOwn(pByKey, key);
        const pj = had ? copyValue(pByKey[key], 0) : undefined;
        if (nj === undefined) {
          if (pj !== undefined) pushItem((gone ??= []), key);
        } else if (pj === undefined || !jsonEqual(nj, pj)) {
          (fields ??= bare<Record<string, Json>>())[key] = nj;
        }
      }
      for (let i = 0; i < pKeys.length; i++) {
        const key = pKeys[i];
        if (key === 'id' || key === '__proto__' || seen[key] === true) continue;
        if (copyValue(p.values[i], 0) !== undefined) pushItem((gone ??= []), key);
      }
    }
    if (fields !== undefined) (changed ??= bare<Record<string, Record<string, Json>>>())[id] = fields;
    if (gone !== undefined) (dropped ??= bare<Record<string, string[]>>())[id] = gone;
  }
  if (prev !== null) {
    for (const id in prev) if (!hasOwn(next, id)) pushItem((removed ??= []), id);
  }
  const delta = bare<StatsDelta>();
  if (added !== undefined) delta.added = added;
  if (changed !== undefined) delta.changed = changed;
  if (dropped !== undefined) delta.dropped = dropped;
  if (removed !== undefined) delta.removed = removed;
  return delta;
}
