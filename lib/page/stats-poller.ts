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
import { diffStatsReports } from '../model/stats-delta';
import { DEFAULT_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS } from '../protocol/constants';
import type { Json, JsonObject } from '../protocol/json';
import type { PageRecord } from '../protocol/messages';
import { isArray, makeRef, numberIsFinite, objectKeys, pushItem, reflectApply, setOwn, thenNative, type Ref } from './natives';

export type StatsRecord = Extract<PageRecord, { type: 'pc-stats' }>;

export interface StatsPollerDeps<PC extends object> {
  /** Native getStats of the PC (may throw or reject; both are ignored). */
  getStats(pc: PC): PromiseLike<unknown>;
  /** True once the PC is closed (close() called, or signalingState/connectionState 'closed'). */
  isClosed(pc: PC): boolean;
  /** getStats report of `pc` → JSON (id → object without `id`). */
  toJson(report: unknown, pc: PC): StatsReportJson;
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
  prev: StatsReportJson | null;
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
        const json = deps.toJson(report, pc);
        const reset = entry.reset || entry.prev === null;
        const delta = diffStatsReports(reset ? null : entry.prev, json);
        entry.prev = json;
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
  const out: StatsReportJson = {};
  if (typeof report !== 'object' || report === null) return out;
  const visit = (stat: unknown, key: unknown) => {
    const id = typeof key === 'string' ? key : typeof (stat as { id?: unknown })?.id === 'string' ? (stat as { id: string }).id : null;
    if (id === null || id === '__proto__' || typeof stat !== 'object' || stat === null) return;
    setOwn(out, id, copyStat(stat));
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
