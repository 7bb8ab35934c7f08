/**
 * The hook's side of the page ⇄ relay channel: records go out as `CustomEvent(PAGE_TO_RELAY_EVENT, { detail: JSON })`
 * on `window` (the stats records of one polling tick in one event, joined by line feeds), capture settings come in as `CustomEvent(RELAY_TO_PAGE_EVENT, { detail: JSON })`.
 *
 * Only events of our own two types are used (never `postMessage`), so page `message` listeners see nothing. Every
 * DOM function involved is captured when this runs (document_start), so a page that later replaces `dispatchEvent`,
 * `CustomEvent`, `JSON.stringify` or the `detail` getter neither breaks nor observes the channel. Incoming configs
 * can be forged by the page (it can dispatch the same event): they are validated strictly, and the worst a page can
 * do is turn its own capture off or change its own polling period.
 */
import { MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS, PAGE_EVENT_JOIN_CHARS, PAGE_TO_RELAY_EVENT, PROTOCOL_VERSION, RELAY_TO_PAGE_EVENT, SOURCE_TAG } from '../protocol/constants';
import type { PageEnvelope, PageRecord } from '../protocol/messages';
import { readGlobal } from './cloak';
import { installHook, type HookConfig, type HookController, type HookRecord, type InstallOptions, type PageWindow } from './install-hook';
import { statsRecordJson, type StatsRecordText } from './stats-poller';
import {
  bare,
  callSafe,
  findGetter,
  findMethod,
  getPrototypeOf,
  hasOwn,
  isArray,
  jsonParse,
  jsonStringify,
  numberIsFinite,
  objectFreeze,
  objectKeys,
  ownValue,
  reflectApply,
  reflectConstruct,
  safeGet,
} from './natives';

/** Longest config message accepted (a real one is ~110 characters). */
const MAX_CONFIG_CHARS = 1000;
/** The keys a config may have (prototype-less: a lookup of another key reaches no page getter on Object.prototype). */
const CONFIG_KEYS: Record<string, true> = objectFreeze({ __proto__: null, source: true, v: true, type: true, enabled: true, pollIntervalMs: true, resync: true } as unknown as Record<string, true>);

/**
 * Parses the `detail` of a relay → page event. Strict: a JSON string of a plain object with exactly the
 * {@link RelayToPage} keys and types; anything else gives null.
 */
export function parseRelayConfig(detail: unknown): HookConfig | null {
  if (typeof detail !== 'string' || detail.length > MAX_CONFIG_CHARS) return null;
  let value: unknown;
  try {
    value = jsonParse(detail);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || isArray(value)) return null;
  const keys = objectKeys(value);
  for (let i = 0; i < keys.length; i++) if (CONFIG_KEYS[keys[i]] !== true) return null;
  // Own values only: the parsed object inherits from Object.prototype, where a page may have put getters.
  const source = ownValue(value, 'source');
  const enabled = ownValue(value, 'enabled');
  const pollIntervalMs = ownValue(value, 'pollIntervalMs');
  const resync = ownValue(value, 'resync');
  if (source !== SOURCE_TAG || ownValue(value, 'v') !== PROTOCOL_VERSION || ownValue(value, 'type') !== 'config') return null;
  if (typeof enabled !== 'boolean') return null;
  if (typeof pollIntervalMs !== 'number' || !numberIsFinite(pollIntervalMs) || pollIntervalMs < MIN_POLL_INTERVAL_MS || pollIntervalMs > MAX_POLL_INTERVAL_MS) return null;
  if (resync !== undefined && typeof resync !== 'boolean') return null;
  const config = bare<HookConfig>();
  config.enabled = enabled;
  config.pollIntervalMs = pollIntervalMs;
  if (resync === true) config.resync = true;
  return config;
}

/**
 * `JSON.stringify` with the native captured at install, made immune to a page that defined `toJSON` on
 * `Object.prototype` or `Array.prototype` (Prototype.js did): then a small own serialiser runs instead. Records hold
 * only plain data made by the hook.
 */
export function stringifyEnvelope(envelope: PageEnvelope, objectProto: object = Object.prototype, arrayProto: object = Array.prototype): string {
  const polluted = safeHas(objectProto, 'toJSON') || safeHas(arrayProto, 'toJSON');
  if (!polluted) return jsonStringify(envelope);
  return plainStringify(envelope);
}

/**
 * `JSON.stringify` of any plain value the hook made, immune to a page-defined `toJSON` like {@link stringifyEnvelope}
 * (`undefined` gives `null`).
 */
export function stringifyValue(value: unknown, objectProto: object = Object.prototype, arrayProto: object = Array.prototype): string {
  if (value === null || typeof value !== 'object' || (!safeHas(objectProto, 'toJSON') && !safeHas(arrayProto, 'toJSON'))) {
    const text = jsonStringify(value) as string | undefined;
    return text === undefined ? 'null' : text;
  }
  return plainStringify(value);
}

/** The envelope of a record as JSON text: a stats record's delta is text already and goes in as it is. */
export function envelopeJson(record: HookRecord, objectProto: object = Object.prototype, arrayProto: object = Array.prototype): string {
  if (hasOwn(record, 'deltaJson')) return STATS_ENVELOPE_HEAD + statsRecordJson(record as StatsRecordText) + '}';
  return stringifyEnvelope({ source: SOURCE_TAG, v: PROTOCOL_VERSION, record: record as PageRecord }, objectProto, arrayProto);
}

/** What `JSON.stringify` of an envelope writes before its record. */
const STATS_ENVELOPE_HEAD = '{"source":' + jsonStringify(SOURCE_TAG) + ',"v":' + jsonStringify(PROTOCOL_VERSION) + ',"record":';

function safeHas(obj: object, key: string): boolean {
  try {
    for (let current: unknown = obj, depth = 0; current !== null && depth < 4; current = getPrototypeOf(current), depth++) {
      if (hasOwn(current as object, key)) return true;
    }
  } catch {
    return true;
  }
  return false;
}

function plainStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = jsonStringify(value); // primitives: toJSON is never looked up
    return text === undefined ? 'null' : text;
  }
  if (isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + plainStringify(value[i]);
    return out + ']';
  }
  let out = '{';
  let first = true;
  const keys = objectKeys(value);
  for (let i = 0; i < keys.length; i++) {
    const item = (value as Record<string, unknown>)[keys[i]];
    if (item === undefined || typeof item === 'function') continue;
    out += (first ? '' : ',') + jsonStringify(keys[i]) + ':' + plainStringify(item);
    first = false;
  }
  return out + '}';
}

/**
 * Installs the hook in `win` and connects it to the relay of the same frame. Returns the controller (the existing
 * one when the realm was already hooked).
 */
export function startPageHook(win: PageWindow, options?: InstallOptions): HookController {
  const eventTargetProto = safeGet(readGlobal(win, 'EventTarget'), 'prototype');
  const dispatchEvent = findMethod(eventTargetProto, 'dispatchEvent');
  const addEventListener = findMethod(eventTargetProto, 'addEventListener');
  const CustomEventCtor = readGlobal(win, 'CustomEvent') as (new (type: string, init: CustomEventInit) => Event) | undefined;
  const detailGetter = findGetter(safeGet(CustomEventCtor, 'prototype'), 'detail');
  const objectProto = safeGet(readGlobal(win, 'Object'), 'prototype') as object;
  const arrayProto = safeGet(readGlobal(win, 'Array'), 'prototype') as object;

  const initCustomEvent = findMethod(safeGet(CustomEventCtor, 'prototype'), 'initCustomEvent');
  /**
   * One event object, re-initialised with each post's detail: constructing a CustomEvent cost Chromium 156 about
   * 10 µs on the bench call's page and 25 on an idle one, re-initialising and dispatching one (no listener) about 5
   * (once a second, a poll tick's cold path). Init clears whatever a listener did to it (stopped propagation). Not
   * while it is being dispatched (a page listener of our event type may make the hook post again from inside the
   * dispatch): then a new one is made.
   */
  let reusableEvent: Event | undefined;
  let dispatching = false;
  const post = (detail: string) => {
    if (initCustomEvent !== undefined && !dispatching) {
      let event: Event | undefined;
      try {
        event = reusableEvent ?? (reusableEvent = reflectConstruct(CustomEventCtor!, [PAGE_TO_RELAY_EVENT, { __proto__: null } as unknown as CustomEventInit]) as Event);
        reflectApply(initCustomEvent, event, [PAGE_TO_RELAY_EVENT, false, false, detail]);
      } catch {
        event = undefined; // a browser without a working initCustomEvent: a new event per post, below
      }
      if (event !== undefined) {
        dispatching = true;
        try {
          reflectApply(dispatchEvent!, win, [event]);
        } finally {
          dispatching = false;
        }
        return;
      }
    }
    // A null-prototype init dictionary: the page's getters on Object.prototype (bubbles, composed…) are not consulted.
    const init = { __proto__: null, detail } as unknown as CustomEventInit;
    const event = reflectConstruct(CustomEventCtor!, [PAGE_TO_RELAY_EVENT, init]);
    reflectApply(dispatchEvent!, win, [event]);
  };
  const envelopeText = (record: HookRecord) => envelopeJson(record, objectProto, arrayProto);

  const emit = (record: HookRecord) => {
    if (!dispatchEvent || !CustomEventCtor) return;
    post(envelopeText(record));
  };

  /** Several records in one event, their envelopes joined by line feeds (up to PAGE_EVENT_JOIN_CHARS per event). */
  const emitMany = (records: HookRecord[]) => {
    if (!dispatchEvent || !CustomEventCtor) return;
    let detail = '';
    for (let i = 0; i < records.length; i++) {
      const text = envelopeText(records[i]);
      if (detail === '') detail = text;
      else if (detail.length + 1 + text.length <= PAGE_EVENT_JOIN_CHARS) detail += '\n' + text;
      else {
        post(detail);
        detail = text;
      }
    }
    if (detail !== '') post(detail);
  };

  const hookOptions = bare<InstallOptions>();
  if (options !== undefined) {
    if (hasOwn(options, 'pollIntervalMs')) hookOptions.pollIntervalMs = options.pollIntervalMs;
    if (hasOwn(options, 'enabled')) hookOptions.enabled = options.enabled;
  }
  hookOptions.emitMany = emitMany;
  hookOptions.stringify = (value: unknown) => stringifyValue(value, objectProto, arrayProto);
  const controller = installHook(win, emit, hookOptions);

  if (addEventListener) {
    try {
      reflectApply(addEventListener, win, [
        RELAY_TO_PAGE_EVENT,
        (event: Event) => {
          try {
            const config = parseRelayConfig(callSafe(detailGetter, event));
            if (config) controller.setConfig(config);
          } catch {
            /* ignore */
          }
        },
      ]);
    } catch {
      /* without settings the hook keeps its defaults */
    }
  }
  return controller;
}
