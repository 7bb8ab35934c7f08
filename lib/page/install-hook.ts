/**
 * The MAIN-world page hook: traces every RTCPeerConnection, its senders/transceivers/data channels, getUserMedia and
 * friends, and polls getStats, without changing anything the page can observe (see `docs/domain.md` §4).
 *
 * How it stays transparent:
 * - The global constructor becomes a cloaked `Proxy` whose construct trap is `Reflect.construct(Native, args,
 *   newTarget)`: subclasses get their own prototype, `instanceof`, statics, `name`/`length`, and calling without `new`
 *   behave natively; `Native.prototype.constructor` points at the proxy so `pc.constructor === RTCPeerConnection`.
 * - Prototype methods are replaced in place by cloaked proxies that call `Reflect.apply(native, this, args)` with the
 *   page's own `this` and argument list: references the page captured, `super` calls and adapter.js shims are traced.
 * - Promise results are returned as `native.then(v => v, e => { throw e })` with the same value/reason, so an
 *   unhandled rejection stays unhandled for the page; it settles one microtask after the native (ARCHITECTURE.md,
 *   "Hook transparency"). Legacy callback forms get wrapped callbacks that call the page's with the same `this` and
 *   arguments. Sync throws are re-thrown as the same object.
 * - Events are observed with the native `addEventListener` on the instance; `on…` properties are never touched.
 * - Ids live in WeakMaps, never on page objects; every tracing step is inside try/catch.
 * - Every object the hook builds has a prototype-less prototype (SAFE_PROTO in natives.ts) and objects it did not
 *   build are read through own properties only: a page's accessors on Object.prototype never run because of it.
 *
 * Same-origin child frames: when the page reads `iframe.contentWindow`/`contentDocument`, the child realm is patched
 * at once (its PCs report through this hook, with this document's PC numbering), because the page can grab
 * `contentWindow.RTCPeerConnection` of an about:blank/srcdoc frame before any content script ran there
 * (w3c/webextensions#1009). Such a realm stays with this hook while its document lives; a new document in it (the
 * Window reused by a navigation) is taken over by that document's own hook (see {@link RealmState}). Each realm's
 * objects are only ever handed to that realm's natives (see RealmNatives).
 */
import { DEFAULT_POLL_INTERVAL_MS } from '../protocol/constants';
import { ERROR_DETAIL_FIELDS, type Json, type JsonObject } from '../protocol/json';
import { CHANNEL_EVENTS, PC_EVENTS, PC_METHODS, TRACK_EVENTS, type ChannelEventName, type MediaMethod, type PageRecord, type PcEventName, type PcMethod, type RtpTarget, type TrackEventName, type TrackInfo } from '../protocol/messages';
import { canRedefine, cloak, cloakTable, cloakToString, joinCloakTable, patchAccessor, patchMethod, readGlobal, readGuard, type CloakTable } from './cloak';
import {
  bare,
  callSafe,
  dateNow,
  defineProperty,
  descriptorWith,
  findGetter,
  findMethod,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  hasOwn,
  isArray,
  makeRef,
  numberIsFinite,
  objectCreate,
  objectFreeze,
  objectKeys,
  ownValue,
  pushItem,
  reflectApply,
  reflectConstruct,
  type Ref,
  SafeWeakMap,
  SafeWeakSet,
  safeGet,
  setOwn,
  tagOf,
  thenNative,
  thenUnobserved,
} from './natives';
import { createSerializer, type Serializer } from './serialize';
import { clampInterval, collectPlanned, collectReport, createStatsPoller, statsRecordFromText, type StatsPoller, type StatsRecordText } from './stats-poller';

/** Capture settings pushed by the relay. */
export interface HookConfig {
  /** false: nothing is emitted and no PC is polled. */
  enabled: boolean;
  /** getStats period (clamped to ≥ MIN_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  /** The next poll of every PC is a full snapshot (the relay lost records). */
  resync?: boolean;
}

export interface HookController {
  setConfig(config: HookConfig): void;
}

export interface InstallOptions {
  pollIntervalMs?: number;
  /** Capture from the start (default true: the relay may disable it once settings are read). */
  enabled?: boolean;
  /**
   * Posts several records at once (the stats records of one polling tick). Optional: without it every record goes
   * through `emit` on its own.
   */
  emitMany?: (records: HookRecord[]) => void;
  /**
   * `JSON.stringify` for the stats records' delta text (ids, strings, added objects), immune to a page-defined
   * `toJSON` (the bridge's). Default: the native `JSON.stringify`.
   */
  stringify?: (value: unknown) => string;
}

export type PageWindow = Window & typeof globalThis;

/**
 * What the hook hands its sink: protocol records, except the poller's stats records, whose delta is JSON text already
 * ({@link StatsRecordText}; `statsRecordJson` writes the record, `statsRecordFromText` parses it back).
 */
export type HookRecord = PageRecord | StatsRecordText;

/** A hook record in the protocol's form (tests, tools): a stats record's delta text parsed. */
export function toPageRecord(record: HookRecord): PageRecord {
  return hasOwn(record, 'deltaJson') ? statsRecordFromText(record as StatsRecordText) : (record as PageRecord);
}

type AnyFunction = (...args: unknown[]) => unknown;
type Getter = (this: unknown) => unknown;

// The traced events are the protocol's lists: one declaration, so the hook and the guards cannot disagree.
const PC_EVENT_NAMES: readonly PcEventName[] = PC_EVENTS;
const TRACK_EVENT_NAMES: readonly (typeof TRACK_EVENTS)[number][] = TRACK_EVENTS;
const CHANNEL_EVENT_NAMES: readonly ChannelEventName[] = CHANNEL_EVENTS;

/** Methods with a legacy callback form, and the index of the success callback in it. */
const LEGACY_CALLBACK_INDEX: Partial<Record<PcMethod, number>> = objectFreeze({
  __proto__: null,
  createOffer: 0,
  createAnswer: 0,
  setLocalDescription: 1,
  setRemoteDescription: 1,
  addIceCandidate: 1,
} as Partial<Record<PcMethod, number>>);

/** The RTCPeerConnection.prototype methods among the protocol's traced methods (the rest are sender./transceiver.). */
const PC_PROTO_METHODS: readonly PcMethod[] = PC_METHODS.filter((method) => !method.includes('.'));

interface PcInfo {
  id: number;
  ref: Ref<object>;
  /** The realm the PC belongs to: its natives are the only ones called on it. */
  realm: Realm;
  createdAt: number;
  announced: boolean;
  closed: boolean;
  config: JsonObject;
  constraints?: Json;
  /**
   * The last value of each state the background was told (by a state-change event, or the initial one): capture
   * that resumes catches up on the changes it missed (see catchUpStates).
   */
  sentStates: Record<StateEventName, string>;
}

type StateEventName = 'signalingstatechange' | 'iceconnectionstatechange' | 'icegatheringstatechange' | 'connectionstatechange';
const STATE_EVENT_NAMES: readonly StateEventName[] = ['signalingstatechange', 'iceconnectionstatechange', 'icegatheringstatechange', 'connectionstatechange'];
const isStateEvent = (name: PcEventName): name is StateEventName =>
  name === 'signalingstatechange' || name === 'iceconnectionstatechange' || name === 'icegatheringstatechange' || name === 'connectionstatechange';

/**
 * Natives captured from one realm (window), used on that realm's objects only. Calling another realm's WebRTC
 * natives on a PC is not safe: Chromium 156's renderer crashes ("Target crashed") when a parent frame's
 * `RTCPeerConnection.prototype.getStats` is called on a connected PC of a same-origin about:blank child frame. Reproduced
 * without any hook: `RTCPeerConnection.prototype.getStats.call(new iframe.contentWindow.RTCPeerConnection())` every
 * 200 ms during a loopback call between two child-realm PCs.
 */
interface RealmNatives {
  addEventListener?: AnyFunction;
  getConfiguration?: AnyFunction;
  getStats?: AnyFunction;
  getTransceivers?: AnyFunction;
  signalingState?: Getter;
  connectionState?: Getter;
  iceConnectionState?: Getter;
  iceGatheringState?: Getter;
  localDescription?: Getter;
  remoteDescription?: Getter;
  descriptionToJSON?: AnyFunction;
  transceiverSender?: Getter;
  transceiverMid?: Getter;
  statsForEach?: (this: unknown, cb: (v: unknown, k: unknown) => void) => void;
  statsGet?: (this: unknown, id: string) => unknown;
  statsSize?: Getter;
  streamGetTracks?: AnyFunction;
  iframeContentDocument?: Getter;
  documentDefaultView?: Getter;
  /** The realm's `RTCPeerConnection.prototype`: only PCs whose prototype chain holds it are registered. */
  pcPrototype?: object;
  /** The realm's `Promise.prototype` and its `then`: promises handed to the page are of the realm of the call. */
  promisePrototype?: object;
  promiseThen?: AnyFunction;
}

interface Realm {
  natives: RealmNatives;
  ser: Serializer;
}

/** Clock and timers of the install window (all realms' PCs are polled on this one timer). */
interface Clock {
  perfNow: () => number;
  timeOrigin: number;
  setTimeout: (cb: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  /** `document.hidden` through the native getter (false where there is no document). */
  hidden: () => boolean;
}

interface Recorder {
  controller: HookController;
  /** Emits when enabled (never throws). */
  emit(record: HookRecord): void;
  /** Emits a record of a PC, announcing the PC first if that has not happened yet. */
  emitPc(info: PcInfo, record: HookRecord): void;
  now(): number;
  nextCall(): number;
  /** The PC's record; a PC first met here (created before the realm was patched) is registered in `realm`. */
  infoOf(pc: unknown, realm: Realm): PcInfo | undefined;
  /** Whether the PC is registered already (no lazy registration). */
  known(pc: unknown): boolean;
  /** Registers a PC seen for the first time. */
  register(pc: object, args: ArrayLike<unknown>, realm: Realm): PcInfo;
  markClosed(info: PcInfo): void;
  observeTrack(track: unknown, realm: Realm): void;
  /** The page calls `stop()` on a track: recorded when it is one the hook observes and still live. */
  trackStopping(track: unknown, realm: Realm): void;
  observeChannel(info: PcInfo, channel: unknown): void;
  /** Which PC a sender/transceiver belongs to, and where (mid, index). */
  locate(obj: unknown, isSender: boolean): { info: PcInfo; target: RtpTarget } | undefined;
  rtpTarget(transceiver: unknown, info: PcInfo): RtpTarget | undefined;
  /** Child documents already checked (fast path of the iframe getters). */
  seenDocuments: SafeWeakSet<object>;
}

/**
 * Installs the hook in `win`'s realm, synchronously. Once per realm: a second call from this copy of the script
 * returns the realm's controller; from another copy (a child document's own content script in a realm the parent's
 * hook adopted) it gets an inert controller, unless the realm's document changed since (see {@link RealmState}).
 */
export function installHook(
  win: PageWindow,
  emit: (record: HookRecord) => void,
  options: InstallOptions = bare<InstallOptions>(),
): HookController {
  const link = findInstalled(win);
  if (link !== undefined) {
    const own = statesByLink.get(link);
    if (own !== undefined) return takeOver(own, win, emit, options) ?? own.handle;
    return takeOverForeign(link, win, emit, options);
  }
  joinParentTable(win);
  const state = createRealmState(win, createRecorder(win, emit, options));
  patchRealm(win, state);
  return state.handle;
}

/**
 * What a realm's guard-carrying proxies answer {@link GUARD_KEY} with (see cloak.ts): frozen, prototype-less, no state
 * of its own. `textOf`/`register` are the copy's shared table of proxy texts (they hand out only source text);
 * `takeOver` is how a later copy of the hook takes the realm over, and accepts only what a page cannot forge.
 */
interface RealmLink extends CloakTable {
  /**
   * The realm's controller with a new recorder for `emit`, when `win` is the realm's own window and its real document
   * (read with the realm's unforgeable `document` getter captured at install) is not the one the current recorder
   * belongs to; otherwise undefined and nothing changes.
   */
  takeOver(win: unknown, emit: unknown, options: unknown): HookController | undefined;
}

/**
 * One patched realm. Every proxy of the realm reads `rec` when it runs, so the recorder can change: a later install in
 * the realm takes it over (new recorder with the new emit, PC numbering from 1) when the realm's document changed
 * since: an iframe's initial about:blank Window is reused by the same-origin document it navigates to (HTML spec),
 * globals and our patches included, and that document's own hook runs before any of its scripts. Anything else gets
 * no recorder: a realm the parent's hook adopted (see patchFrames) stays the parent's for as long as its document
 * lives, because the child's own copy, running later in the same document, cannot be told from a page script calling
 * the same function (both run in the same world, after the parent's scripts could reach the realm).
 */
interface RealmState {
  rec: Recorder;
  realm: Realm;
  /** The window the realm was patched for (`window` of its hook, or the parent's `contentWindow`). */
  win: PageWindow;
  /** The realm's own `document` getter ([LegacyUnforgeable]: the page can neither replace nor shadow it). */
  documentGetter: Getter | undefined;
  /** The document the current recorder belongs to. */
  doc: unknown;
  /** What this copy's relay bridge drives: setConfig of the current recorder. Never reachable by the page. */
  handle: HookController;
  link: RealmLink;
}

/** The realms this copy patched, by their link. */
const statesByLink = new SafeWeakMap<object, RealmState>();

/** A controller that does nothing: what a copy gets for a realm another copy records. */
const INERT_CONTROLLER: HookController = objectFreeze(
  (() => {
    const inert = bare<HookController>();
    inert.setConfig = () => {};
    return inert;
  })(),
);

function currentDocument(state: RealmState): unknown {
  return state.documentGetter === undefined ? undefined : callSafe(state.documentGetter, state.win);
}

function takeOver(state: RealmState, win: unknown, emit: unknown, options: unknown): HookController | undefined {
  if (win !== state.win || typeof emit !== 'function') return undefined;
  const doc = currentDocument(state);
  if (doc === undefined || doc === state.doc) return undefined;
  state.doc = doc;
  const opts = typeof options === 'object' && options !== null ? (options as InstallOptions) : bare<InstallOptions>();
  state.rec = createRecorder(state.win, emit as (record: HookRecord) => void, opts);
  return state.handle;
}

/** Asks another copy's realm link to take the realm over for us. */
function takeOverForeign(link: object, win: PageWindow, emit: (record: HookRecord) => void, options: InstallOptions): HookController {
  try {
    const fn = ownValue(link, 'takeOver');
    if (typeof fn !== 'function') return INERT_CONTROLLER;
    const controller = reflectApply(fn, link, [win, emit, options]);
    const setConfig = ownValue(controller, 'setConfig');
    if (typeof setConfig !== 'function') return INERT_CONTROLLER;
    const out = bare<HookController>();
    out.setConfig = (config) => {
      reflectApply(setConfig, controller, [config]);
    };
    return objectFreeze(out);
  } catch {
    return INERT_CONTROLLER;
  }
}

function createRealmState(win: PageWindow, rec: Recorder): RealmState {
  const state = bare<RealmState>();
  state.rec = rec;
  state.realm = captureRealm(win);
  state.win = win;
  const documentDesc = getOwnPropertyDescriptor(win, 'document');
  state.documentGetter = documentDesc !== undefined && typeof documentDesc.get === 'function' ? (documentDesc.get as Getter) : undefined;
  state.doc = currentDocument(state);
  const handle = bare<HookController>();
  handle.setConfig = (config) => state.rec.controller.setConfig(config);
  state.handle = objectFreeze(handle);
  const link = bare<RealmLink>();
  link.textOf = cloakTable.textOf;
  link.register = cloakTable.register;
  link.takeOver = (otherWin, emit, options) => {
    try {
      return takeOver(state, otherWin, emit, options);
    } catch {
      return undefined;
    }
  };
  state.link = objectFreeze(link);
  statesByLink.set(state.link, state);
  return state;
}

/**
 * A copy of the hook starting in a same-origin child frame joins its parent's table of proxy texts (see cloak.ts), so
 * that each realm's `toString` prints the other's proxies natively. `frameElement` is null when the parent is
 * cross-origin (then nothing of it is touched); the parent's hook ran before this frame existed.
 */
function joinParentTable(win: PageWindow): void {
  try {
    const frameElement = readGlobal(win, 'frameElement');
    if (typeof frameElement !== 'object' || frameElement === null) return;
    const parent = readGlobal(win, 'parent');
    if (parent === win) return;
    const link = findInstalled(parent);
    if (link === undefined || statesByLink.has(link)) return;
    const textOf = ownValue(link, 'textOf');
    const register = ownValue(link, 'register');
    if (typeof textOf !== 'function' || typeof register !== 'function') return;
    const table = bare<CloakTable>();
    table.textOf = (fn) => {
      const text = reflectApply(textOf, link, [fn]);
      return typeof text === 'string' ? text : undefined;
    };
    table.register = (fn, text) => {
      reflectApply(register, link, [fn, text]);
    };
    joinCloakTable(table);
  } catch {
    /* this copy keeps its own table */
  }
}

/** The link of a hook already installed in `win`'s realm (by any copy), if any. */
export function findInstalled(win: unknown): object | undefined {
  try {
    const candidates: unknown[] = [
      safeGet(safeGet(readGlobal(win, 'Function'), 'prototype'), 'toString'),
      readGlobal(win, 'RTCPeerConnection'),
      readGlobal(win, 'webkitRTCPeerConnection'),
      safeGet(safeGet(readGlobal(win, 'MediaDevices'), 'prototype'), 'getUserMedia'),
      safeGet(safeGet(readGlobal(win, 'RTCRtpSender'), 'prototype'), 'replaceTrack'),
    ];
    for (let i = 0; i < candidates.length; i++) {
      const link = readGuard(candidates[i]);
      if (typeof link === 'object' && link !== null) return link;
    }
  } catch {
    /* not installed, as far as we can tell */
  }
  return undefined;
}

const protoOf = (win: unknown, name: string): unknown => safeGet(readGlobal(win, name), 'prototype');

function captureRealm(win: PageWindow): Realm {
  const pcProto = protoOf(win, 'RTCPeerConnection') ?? protoOf(win, 'webkitRTCPeerConnection');
  const transceiverProto = protoOf(win, 'RTCRtpTransceiver');
  const promiseProtoValue = protoOf(win, 'Promise');
  const promiseProto = typeof promiseProtoValue === 'object' && promiseProtoValue !== null ? promiseProtoValue : undefined;
  const natives: RealmNatives = {
    addEventListener: findMethod(protoOf(win, 'EventTarget'), 'addEventListener'),
    getConfiguration: findMethod(pcProto, 'getConfiguration'),
    getStats: findMethod(pcProto, 'getStats'),
    getTransceivers: findMethod(pcProto, 'getTransceivers'),
    signalingState: findGetter(pcProto, 'signalingState'),
    connectionState: findGetter(pcProto, 'connectionState'),
    iceConnectionState: findGetter(pcProto, 'iceConnectionState'),
    iceGatheringState: findGetter(pcProto, 'iceGatheringState'),
    localDescription: findGetter(pcProto, 'localDescription'),
    remoteDescription: findGetter(pcProto, 'remoteDescription'),
    descriptionToJSON: findMethod(protoOf(win, 'RTCSessionDescription'), 'toJSON'),
    transceiverSender: findGetter(transceiverProto, 'sender'),
    transceiverMid: findGetter(transceiverProto, 'mid'),
    statsForEach: findMethod(protoOf(win, 'RTCStatsReport'), 'forEach') as RealmNatives['statsForEach'],
    statsGet: findMethod(protoOf(win, 'RTCStatsReport'), 'get') as RealmNatives['statsGet'],
    statsSize: findGetter(protoOf(win, 'RTCStatsReport'), 'size'),
    streamGetTracks: findMethod(protoOf(win, 'MediaStream'), 'getTracks'),
    iframeContentDocument: findGetter(protoOf(win, 'HTMLIFrameElement'), 'contentDocument'),
    documentDefaultView: findGetter(protoOf(win, 'Document'), 'defaultView'),
    pcPrototype: typeof pcProto === 'object' && pcProto !== null ? pcProto : undefined,
    promisePrototype: promiseProto,
    promiseThen: findMethod(promiseProto, 'then'),
  };
  const ser = createSerializer({
    streamGetTracks: natives.streamGetTracks as Getter | undefined,
    certificateGetFingerprints: findMethod(protoOf(win, 'RTCCertificate'), 'getFingerprints') as Getter | undefined,
    candidateToJSON: findMethod(protoOf(win, 'RTCIceCandidate'), 'toJSON') as Getter | undefined,
    descriptionToJSON: findMethod(protoOf(win, 'RTCSessionDescription'), 'toJSON') as Getter | undefined,
    trackGetSettings: findMethod(protoOf(win, 'MediaStreamTrack'), 'getSettings') as Getter | undefined,
    errorDetailGetters: captureErrorDetailGetters(win),
  });
  return { natives, ser };
}

/** The native getters of {@link ERROR_DETAIL_FIELDS} on the error interfaces that have them (SerializeNatives). */
function captureErrorDetailGetters(win: PageWindow): [string, Getter][] {
  const out: [string, Getter][] = [];
  const protos = [protoOf(win, 'OverconstrainedError'), protoOf(win, 'RTCError')];
  for (let p = 0; p < protos.length; p++) {
    for (let i = 0; i < ERROR_DETAIL_FIELDS.length; i++) {
      const getter = findGetter(protos[p], ERROR_DETAIL_FIELDS[i]);
      if (getter !== undefined) pushItem(out, [ERROR_DETAIL_FIELDS[i], getter as Getter]);
    }
  }
  return out;
}

function captureClock(win: PageWindow): Clock {
  const perf = readGlobal(win, 'performance') as Performance | undefined;
  const nowFn = findMethod(perf, 'now');
  const perfNow = (): number => {
    const value = nowFn ? (reflectApply(nowFn, perf, []) as number) : dateNow();
    return typeof value === 'number' ? value : 0;
  };
  const origin = safeGet(perf, 'timeOrigin');
  const setTimeoutFn = readGlobal(win, 'setTimeout') as AnyFunction | undefined;
  const clearTimeoutFn = readGlobal(win, 'clearTimeout') as AnyFunction | undefined;
  const doc = readGlobal(win, 'document');
  const hiddenGetter = doc ? findGetter(doc, 'hidden') : undefined;
  return {
    hidden: () => (hiddenGetter ? reflectApply(hiddenGetter, doc, []) === true : false),
    perfNow,
    timeOrigin: typeof origin === 'number' && numberIsFinite(origin) ? origin : dateNow() - perfNow(),
    setTimeout: (cb, ms) => (setTimeoutFn ? reflectApply(setTimeoutFn, win, [cb, ms]) : undefined),
    clearTimeout: (handle) => {
      if (clearTimeoutFn) reflectApply(clearTimeoutFn, win, [handle]);
    },
  };
}

const TRACK_TAGS: Record<string, true> = objectFreeze({
  __proto__: null,
  '[object MediaStreamTrack]': true,
  '[object CanvasCaptureMediaStreamTrack]': true,
  '[object BrowserCaptureMediaStreamTrack]': true,
} as unknown as Record<string, true>);

function createRecorder(win: PageWindow, sink: (record: HookRecord) => void, options: InstallOptions): Recorder {
  const clock = captureClock(win);
  let enabled = ownValue(options, 'enabled') !== false;
  let pcCounter = 0;
  let callCounter = 0;
  const pcs = new SafeWeakMap<object, PcInfo>();
  /**
   * PCs not known to be closed or collected, by id (null prototype). Pruned on close and when a PC is found collected,
   * so pages that make thousands of short-lived PCs (IP-leak and fingerprinting scripts do) keep this small.
   */
  const live: Record<number, PcInfo> = objectCreate(null);
  const liveInfos = (): PcInfo[] => {
    const out: PcInfo[] = [];
    const ids = objectKeys(live);
    for (let i = 0; i < ids.length; i++) {
      const info = live[ids[i] as unknown as number];
      if (info.ref.deref()) pushItem(out, info);
      else delete live[info.id];
    }
    return out;
  };
  const owners = new SafeWeakMap<object, PcInfo>();
  const seenTracks = new SafeWeakSet<object>();
  const seenChannels = new SafeWeakSet<object>();

  const now = () => clock.timeOrigin + clock.perfNow();
  const getter = (fn: Getter | undefined, obj: unknown): unknown => callSafe(fn, obj);
  const listen = (realm: Realm, target: unknown, type: string, listener: (event: Event) => void) => {
    const add = realm.natives.addEventListener;
    if (add) reflectApply(add, target, [type, listener]);
  };

  // Own values only: an options object without one of them must not pick up a page's Object.prototype getter.
  const emitManyOption = ownValue(options, 'emitMany');
  const many = typeof emitManyOption === 'function' ? (emitManyOption as (records: HookRecord[]) => void) : undefined;
  const stringifyOption = ownValue(options, 'stringify');
  const stringify = typeof stringifyOption === 'function' ? (stringifyOption as (value: unknown) => string) : undefined;
  const pollIntervalOption = ownValue(options, 'pollIntervalMs');
  const emitNow = (record: HookRecord) => {
    if (!enabled) return;
    try {
      sink(record);
    } catch {
      /* the sink's problem, never the page's */
    }
  };
  /** Every record but the poller's batched stats: the stats records made before it go out first (order kept). */
  const emit = (record: HookRecord) => {
    poller.flush();
    emitNow(record);
  };

  const announce = (info: PcInfo) => {
    info.announced = true;
    const record = bare<Extract<PageRecord, { type: 'pc-created' }>>();
    record.type = 'pc-created';
    record.pc = info.id;
    record.t = info.createdAt;
    record.config = info.config;
    if (info.constraints !== undefined) record.constraints = info.constraints;
    emit(record);
  };

  /**
   * After capture was off (or records were lost), a PC's states may have changed unseen: each state that differs
   * from the last one the background was told is sent now as its change event, at the time capture learned of it.
   * Without it a call that connected while capture was paused read "new" for the rest of the call (QA pass).
   */
  const catchUpStates = (info: PcInfo) => {
    const pc = info.ref.deref();
    if (!pc) return;
    for (let i = 0; i < STATE_EVENT_NAMES.length; i++) {
      const name = STATE_EVENT_NAMES[i];
      const state = getter(stateGetter(info.realm.natives, name), pc);
      if (typeof state !== 'string' || state === info.sentStates[name]) continue;
      info.sentStates[name] = state;
      emit({ type: 'pc-event', pc: info.id, t: now(), event: name, value: state });
    }
  };

  const emitPc = (info: PcInfo, record: HookRecord) => {
    if (!enabled) return;
    if (!info.announced) announce(info);
    emit(record);
  };

  const isClosed = (pc: object): boolean => {
    const info = pcs.get(pc);
    if (!info) return true;
    if (info.closed) return true;
    const n = info.realm.natives;
    return getter(n.signalingState, pc) === 'closed' || getter(n.connectionState, pc) === 'closed';
  };

  const poller = createStatsPoller<object>(
    {
      getStats: (pc) => reflectApply(pcs.get(pc)!.realm.natives.getStats!, pc, []) as PromiseLike<unknown>,
      isClosed,
      collect: (report, pc) => collectReport(report, pcs.get(pc)?.realm.natives.statsForEach),
      collectPlanned: (report, pc, prev, plan) => {
        const natives = pcs.get(pc)?.realm.natives;
        return natives ? collectPlanned(report, prev, plan, natives.statsSize, natives.statsGet) : null;
      },
      emit: (record) => {
        const info = live[record.pc];
        if (info) emitPc(info, record);
      },
      emitBatch: (records) => {
        if (!enabled) return;
        const out: HookRecord[] = [];
        for (let i = 0; i < records.length; i++) {
          const info = live[records[i].pc];
          if (!info) continue;
          if (!info.announced) announce(info);
          pushItem(out, records[i]);
        }
        if (out.length === 0) return;
        if (many === undefined) {
          for (let i = 0; i < out.length; i++) emitNow(out[i]);
          return;
        }
        try {
          many(out);
        } catch {
          /* the sink's problem, never the page's */
        }
      },
      stringify,
      now: clock.perfNow,
      timeOrigin: clock.timeOrigin,
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      isHidden: clock.hidden,
    },
    { enabled, intervalMs: clampInterval(pollIntervalOption ?? DEFAULT_POLL_INTERVAL_MS) },
  );

  const markClosed = (info: PcInfo) => {
    if (info.closed) return;
    poller.flush(); // its stats made before the close go out while the PC is still known
    info.closed = true;
    delete live[info.id];
    poller.remove(info.id);
  };

  const observeTrack = (track: unknown, realm: Realm) => {
    try {
      if (typeof track !== 'object' || track === null || seenTracks.has(track)) return;
      if (TRACK_TAGS[tagOf(track)] !== true) return;
      seenTracks.add(track);
      for (let i = 0; i < TRACK_EVENT_NAMES.length; i++) {
        const event = TRACK_EVENT_NAMES[i];
        listen(realm, track, event, () => {
          try {
            emit({ type: 'track-event', t: now(), track: realm.ser.track(track), event });
          } catch {
            /* ignore */
          }
        });
      }
    } catch {
      /* ignore */
    }
  };

  const trackStopping = (track: unknown, realm: Realm) => {
    try {
      if (typeof track !== 'object' || track === null || !seenTracks.has(track)) return;
      // stop() on an ended track changes nothing.
      if (safeGet(track, 'readyState') !== 'live') return;
      emit({ type: 'track-event', t: now(), track: realm.ser.track(track), event: 'stop' });
    } catch {
      /* ignore */
    }
  };

  const observeChannel = (info: PcInfo, channel: unknown) => {
    try {
      if (typeof channel !== 'object' || channel === null || seenChannels.has(channel)) return;
      if (tagOf(channel) !== '[object RTCDataChannel]') return;
      seenChannels.add(channel);
      for (let i = 0; i < CHANNEL_EVENT_NAMES.length; i++) {
        const event = CHANNEL_EVENT_NAMES[i];
        listen(info.realm, channel, event, () => {
          try {
            const id = safeGet(channel, 'id');
            const label = safeGet(channel, 'label');
            emitPc(info, {
              type: 'channel-event',
              pc: info.id,
              t: now(),
              channel: {
                id: typeof id === 'number' && numberIsFinite(id) && id >= 0 ? id : null,
                label: typeof label === 'string' ? label : '',
              },
              event,
            });
          } catch {
            /* ignore */
          }
        });
      }
    } catch {
      /* ignore */
    }
  };

  const stateGetter = (n: RealmNatives, name: PcEventName): Getter | undefined =>
    name === 'signalingstatechange'
      ? n.signalingState
      : name === 'iceconnectionstatechange'
        ? n.iceConnectionState
        : name === 'icegatheringstatechange'
          ? n.iceGatheringState
          : name === 'connectionstatechange'
            ? n.connectionState
            : undefined;

  /** Where `obj` (a transceiver, or with isSender a sender) sits among the PC's transceivers. */
  const findIn = (info: PcInfo, obj: unknown, isSender: boolean): RtpTarget | undefined => {
    const pc = info.ref.deref();
    const n = info.realm.natives;
    if (!pc || !n.getTransceivers) return undefined;
    const list = callSafe(n.getTransceivers, pc);
    if (!isArray(list)) return undefined;
    for (let i = 0; i < list.length; i++) {
      const transceiver = list[i];
      if (transceiver === obj || (isSender && getter(n.transceiverSender, transceiver) === obj)) {
        const mid = getter(n.transceiverMid, transceiver);
        return { mid: typeof mid === 'string' ? mid : null, index: i };
      }
    }
    return undefined;
  };

  const rtpTarget = (transceiver: unknown, info: PcInfo): RtpTarget | undefined => findIn(info, transceiver, false);

  const eventValue = (info: PcInfo, pc: object, name: PcEventName, event: Event): Json => {
    const ser = info.realm.ser;
    switch (name) {
      case 'icecandidate': {
        const candidate = safeGet(event, 'candidate');
        return candidate ? ser.value(candidate) : null;
      }
      case 'icecandidateerror': {
        const out = bare<JsonObject>();
        for (let i = 0; i < ICE_ERROR_FIELDS.length; i++) {
          const key = ICE_ERROR_FIELDS[i];
          const value = safeGet(event, key);
          if (value !== undefined) out[key] = ser.value(value);
        }
        return out;
      }
      case 'track': {
        const track = safeGet(event, 'track');
        observeTrack(track, info.realm);
        const streams = safeGet(event, 'streams');
        const ids: Json[] = [];
        if (isArray(streams)) for (let i = 0; i < streams.length; i++) pushItem(ids, ser.value(safeGet(streams[i], 'id')));
        const transceiver = safeGet(event, 'transceiver');
        const target = transceiver ? rtpTarget(transceiver, info) : undefined;
        if (transceiver && typeof transceiver === 'object') owners.set(transceiver, info);
        const out = bare<JsonObject>();
        out.track = { ...ser.track(track) };
        out.streams = ids;
        if (target) out.transceiver = { ...target };
        return out;
      }
      case 'datachannel': {
        const channel = safeGet(event, 'channel');
        observeChannel(info, channel);
        return ser.value(channel);
      }
      case 'negotiationneeded':
        return null;
      default: {
        const state = getter(stateGetter(info.realm.natives, name), pc);
        if (state === 'closed' && (name === 'connectionstatechange' || name === 'signalingstatechange')) markClosed(info);
        return typeof state === 'string' ? state : null;
      }
    }
  };

  const register = (pc: object, args: ArrayLike<unknown>, realm: Realm): PcInfo => {
    liveInfos(); // forgets the PCs collected since (never closed: IP probes), whether or not anything else prunes
    const info = bare<PcInfo>();
    info.id = ++pcCounter;
    info.ref = makeRef(pc);
    info.realm = realm;
    info.createdAt = now();
    info.announced = false;
    info.closed = false;
    info.config = {};
    // A new PC's states (what the background assumes for a PC it is told of).
    const sent = bare<Record<StateEventName, string>>();
    sent.signalingstatechange = 'stable';
    sent.iceconnectionstatechange = 'new';
    sent.icegatheringstatechange = 'new';
    sent.connectionstatechange = 'new';
    info.sentStates = sent;
    pcs.set(pc, info);
    live[info.id] = info;
    try {
      const config = realm.natives.getConfiguration ? callSafe(realm.natives.getConfiguration, pc) : undefined;
      const json = config === undefined ? {} : realm.ser.value(config);
      info.config = json !== null && typeof json === 'object' && !isArray(json) ? json : {};
      if (args.length > 1 && args[1] !== undefined) info.constraints = realm.ser.value(args[1]);
    } catch {
      /* keep the empty config */
    }
    if (enabled) announce(info);
    for (let i = 0; i < PC_EVENT_NAMES.length; i++) {
      const name = PC_EVENT_NAMES[i];
      try {
        listen(realm, pc, name, (event: Event) => {
          try {
            const value = eventValue(info, pc, name, event);
            emitPc(info, { type: 'pc-event', pc: info.id, t: now(), event: name, value });
            if (enabled && isStateEvent(name) && typeof value === 'string') info.sentStates[name] = value;
          } catch {
            /* ignore */
          }
        });
      } catch {
        /* ignore */
      }
    }
    if (isClosed(pc)) markClosed(info);
    else if (realm.natives.getStats) poller.add(info.id, pc);
    return info;
  };

  /**
   * A PC of `realm`: it passes the realm's brand check (a native getter, which also accepts PCs of other same-origin
   * realms) and its prototype chain holds the realm's `RTCPeerConnection.prototype`. A PC of another realm
   * (`RTCPeerConnection.prototype.createOffer.call(new frames[0].RTCPeerConnection())`) is not registered here, so
   * this realm's natives are never called on it every poll (see RealmNatives); the call itself runs untraced.
   */
  const isPc = (value: unknown, realm: Realm): value is object => {
    const brand = realm.natives.signalingState;
    const pcPrototype = realm.natives.pcPrototype;
    if (typeof value !== 'object' || value === null || !brand || !pcPrototype) return false;
    try {
      reflectApply(brand, value, []);
    } catch {
      return false;
    }
    // A platform object passed the brand check: its [[GetPrototypeOf]] is ordinary (no page trap runs).
    let proto: unknown = getPrototypeOf(value);
    for (let depth = 0; depth < 32 && proto !== null && typeof proto === 'object'; depth++) {
      if (proto === pcPrototype) return true;
      proto = getPrototypeOf(proto as object);
    }
    return false;
  };

  const infoOf = (pc: unknown, realm: Realm): PcInfo | undefined => {
    const known = pcs.get(pc);
    if (known) return known;
    if (!isPc(pc, realm)) return undefined;
    return register(pc, [], realm);
  };

  const locate = (obj: unknown, isSender: boolean): { info: PcInfo; target: RtpTarget } | undefined => {
    if (typeof obj !== 'object' || obj === null) return undefined;
    const cached = owners.get(obj);
    if (cached) {
      const target = findIn(cached, obj, isSender);
      if (target) return { info: cached, target };
    }
    const candidates = liveInfos();
    for (let i = candidates.length - 1; i >= 0; i--) {
      const target = findIn(candidates[i], obj, isSender);
      if (target) {
        owners.set(obj, candidates[i]);
        return { info: candidates[i], target };
      }
    }
    return undefined;
  };

  const controller = bare<HookController>();
  controller.setConfig = (config) => {
      try {
        // Own values only: a config without `resync` must not reach a page getter on Object.prototype.
        const nextEnabled = ownValue(config, 'enabled');
        if (typeof nextEnabled !== 'boolean') return;
        const wasEnabled = enabled;
        enabled = nextEnabled;
        poller.configure({ enabled, intervalMs: clampInterval(ownValue(config, 'pollIntervalMs')) });
        const resync = ownValue(config, 'resync') === true;
        if (resync) poller.resync();
        if (!enabled && wasEnabled) {
          // While capture is off the relay drops everything: what it dropped may have been a PC's announcement.
          const infos = liveInfos();
          for (let i = 0; i < infos.length; i++) infos[i].announced = false;
        } else if (enabled && (!wasEnabled || resync)) {
          // Capture back on (PCs created or announced while it was off), or records were lost on the way (a resync:
          // a dropped announcement leaves every later record of its PC refused): announce every live PC again.
          // The background keeps the first announcement of a PC it knows and ignores the repeats.
          const infos = liveInfos();
          for (let i = 0; i < infos.length; i++) {
            if (!infos[i].announced || resync) announce(infos[i]);
            catchUpStates(infos[i]);
          }
        }
      } catch {
        /* ignore */
      }
  };
  objectFreeze(controller);

  return {
    controller,
    emit,
    emitPc,
    now,
    nextCall: () => callCounter++,
    infoOf,
    known: (pc) => pcs.has(pc),
    register,
    markClosed,
    observeTrack,
    trackStopping,
    observeChannel,
    locate,
    rtpTarget,
    seenDocuments: new SafeWeakSet<object>(),
  };
}

// ───────────────────────────── tracing one call ─────────────────────────────

interface CallHooks {
  target?: RtpTarget;
  /** Index of the success callback when the call uses a legacy callback form. */
  legacyIndex?: number;
  /** After a successful return/resolution (e.g. observe a created data channel). */
  onValue?(value: unknown): void;
  /** Custom serialisation of the settled value. */
  value?(value: unknown): Json | undefined;
  /** The value to record when the call succeeded with `undefined`, given the call's recorded arguments. */
  valueOfVoid?(recordedArgs: Json[]): Json | undefined;
}

/** No hooks (of SAFE_PROTO like every CallHooks: reading an absent hook reaches no page getter). */
const NO_HOOKS: CallHooks = objectFreeze(bare<CallHooks>());

/** Hooks that only name the sender/transceiver a call is about. */
function targetHooks(target: RtpTarget): CallHooks {
  const hooks = bare<CallHooks>();
  hooks.target = target;
  return hooks;
}

function isPromiseLike(value: unknown): value is Promise<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return tagOf(value) === '[object Promise]';
  } catch {
    return false;
  }
}

/**
 * Calls `native` exactly as the page asked (same `this`, same arguments) and reports the outcome once through
 * `settle`. `announce` runs first (it emits the call record). With `legacyIndex`, the success and failure
 * callbacks at that position are wrapped only to observe them, and success is reported by the callback (the
 * returned promise resolves with undefined); otherwise by the returned promise or value. A sync throw or a
 * rejection is reported as a failure and passed on unchanged; the page gets the native result, or for promises
 * a promise settling the same way. If tracing itself fails before the call, the native is called untraced.
 */
function invokeTraced(
  realm: Realm,
  native: AnyFunction,
  thisArg: unknown,
  args: unknown[],
  legacyIndex: number | undefined,
  announce: () => void,
  settle: (ok: boolean, outcome: unknown) => void,
): unknown {
  const legacy = legacyIndex !== undefined;
  let callArgs = args;
  try {
    announce();
    if (legacy) {
      const copy: unknown[] = [];
      for (let i = 0; i < args.length; i++) pushItem(copy, args[i]);
      const success = args[legacyIndex];
      const failure = args[legacyIndex + 1];
      if (typeof success === 'function') {
        copy[legacyIndex] = function (this: unknown) {
          settle(true, arguments[0]);
          return reflectApply(success as AnyFunction, this, arguments as unknown as unknown[]);
        };
      }
      if (typeof failure === 'function') {
        copy[legacyIndex + 1] = function (this: unknown) {
          settle(false, arguments[0]);
          return reflectApply(failure as AnyFunction, this, arguments as unknown as unknown[]);
        };
      }
      callArgs = copy;
    }
  } catch {
    return reflectApply(native, thisArg, args);
  }
  let result: unknown;
  try {
    result = reflectApply(native, thisArg, callArgs);
  } catch (error) {
    settle(false, error);
    throw error;
  }
  if (typeof result === 'object' && result !== null) {
    // The call's promise is replaced by one that settles the same way after our reaction ran: one microtask later
    // than the native would have (see ARCHITECTURE.md). A promise of the realm (the usual case) gets the realm's `then`
    // without the Promise.prototype.constructor / Symbol.species reads `then` makes otherwise, so the page's promise
    // is a plain promise of its realm, as the native's is, whatever the page did to those.
    const { promiseThen, promisePrototype } = realm.natives;
    let ofRealm = false;
    try {
      ofRealm = promiseThen !== undefined && getPrototypeOf(result) === promisePrototype;
    } catch {
      /* a revoked proxy from a page's replacement of the native: not a promise */
    }
    if (ofRealm || isPromiseLike(result)) {
      const onOk = (value: unknown) => {
        // Legacy form: the promise resolves with undefined; the success callback carried the value.
        if (!legacy) settle(true, value);
        return value;
      };
      const onError = (error: unknown) => {
        settle(false, error);
        throw error;
      };
      try {
        return ofRealm ? thenUnobserved(result as Promise<unknown>, onOk, onError, promiseThen) : thenNative(result as Promise<unknown>, onOk, onError);
      } catch {
        return result;
      }
    }
  }
  if (!legacy) settle(true, result);
  return result;
}

/**
 * Calls `native` exactly as the page asked (same `this`, same arguments, callbacks wrapped only to observe them),
 * recording `pc-call` before and `pc-settled` after. Whatever the page gets back is the native result, or for
 * promises a promise settling the same way.
 */
function traceCall(
  rec: Recorder,
  info: PcInfo,
  method: PcMethod,
  native: AnyFunction,
  thisArg: unknown,
  args: unknown[],
  hooks: CallHooks = NO_HOOKS,
): unknown {
  let call = 0;
  let settled = false;
  let recordedArgs: Json[] = [];
  const settle = (ok: boolean, outcome: unknown) => {
    if (settled) return;
    settled = true;
    try {
      const record = bare<Extract<PageRecord, { type: 'pc-settled' }>>();
      record.type = 'pc-settled';
      record.pc = info.id;
      record.t = rec.now();
      record.call = call;
      record.method = method;
      record.ok = ok;
      if (ok) {
        if (outcome !== undefined) {
          const value = hooks.value ? hooks.value(outcome) : info.realm.ser.value(outcome);
          if (value !== undefined) record.value = value;
        } else if (hooks.valueOfVoid) {
          const value = hooks.valueOfVoid(recordedArgs);
          if (value !== undefined) record.value = value;
        }
      } else {
        record.error = info.realm.ser.error(outcome);
      }
      rec.emitPc(info, record);
    } catch {
      /* ignore */
    }
    if (ok && hooks.onValue) {
      try {
        hooks.onValue(outcome);
      } catch {
        /* ignore */
      }
    }
  };
  return invokeTraced(
    info.realm,
    native,
    thisArg,
    args,
    hooks.legacyIndex,
    () => {
      call = rec.nextCall();
      const record = bare<Extract<PageRecord, { type: 'pc-call' }>>();
      record.type = 'pc-call';
      record.pc = info.id;
      record.t = rec.now();
      record.call = call;
      record.method = method;
      record.args = recordedArgs = info.realm.ser.args(args);
      if (hooks.target) record.target = hooks.target;
      rec.emitPc(info, record);
    },
    settle,
  );
}

// ───────────────────────────── patching a realm ─────────────────────────────

const SENDER_METHODS = [
  ['replaceTrack', 'sender.replaceTrack'],
  ['setParameters', 'sender.setParameters'],
] as const;
const TRANSCEIVER_METHODS = [
  ['setCodecPreferences', 'transceiver.setCodecPreferences'],
  ['stop', 'transceiver.stop'],
] as const;
const MEDIA_METHODS = ['getUserMedia', 'getDisplayMedia', 'enumerateDevices'] as const;
/** navigator.getUserMedia(constraints, success, failure) and its prefixed variants. */
const LEGACY_MEDIA_KEYS = ['getUserMedia', 'webkitGetUserMedia', 'mozGetUserMedia'] as const;
const FRAME_ACCESSORS = ['contentWindow', 'contentDocument'] as const;
const ICE_ERROR_FIELDS = ['address', 'port', 'url', 'errorCode', 'errorText'] as const;
// Loops over these are indexed: `for…of` would call Array.prototype[Symbol.iterator], which the page may replace.

/**
 * Whether every property patchRealm replaces can be redefined with its attributes kept. A page may have frozen a
 * child realm's prototypes before it first reached the realm through `contentWindow` (`Object.freeze(frames[0]
 * .RTCPeerConnection.prototype)`): then the realm is left as it is, unhooked, rather than half patched (a replaced
 * global whose `prototype.constructor` still names the native, methods traced in one prototype but not another).
 */
function realmPatchable(win: PageWindow): boolean {
  const proto = (name: string): unknown => safeGet(readGlobal(win, name), 'prototype');
  const all = (obj: unknown, keys: readonly string[]) => {
    for (let i = 0; i < keys.length; i++) if (!canRedefine(obj, keys[i])) return false;
    return true;
  };
  const pcProto = proto('RTCPeerConnection') ?? proto('webkitRTCPeerConnection');
  const webkitProto = proto('webkitRTCPeerConnection');
  return (
    all(proto('Function'), ['toString']) &&
    all(win, ['RTCPeerConnection', 'webkitRTCPeerConnection']) &&
    all(pcProto, ['constructor']) &&
    all(webkitProto, ['constructor']) &&
    all(pcProto, PC_PROTO_METHODS) &&
    all(proto('RTCRtpSender'), [SENDER_METHODS[0][0], SENDER_METHODS[1][0]]) &&
    all(proto('RTCRtpTransceiver'), [TRANSCEIVER_METHODS[0][0], TRANSCEIVER_METHODS[1][0], 'direction']) &&
    all(proto('MediaDevices'), MEDIA_METHODS) &&
    all(proto('Navigator'), LEGACY_MEDIA_KEYS) &&
    all(proto('HTMLIFrameElement'), FRAME_ACCESSORS)
  );
}

/** Patches the realm of `win`, completely or (see realmPatchable) not at all. Returns whether it did. */
function patchRealm(win: PageWindow, state: RealmState): boolean {
  if (!realmPatchable(win)) return false;
  const link = state.link;
  const realm = state.realm;
  const proto = (name: string): unknown => safeGet(readGlobal(win, name), 'prototype');
  const attempt = (step: () => void) => {
    try {
      step();
    } catch {
      /* one failed patch must not prevent the others */
    }
  };

  attempt(() => {
    const fn = readGlobal(win, 'Function');
    cloakToString(safeGet(fn, 'prototype') as object, link);
  });

  attempt(() => patchConstructors(win, state));

  attempt(() => {
    const pcProto = proto('RTCPeerConnection') ?? proto('webkitRTCPeerConnection');
    for (let i = 0; i < PC_PROTO_METHODS.length; i++) {
      const method = PC_PROTO_METHODS[i];
      patchMethod<AnyFunction>(pcProto, method, (native) => (_target, thisArg, args) => {
        const rec = state.rec;
        const info = rec.infoOf(thisArg, realm);
        if (!info) return reflectApply(native, thisArg, args);
        return traceCall(rec, info, method, native, thisArg, args, pcHooks(rec, info, method, thisArg, args));
      });
    }
  });

  attempt(() => {
    const senderProto = proto('RTCRtpSender');
    for (let i = 0; i < SENDER_METHODS.length; i++) {
      const key = SENDER_METHODS[i][0];
      const method = SENDER_METHODS[i][1];
      patchMethod<AnyFunction>(
        senderProto,
        key,
        (native) => (_target, thisArg, args) => {
          const rec = state.rec;
          const where = rec.locate(thisArg, true);
          if (!where) return reflectApply(native, thisArg, args);
          if (key === 'replaceTrack') rec.observeTrack(args[0], where.info.realm);
          return traceCall(rec, where.info, method, native, thisArg, args, targetHooks(where.target));
        },
        key === 'replaceTrack' ? link : undefined,
      );
    }
  });

  attempt(() => {
    const transceiverProto = proto('RTCRtpTransceiver');
    for (let i = 0; i < TRANSCEIVER_METHODS.length; i++) {
      const key = TRANSCEIVER_METHODS[i][0];
      const method = TRANSCEIVER_METHODS[i][1];
      patchMethod<AnyFunction>(transceiverProto, key, (native) => (_target, thisArg, args) => {
        const rec = state.rec;
        const where = rec.locate(thisArg, false);
        if (!where) return reflectApply(native, thisArg, args);
        return traceCall(rec, where.info, method, native, thisArg, args, targetHooks(where.target));
      });
    }
    patchAccessor(transceiverProto, 'direction', 'set', (native) => (_target, thisArg, args) => {
      const rec = state.rec;
      const where = rec.locate(thisArg, false);
      if (!where) return reflectApply(native, thisArg, args);
      return traceCall(rec, where.info, 'transceiver.direction', native, thisArg, args, targetHooks(where.target));
    });
  });

  attempt(() => {
    // track.stop() fires no event: without this the log could not say that the page itself ended a track.
    patchMethod<AnyFunction>(proto('MediaStreamTrack'), 'stop', (native) => (_target, thisArg, args) => {
      state.rec.trackStopping(thisArg, realm);
      return reflectApply(native, thisArg, args);
    });
  });

  attempt(() => patchMedia(win, state));
  attempt(() => patchFrames(win, state));
  return true;
}

/** A member (`sdp`, `type`) of a recorded description argument, if it is an object with one. */
function descriptionMember(recorded: Json | undefined, key: 'sdp' | 'type'): unknown {
  return typeof recorded === 'object' && recorded !== null && !isArray(recorded) ? ownValue(recorded, key) : undefined;
}

/** What to do around each RTCPeerConnection method. */
function pcHooks(rec: Recorder, info: PcInfo, method: PcMethod, pc: unknown, args: unknown[]): CallHooks {
  const hooks = bare<CallHooks>();
  const legacyIndex = LEGACY_CALLBACK_INDEX[method];
  if (legacyIndex !== undefined && typeof args[legacyIndex] === 'function') hooks.legacyIndex = legacyIndex;
  switch (method) {
    case 'addTrack':
      rec.observeTrack(args[0], info.realm);
      // locate() also remembers the owner, so a later sender.replaceTrack finds it at once.
      hooks.value = (sender) => {
        const where = rec.locate(sender, true);
        const out = info.realm.ser.value(sender) as JsonObject;
        if (where && out && typeof out === 'object' && !isArray(out)) setOwn(out, 'target', { ...where.target });
        return out;
      };
      break;
    case 'removeTrack': {
      // The sender's transceiver, read before the call: health links the stop to the streams that sender sent.
      const where = rec.locate(args[0], true);
      if (where && where.info === info) hooks.target = { ...where.target };
      break;
    }
    case 'addTransceiver':
      rec.observeTrack(args[0], info.realm);
      hooks.value = (transceiver) => {
        const out = info.realm.ser.value(transceiver) as JsonObject;
        const target = rec.rtpTarget(transceiver, info);
        if (target && out && typeof out === 'object' && !isArray(out)) setOwn(out, 'target', { ...target });
        return out;
      };
      break;
    case 'createDataChannel':
      hooks.onValue = (channel) => rec.observeChannel(info, channel);
      break;
    case 'close':
      hooks.onValue = () => rec.markClosed(info);
      break;
    case 'setLocalDescription':
    case 'setRemoteDescription': {
      // setLocalDescription() without an SDP (no argument, `{type}`) has the browser make it: record the description
      // it set, as webrtc-internals logs it with setLocalDescriptionOnSuccess. A remote description whose SDP the
      // serialiser could not see (inherited or accessor properties, which the native still reads) likewise. Read
      // through the realm's native getters once the call resolved (no page getter runs; the page's own argument
      // is not read again).
      const getter = method === 'setLocalDescription' ? info.realm.natives.localDescription : info.realm.natives.remoteDescription;
      hooks.valueOfVoid = (recorded) => {
        // A rollback sets no description (the getter then gives the last stable one, not what this call set).
        // An empty SDP means "the last created", as no SDP does.
        const sdp = descriptionMember(recorded[0], 'sdp');
        if ((typeof sdp === 'string' && sdp !== '') || descriptionMember(recorded[0], 'type') === 'rollback') return undefined;
        const description = callSafe(getter, pc);
        if (description === null || description === undefined) return undefined;
        // The native toJSON reads type and sdp inside the engine; the serializer's property reads would run the
        // page's getters if it replaced them.
        const json = callSafe(info.realm.natives.descriptionToJSON, description);
        return json === null || json === undefined ? undefined : info.realm.ser.value(json);
      };
      break;
    }
  }
  return hooks;
}

/** `new RTCPeerConnection(…)` threw: the arguments as given (credentials removed) and the error, for the session. */
function recordCreateFailed(rec: Recorder, realm: Realm, args: unknown[], error: unknown): void {
  try {
    const record = bare<Extract<PageRecord, { type: 'pc-create-failed' }>>();
    record.type = 'pc-create-failed';
    record.t = rec.now();
    record.args = realm.ser.args(args);
    record.error = realm.ser.error(error);
    rec.emit(record);
  } catch {
    /* never the page's problem */
  }
}

function patchConstructors(win: PageWindow, state: RealmState): void {
  const link = state.link;
  const realm = state.realm;
  const desc = getOwnPropertyDescriptor(win, 'RTCPeerConnection');
  const webkitDesc = getOwnPropertyDescriptor(win, 'webkitRTCPeerConnection');
  const makeProxy = (Native: AnyFunction) =>
    cloak(
      Native,
      {
        construct(target, args, newTarget) {
          let pc: object;
          try {
            pc = reflectConstruct(target, args, newTarget) as object;
          } catch (error) {
            recordCreateFailed(state.rec, realm, args, error);
            throw error; // the very object the native threw
          }
          try {
            const rec = state.rec;
            if (!rec.known(pc)) rec.register(pc, args, realm);
          } catch {
            /* ignore */
          }
          return pc;
        },
      },
      link,
    );
  const replaceGlobal = (key: string, d: PropertyDescriptor, value: unknown) => {
    if (hasOwn(d, 'value')) defineProperty(win, key, descriptorWith(d, { value }));
  };
  const fixConstructorProperty = (Native: AnyFunction, proxy: unknown) => {
    const prototype = safeGet(Native, 'prototype');
    if (typeof prototype !== 'object' || prototype === null) return;
    const c = getOwnPropertyDescriptor(prototype, 'constructor');
    if (c && hasOwn(c, 'value') && c.value === Native) defineProperty(prototype, 'constructor', descriptorWith(c, { value: proxy }));
  };

  const Native = desc && typeof desc.value === 'function' ? (desc.value as AnyFunction) : undefined;
  const WebkitNative = webkitDesc && typeof webkitDesc.value === 'function' ? (webkitDesc.value as AnyFunction) : undefined;
  let proxy: unknown;
  if (Native && readGuard(Native) === undefined) {
    proxy = makeProxy(Native);
    replaceGlobal('RTCPeerConnection', desc!, proxy);
    fixConstructorProperty(Native, proxy);
  }
  if (WebkitNative && readGuard(WebkitNative) === undefined) {
    if (WebkitNative === Native && proxy) {
      replaceGlobal('webkitRTCPeerConnection', webkitDesc!, proxy);
    } else {
      const webkitProxy = makeProxy(WebkitNative);
      replaceGlobal('webkitRTCPeerConnection', webkitDesc!, webkitProxy);
      fixConstructorProperty(WebkitNative, webkitProxy);
    }
  }
}

function patchMedia(win: PageWindow, state: RealmState): void {
  const link = state.link;
  const realm = state.realm;
  const mediaProto = safeGet(readGlobal(win, 'MediaDevices'), 'prototype');

  const traceMedia = (
    method: MediaMethod,
    native: AnyFunction,
    thisArg: unknown,
    args: unknown[],
    legacyIndex?: number,
  ): unknown => {
    const rec = state.rec;
    let call = 0;
    let settled = false;
    const settle = (ok: boolean, outcome: unknown) => {
      if (settled) return;
      settled = true;
      try {
        const record = bare<Extract<PageRecord, { type: 'media-settled' }>>();
        record.type = 'media-settled';
        record.call = call;
        record.t = rec.now();
        record.method = method;
        record.ok = ok;
        if (ok) {
          // applyConstraints resolves with nothing: what it did is the track's settings after it.
          const value = method === 'applyConstraints' ? safeGet(realm.ser.trackWithSettings(thisArg), 'settings') as Json | undefined : mediaValue(rec, realm, method, outcome);
          if (value !== undefined) record.value = value;
        } else {
          record.error = realm.ser.error(outcome);
        }
        rec.emit(record);
      } catch {
        /* ignore */
      }
    };
    return invokeTraced(
      realm,
      native,
      thisArg,
      args,
      legacyIndex,
      () => {
        call = rec.nextCall();
        const record = bare<Extract<PageRecord, { type: 'media-call' }>>();
        record.type = 'media-call';
        record.call = call;
        record.t = rec.now();
        record.method = method;
        record.args = realm.ser.args(args);
        if (method === 'applyConstraints') record.track = realm.ser.track(thisArg) as TrackInfo;
        rec.emit(record);
      },
      settle,
    );
  };

  for (let i = 0; i < MEDIA_METHODS.length; i++) {
    const method = MEDIA_METHODS[i];
    patchMethod<AnyFunction>(
      mediaProto,
      method,
      (native) => (_target, thisArg, args) => traceMedia(method, native, thisArg, args),
      method === 'getUserMedia' ? link : undefined,
    );
  }
  // A track's applyConstraints (the page asking its camera for another resolution or frame rate): on tracks of any
  // origin, as the call is the page's whatever the track came from. Anything but a track (by its toString tag, as
  // observeTrack tells) goes to the native untraced, which rejects it as it would.
  patchMethod<AnyFunction>(safeGet(readGlobal(win, 'MediaStreamTrack'), 'prototype'), 'applyConstraints', (native) => (_target, thisArg, args) =>
    typeof thisArg === 'object' && thisArg !== null && TRACK_TAGS[tagOf(thisArg)] === true
      ? traceMedia('applyConstraints', native, thisArg, args)
      : reflectApply(native, thisArg, args),
  );
  // Legacy callback forms: navigator.getUserMedia(constraints, success, failure) and prefixed variants.
  const navProto = safeGet(readGlobal(win, 'Navigator'), 'prototype');
  for (let i = 0; i < LEGACY_MEDIA_KEYS.length; i++) {
    patchMethod<AnyFunction>(navProto, LEGACY_MEDIA_KEYS[i], (native) => (_target, thisArg, args) =>
      traceMedia('getUserMedia', native, thisArg, args, 1),
    );
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function mediaValue(rec: Recorder, realm: Realm, method: MediaMethod, value: unknown): Json | undefined {
  if (method === 'enumerateDevices') {
    if (!isArray(value)) return realm.ser.value(value);
    const out: Json[] = [];
    for (let i = 0; i < value.length; i++) {
      const device = value[i];
      pushItem(out, {
        deviceId: text(safeGet(device, 'deviceId')),
        kind: text(safeGet(device, 'kind')),
        label: text(safeGet(device, 'label')),
        groupId: text(safeGet(device, 'groupId')),
      });
    }
    return out;
  }
  const stream = realm.ser.streamWithSettings(value);
  try {
    const tracks = realm.natives.streamGetTracks ? callSafe(realm.natives.streamGetTracks, value) : undefined;
    if (isArray(tracks)) for (let i = 0; i < tracks.length; i++) rec.observeTrack(tracks[i], realm);
  } catch {
    /* ignore */
  }
  return stream;
}

/**
 * Same-origin child frames: patch a child's realm the first time the page reaches it through
 * `HTMLIFrameElement.prototype.contentWindow` or `contentDocument`. Cross-origin frames are left alone (their
 * `contentDocument` is null, checked without touching the child).
 */
function patchFrames(win: PageWindow, state: RealmState): void {
  const realm = state.realm;
  const iframeProto = safeGet(readGlobal(win, 'HTMLIFrameElement'), 'prototype');
  const contentDocument = findGetter(iframeProto, 'contentDocument');
  const adopt = (element: unknown) => {
    try {
      const doc = callSafe(contentDocument ?? realm.natives.iframeContentDocument, element);
      const rec = state.rec;
      if (typeof doc !== 'object' || doc === null || rec.seenDocuments.has(doc)) return;
      rec.seenDocuments.add(doc);
      const child = callSafe(realm.natives.documentDefaultView, doc) as PageWindow | null | undefined;
      if (!child || findInstalled(child)) return;
      patchRealm(child, createRealmState(child, rec));
    } catch {
      /* ignore */
    }
  };
  for (let i = 0; i < FRAME_ACCESSORS.length; i++) {
    patchAccessor(iframeProto, FRAME_ACCESSORS[i], 'get', (native) => (_target, thisArg, args) => {
      const result = reflectApply(native, thisArg, args);
      adopt(thisArg);
      return result;
    });
  }
}
