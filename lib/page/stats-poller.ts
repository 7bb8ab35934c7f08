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
import { hasOwn, isArray, makeRef, numberIsFinite, objectCreate, objectKeys, pushItem, reflectApply, setOwn, thenNative, type Ref } from './natives';

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
  for (const id in raw) setOwn(out, id, copyStat(raw[id].obj));
  return out;
}

function copyStat(stat: object): StatsObject {
  const out: StatsObject = {};
  const keys = objectKeys(stat);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'id' || key === '__proto__') continue;
    const value = copyValue((stat as Record<string, unknown>)[key], 0);
    if (value !== undefined) setOwn(out, key, value);
  }
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

/** One stats object as the browser returned it (not copied), and how many JSON fields it has (set by the diff). */
export interface RawStat {
  obj: object;
  present: number;
}
/** A report as the browser returned it: id → its own stats objects. Null-prototype, so `for…in` sees only ids. */
export type RawReport = Record<string, RawStat>;

/**
 * Collects a getStats report's objects by id without copying them. The browser makes fresh objects for every
 * report and only the hook holds them, so keeping them as the previous report is safe; copying every field into
 * plain JSON was the hook's largest cost per poll (measured: more than the diff and the posting together).
 */
export function collectReport(report: unknown, forEachNative?: (this: unknown, cb: (v: unknown, k: unknown) => void) => void): RawReport {
  const out = objectCreate(null) as RawReport;
  if (typeof report !== 'object' || report === null) return out;
  const visit = (stat: unknown, key: unknown) => {
    const id = typeof key === 'string' ? key : typeof (stat as { id?: unknown })?.id === 'string' ? (stat as { id: string }).id : null;
    if (id === null || id === '__proto__' || typeof stat !== 'object' || stat === null) return;
    out[id] = { obj: stat, present: -1 };
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

/** Whether a value appears in the JSON form of its object (see copyValue). */
function jsonPresent(value: unknown): boolean {
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object';
}

/**
 * The delta between two raw reports: exactly `diffStatsReports(statsReportToJson(prev), statsReportToJson(next))`
 * (tests hold it to that), but values are copied only where something was added or changed. Primitives compare
 * with `===` in place; nested values, non-finite numbers and other rare kinds go through their JSON form.
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
      const copy = copyStat(n.obj);
      n.present = objectKeys(copy).length;
      setOwn((added ??= {}), id, copy);
      continue;
    }
    const nObj = n.obj as Record<string, unknown>;
    const pObj = p.obj as Record<string, unknown>;
    const keys = objectKeys(nObj);
    let fields: Record<string, Json> | undefined;
    let present = 0;
    let matched = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === 'id' || key === '__proto__') continue;
      const nv = nObj[key];
      const t = typeof nv;
      if (t === 'string' || t === 'boolean' || (t === 'number' && numberIsFinite(nv as number))) {
        present++;
        if (hasOwn(pObj, key)) {
          const pv = pObj[key];
          if (pv === nv) {
            matched++;
            continue;
          }
          if (jsonPresent(pv)) matched++;
        }
        setOwn((fields ??= {}), key, nv);
        continue;
      }
      const nj = copyValue(nv, 0);
      if (nj === undefined) continue;
      present++;
      if (hasOwn(pObj, key)) {
        const pj = copyValue(pObj[key], 0);
        if (pj !== undefined) {
          matched++;
          if (jsonEqual(nj, pj)) continue;
        }
      }
      setOwn((fields ??= {}), key, nj);
    }
    n.present = present;
    if (fields !== undefined) setOwn((changed ??= {}), id, fields);
    if (matched < p.present) {
      // A field of the previous report is gone now (rare: only then walk the previous object's keys).
      let gone: string[] | undefined;
      const pKeys = objectKeys(pObj);
      for (let i = 0; i < pKeys.length; i++) {
        const key = pKeys[i];
        if (key === 'id' || key === '__proto__' || !jsonPresent(pObj[key])) continue;
        if (!hasOwn(nObj, key) || !jsonPresent(nObj[key])) pushItem((gone ??= []), key);
      }
      if (gone !== undefined) setOwn((dropped ??= {}), id, gone);
    }
  }
  if (prev !== null) {
    for (const id in prev) if (!hasOwn(next, id)) pushItem((removed ??= []), id);
  }
  const delta: StatsDelta = {};
  if (added !== undefined) delta.added = added;
  if (changed !== undefined) delta.changed = changed;
  if (dropped !== undefined) delta.dropped = dropped;
  if (removed !== undefined) delta.removed = removed;
  return delta;
}
