/**
 * Runtime guards for everything that arrives from a less trusted context. The page is hostile by assumption:
 * a record is accepted only if every field has the type the protocol declares, nesting is bounded, and no key
 * could reach an object's prototype when the record is later merged into stored data.
 */
import { HELLO_LIMITS, MAX_STATS_INDEX, PROTOCOL_VERSION, SOURCE_TAG } from './constants';
import { ERROR_DETAIL_FIELDS, MAX_ERROR_DETAIL_CHARS, type Json } from './json';
import {
  CHANNEL_EVENTS,
  MEDIA_METHODS,
  PC_EVENTS,
  PC_METHODS,
  TRACK_RECORD_EVENTS,
  type PageRecord,
  type RelayToBackground,
  type ViewToBackground,
} from './messages';

/** Nesting allowed in page-provided values (SDP, configs, stats deltas need ≤ 6). */
export const MAX_JSON_DEPTH = 24;
/**
 * Keys that could alter a prototype when a record is merged with `obj[key] = value`. (`JSON.parse` makes
 * `__proto__` an own property; assigning it elsewhere would replace the target's prototype.)
 */
const FORBIDDEN_KEYS = new Set(['__proto__']);

export type GuardResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/**
 * The latest time a Date can hold, in epoch ms (ECMA-262 TimeClip). Record times are epoch ms and views format them
 * as dates (`toISOString` throws past it): a record time outside 0…MAX_EPOCH_MS is refused.
 */
export const MAX_EPOCH_MS = 8.64e15;
export const isEpochMs = (v: unknown): v is number => isFiniteNumber(v) && v >= 0 && v <= MAX_EPOCH_MS;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isString = (v: unknown): v is string => typeof v === 'string';
/** A stats poll index: bounded so that index differences stay exact in the stats chunk codec. */
const isStatsIndex = (v: unknown): v is number => isCount(v) && v <= MAX_STATS_INDEX;
/** Page text that the background stores in every rewrite of a session summary (title, URLs). */
const isTextUpTo = (v: unknown, maxChars: number): v is string => isString(v) && v.length <= maxChars;
const oneOf = <T extends string>(list: readonly T[]) => (v: unknown): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);

const isPcMethod = oneOf(PC_METHODS);
const isPcEvent = oneOf(PC_EVENTS);
const isMediaMethod = oneOf(MEDIA_METHODS);
const isTrackEvent = oneOf(TRACK_RECORD_EVENTS);
const isChannelEvent = oneOf(CHANNEL_EVENTS);

/**
 * Whether `value` is plain JSON data within {@link MAX_JSON_DEPTH}, with no prototype-reaching keys. Returns the
 * path of the first offence, or null. Iterative, so a hostile depth cannot overflow the stack.
 *
 * This runs in the relay on every record, on the page's main thread, so the common case (nothing wrong) walks
 * without building a path string per node; only when something is wrong is the walk repeated with paths.
 */
export function findJsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  return firstJsonProblem(value, maxDepth, false) === null ? null : firstJsonProblem(value, maxDepth, true);
}

function firstJsonProblem(value: unknown, maxDepth: number, withPaths: boolean): string | null {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  const paths: string[] = withPaths ? ['$'] : [];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    const path = withPaths ? paths.pop()! : '';
    if (v === null) continue;
    const kind = typeof v;
    if (kind === 'string' || kind === 'boolean') continue;
    if (kind === 'number') {
      if (!Number.isFinite(v)) return `${path}: not a finite number`;
      continue;
    }
    if (kind !== 'object') return `${path}: ${kind} is not JSON`;
    if (depth >= maxDepth) return `${path}: nested deeper than ${maxDepth}`;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        values.push(v[i]);
        depths.push(depth + 1);
        if (withPaths) paths.push(`${path}[${i}]`);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return `${path}: not a plain object`;
    for (const key in v as Obj) {
      if (FORBIDDEN_KEYS.has(key)) return `${path}: forbidden key "${key}"`;
      values.push((v as Obj)[key]);
      depths.push(depth + 1);
      if (withPaths) paths.push(`${path}.${key}`);
    }
  }
  return null;
}

function isErrorInfo(v: unknown): boolean {
  return isObject(v) && isString(v.name) && isString(v.message) && (v.detail === undefined || isErrorDetail(v.detail));
}

/** ErrorInfo.detail: only the known fields, each a short string or a finite number. */
function isErrorDetail(v: unknown): boolean {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  if (keys.length === 0) return false;
  for (const key of keys) {
    if (!(ERROR_DETAIL_FIELDS as readonly string[]).includes(key)) return false;
    const field = v[key];
    if (typeof field === 'string' ? field.length > MAX_ERROR_DETAIL_CHARS : typeof field !== 'number' || !Number.isFinite(field)) return false;
  }
  return true;
}

function isStatsDelta(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const key of Object.keys(v)) {
    const part = v[key];
    if (key === 'added' || key === 'changed') {
      if (!isObject(part) || !Object.values(part).every(isObject)) return false;
    } else if (key === 'dropped') {
      if (!isObject(part) || !Object.values(part).every((f) => Array.isArray(f) && f.every(isString))) return false;
    } else if (key === 'removed') {
      if (!Array.isArray(part) || !part.every(isString)) return false;
    } else if (key === 'retime') {
      if (!Array.isArray(part) || part.length !== 2 || !part.every((n) => typeof n === 'number' && Number.isFinite(n))) return false;
    } else {
      return false;
    }
  }
  return true;
}

const isTrackInfo = (v: unknown) => isObject(v) && isString(v.id) && isString(v.kind) && isString(v.label);
const isSettledShape = (r: Obj) =>
  typeof r.ok === 'boolean' && (r.ok ? r.error === undefined : isErrorInfo(r.error));

/** Per record type: the shape check beyond "is JSON". */
const RECORD_CHECKS: Record<PageRecord['type'], (r: Obj, isPc: (v: unknown) => boolean) => boolean> = {
  'pc-created': (r, isPc) => isPc(r.pc) && isObject(r.config),
  'pc-call': (r, isPc) =>
    isPc(r.pc) &&
    isCount(r.call) &&
    isPcMethod(r.method) &&
    Array.isArray(r.args) &&
    (r.target === undefined || (isObject(r.target) && isCount(r.target.index) && (r.target.mid === null || isString(r.target.mid)))),
  'pc-settled': (r, isPc) => isPc(r.pc) && isCount(r.call) && isPcMethod(r.method) && isSettledShape(r),
  'pc-event': (r, isPc) => isPc(r.pc) && isPcEvent(r.event) && 'value' in r,
  'channel-event': (r, isPc) =>
    isPc(r.pc) &&
    isChannelEvent(r.event) &&
    isObject(r.channel) &&
    isString(r.channel.label) &&
    (r.channel.id === null || isCount(r.channel.id)),
  'pc-stats': (r, isPc) =>
    isPc(r.pc) &&
    isStatsIndex(r.index) &&
    isStatsDelta(r.delta) &&
    (r.reset === undefined || r.reset === true) &&
    isObject(r.cost) &&
    isFiniteNumber(r.cost.getStatsMs) &&
    isFiniteNumber(r.cost.hookMs),
  'pc-create-failed': (r) => Array.isArray(r.args) && isErrorInfo(r.error),
  'media-call': (r) => isCount(r.call) && isMediaMethod(r.method) && Array.isArray(r.args) && (r.track === undefined || isTrackInfo(r.track)),
  'media-settled': (r) => isCount(r.call) && isMediaMethod(r.method) && isSettledShape(r),
  'track-event': (r) => isTrackInfo(r.track) && isTrackEvent(r.event),
};

/**
 * A PC number in our own files: besides the hook's (from 1), an importer keeps a file's own number, which may be 0
 * (rtcstats `PC_0`).
 */
const isFilePc = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Validates one page record (already parsed). `fromFile`: a record read back from our own dump format, where
 * imported PCs may carry the number 0 (the hook numbers from 1, so a page can never send 0).
 */
export function checkPageRecord(value: unknown, options: { fromFile?: boolean } = {}): GuardResult<PageRecord> {
  if (!isObject(value)) return fail('record is not an object');
  const type = value.type;
  if (!isString(type) || !Object.hasOwn(RECORD_CHECKS, type)) return fail(`unknown record type ${JSON.stringify(String(type)).slice(0, 60)}`);
  if (!isEpochMs(value.t)) return fail(`${type}: t is not a time in epoch ms (a finite number from 0 to ${MAX_EPOCH_MS})`);
  const problem = findJsonProblem(value);
  if (problem) return fail(`${type}: ${problem}`);
  if (!RECORD_CHECKS[type as PageRecord['type']](value, options.fromFile === true ? isFilePc : isId)) return fail(`${type}: fields do not match the protocol`);
  return { ok: true, value: value as unknown as PageRecord };
}

/**
 * The envelopes of one page → relay event's `detail`: the hook joins the stats records of a polling tick with line
 * feeds (JSON text holds none of its own), so each line is one envelope for {@link parsePageEnvelope}.
 */
export function pageEventEnvelopes(detail: string): string[] {
  return detail.includes('\n') ? detail.split('\n') : [detail];
}

/**
 * Parses and validates one envelope of a page → relay CustomEvent's `detail` (see {@link pageEventEnvelopes}): a JSON
 * string of a tagged, versioned envelope. `maxChars` bounds the text before it is parsed.
 */
export function parsePageEnvelope(detail: unknown, maxChars: number): GuardResult<PageRecord> {
  if (typeof detail !== 'string') return fail('detail is not a string');
  if (detail.length > maxChars) return fail('record too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    // Also catches a RangeError from hostile nesting depth.
    return fail('detail is not valid JSON');
  }
  if (!isObject(parsed) || parsed.source !== SOURCE_TAG) return fail('not our tag');
  if (parsed.v !== PROTOCOL_VERSION) return fail(`protocol version ${String(parsed.v)} is not ${PROTOCOL_VERSION}`);
  return checkPageRecord(parsed.record);
}

/**
 * Validates a relay → background message. The relay already validated each record, but a compromised or
 * buggy content script must not be able to corrupt the store either, so records are checked again here.
 */
export function checkRelayToBackground(value: unknown): GuardResult<RelayToBackground> {
  if (!isObject(value)) return fail('message is not an object');
  switch (value.type) {
    case 'hello':
      return value.v === PROTOCOL_VERSION &&
        isString(value.frameLoadId) &&
        value.frameLoadId.length <= 64 &&
        typeof value.isTop === 'boolean' &&
        isTextUpTo(value.url, HELLO_LIMITS.maxUrlChars) &&
        isTextUpTo(value.title, HELLO_LIMITS.maxTitleChars) &&
        isEpochMs(value.timeOrigin) &&
        isTextUpTo(value.userAgent, HELLO_LIMITS.maxUserAgentChars)
        ? { ok: true, value: value as unknown as RelayToBackground }
        : fail('bad hello');
    case 'batch': {
      if (!isId(value.seq) || !Array.isArray(value.records)) return fail('bad batch');
      for (const record of value.records) {
        const checked = checkPageRecord(record);
        if (!checked.ok) return fail(`batch ${value.seq}: ${checked.reason}`);
      }
      if (value.refused !== undefined && !(isObject(value.refused) && Object.values(value.refused).every(isCount))) {
        return fail('bad refused counts');
      }
      return { ok: true, value: value as unknown as RelayToBackground };
    }
    case 'unload':
      return isEpochMs(value.t) ? { ok: true, value: value as unknown as RelayToBackground } : fail('bad unload');
    default:
      return fail('unknown relay message type');
  }
}

/** Validates a view → background message. */
export function checkViewToBackground(value: unknown): GuardResult<ViewToBackground> {
  if (!isObject(value) || !isString(value.type)) return fail('message is not an object with a type');
  const ok = { ok: true as const, value: value as unknown as ViewToBackground };
  switch (value.type) {
    case 'subscribe-tab':
      if (!isCount(value.tabId)) return fail('bad tabId');
      return value.stats === undefined || isStatsFilter(value.stats) ? ok : fail('bad stats filter');
    case 'unsubscribe-tab':
      return isCount(value.tabId) ? ok : fail('bad tabId');
  }
  if (!isCount(value.reqId)) return fail('missing reqId');
  switch (value.type) {
    case 'list-sessions':
      return value.tabId === undefined || isCount(value.tabId) ? ok : fail('bad tabId');
    case 'get-session':
      return isString(value.sessionId) && (value.withStats === undefined || typeof value.withStats === 'boolean') ? ok : fail('bad sessionId');
    case 'get-pc-stats':
      return isString(value.sessionId) && (isString(value.pcId) || value.pcId === null) ? ok : fail('bad sessionId or pcId');
    case 'get-tab-health':
      return isCount(value.tabId) ? ok : fail('bad tabId');
    case 'delete-sessions':
      return Array.isArray(value.sessionIds) && value.sessionIds.every(isString) ? ok : fail('bad sessionIds');
    case 'get-settings':
    case 'get-notices':
      return ok;
    case 'set-settings':
      return isObject(value.settings) && findJsonProblem(value.settings) === null ? ok : fail('bad settings');
    default:
      return fail(`unknown view request ${value.type.slice(0, 40)}`);
  }
}

/** A view's stats filter (`subscribe-tab`): a session id and at most 10,000 PC ids. */
function isStatsFilter(value: unknown): boolean {
  return isObject(value) && isString(value.sessionId) && Array.isArray(value.pcIds) && value.pcIds.length <= 10_000 && value.pcIds.every(isString);
}

export type { Json };
