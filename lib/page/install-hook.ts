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
 *   unhandled rejection stays unhandled for the page. Legacy callback forms get wrapped callbacks that call the page's
 *   with the same `this` and arguments. Sync throws are re-thrown as the same object.
 * - Events are observed with the native `addEventListener` on the instance; `on…` properties are never touched.
 * - Ids live in WeakMaps, never on page objects; every tracing step is inside try/catch.
 *
 * Same-origin child frames: when the page reads `iframe.contentWindow`/`contentDocument`, the child realm is patched
 * at once (its PCs report through this hook, with this document's PC numbering), because the page can grab
 * `contentWindow.RTCPeerConnection` of an about:blank/srcdoc frame before any content script ran there
 * (w3c/webextensions#1009). When the child document's own copy of the hook runs later, it takes the realm over
 * (see {@link RealmState}). Each realm's objects are only ever handed to that realm's natives (see RealmNatives).
 */
import { DEFAULT_POLL_INTERVAL_MS } from '../protocol/constants';
import type { Json, JsonObject } from '../protocol/json';
import { CHANNEL_EVENTS, PC_EVENTS, PC_METHODS, TRACK_EVENTS, type ChannelEventName, type MediaMethod, type PageRecord, type PcEventName, type PcMethod, type RtpTarget, type TrackEventName } from '../protocol/messages';
import { cloak, cloakToString, patchAccessor, patchMethod, readGlobal, readGuard } from './cloak';
import {
  callSafe,
  dateNow,
  defineProperty,
  findGetter,
  findMethod,
  getOwnPropertyDescriptor,
  isArray,
  makeRef,
  numberIsFinite,
  objectCreate,
  objectFreeze,
  objectKeys,
  hasOwn,
  pushItem,
  reflectApply,
  reflectConstruct,
  type Ref,
  SafeWeakMap,
  SafeWeakSet,
  safeGet,
  symbolFor,
  tagOf,
  thenNative,
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
const TRACK_EVENT_NAMES: readonly TrackEventName[] = TRACK_EVENTS;
const CHANNEL_EVENT_NAMES: readonly ChannelEventName[] = CHANNEL_EVENTS;

/** Methods with a legacy callback form, and the index of the success callback in it. */
const LEGACY_CALLBACK_INDEX: Partial<Record<PcMethod, number>> = {
  createOffer: 0,
  createAnswer: 0,
  setLocalDescription: 1,
  setRemoteDescription: 1,
  addIceCandidate: 1,
};

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
}

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
  transceiverSender?: Getter;
  transceiverMid?: Getter;
  statsForEach?: (this: unknown, cb: (v: unknown, k: unknown) => void) => void;
  statsGet?: (this: unknown, id: string) => unknown;
  statsSize?: Getter;
  streamGetTracks?: AnyFunction;
  iframeContentDocument?: Getter;
  documentDefaultView?: Getter;
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
  observeChannel(info: PcInfo, channel: unknown): void;
  /** Which PC a sender/transceiver belongs to, and where (mid, index). */
  locate(obj: unknown, isSender: boolean): { info: PcInfo; target: RtpTarget } | undefined;
  rtpTarget(transceiver: unknown, info: PcInfo): RtpTarget | undefined;
  /** Child documents already checked (fast path of the iframe getters). */
  seenDocuments: SafeWeakSet<object>;
}

/**
 * Installs the hook in `win`'s realm, synchronously. Idempotent per realm: a second call (from this or another copy
 * of the script) returns the first controller and changes nothing.
 */
export function installHook(
  win: PageWindow,
  emit: (record: HookRecord) => void,
  options: InstallOptions = {},
): HookController {
  const existing = findInstalled(win);
  if (existing) {
    // A realm our parent document adopted (see patchFrames) is taken over by its own document's hook.
    const takeOver = safeGet(existing, TAKEOVER_KEY);
    if (typeof takeOver === 'function') return reflectApply(takeOver, existing, [win, emit, options]) as HookController;
    return existing;
  }
  const state = createRealmState(win, createRecorder(win, emit, options), false);
  patchRealm(win, state);
  return state.handle;
}

/** Hidden key of a realm handle's takeover function (see {@link RealmState}). */
const TAKEOVER_KEY: symbol = symbolFor('webrtc-scope.page-hook.takeover.v1');

/**
 * One patched realm. Every proxy of the realm reads `rec` when it runs, so the recorder can change. A second install
 * in the realm takes it over (new recorder with the new emit, PC numbering from 1) when
 * - the realm was adopted by the parent document's hook (patchFrames) and the child document's own hook now runs, or
 * - the realm's document changed since the install: an iframe's initial about:blank Window is reused by the
 *   same-origin document it navigates to (HTML spec), globals and our patches included.
 * Otherwise the second install gets the existing handle and changes nothing.
 */
interface RealmState {
  rec: Recorder;
  realm: Realm;
  adopted: boolean;
  /** The document the current recorder belongs to. */
  doc: unknown;
  /** The realm's guard: what a second install in this realm gets back. */
  handle: HookController;
}

function createRealmState(win: PageWindow, rec: Recorder, adopted: boolean): RealmState {
  const state = { rec, realm: captureRealm(win), adopted, doc: safeGet(win, 'document') } as RealmState;
  const handle: HookController = {
    setConfig(config) {
      state.rec.controller.setConfig(config);
    },
  };
  defineProperty(handle, TAKEOVER_KEY, {
    value(win: PageWindow, emit: (record: HookRecord) => void, options?: InstallOptions): HookController {
      const doc = safeGet(win, 'document');
      if (state.adopted || doc !== state.doc) {
        state.adopted = false;
        state.doc = doc;
        state.rec = createRecorder(win, emit, options ?? {});
      }
      return handle;
    },
  });
  state.handle = objectFreeze(handle);
  return state;
}

function isController(value: unknown): value is HookController {
  return typeof value === 'object' && value !== null && typeof (value as HookController).setConfig === 'function';
}

/** The controller of a hook already installed in `win`'s realm, if any. */
export function findInstalled(win: unknown): HookController | undefined {
  try {
    const candidates: unknown[] = [
      safeGet(safeGet(readGlobal(win, 'Function'), 'prototype'), 'toString'),
      readGlobal(win, 'RTCPeerConnection'),
      readGlobal(win, 'webkitRTCPeerConnection'),
      safeGet(safeGet(readGlobal(win, 'MediaDevices'), 'prototype'), 'getUserMedia'),
      safeGet(safeGet(readGlobal(win, 'RTCRtpSender'), 'prototype'), 'replaceTrack'),
    ];
    for (let i = 0; i < candidates.length; i++) {
      const guard = readGuard(candidates[i]);
      if (isController(guard)) return guard;
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
  const natives: RealmNatives = {
    addEventListener: findMethod(protoOf(win, 'EventTarget'), 'addEventListener'),
    getConfiguration: findMethod(pcProto, 'getConfiguration'),
    getStats: findMethod(pcProto, 'getStats'),
    getTransceivers: findMethod(pcProto, 'getTransceivers'),
    signalingState: findGetter(pcProto, 'signalingState'),
    connectionState: findGetter(pcProto, 'connectionState'),
    iceConnectionState: findGetter(pcProto, 'iceConnectionState'),
    iceGatheringState: findGetter(pcProto, 'iceGatheringState'),
    transceiverSender: findGetter(transceiverProto, 'sender'),
    transceiverMid: findGetter(transceiverProto, 'mid'),
    statsForEach: findMethod(protoOf(win, 'RTCStatsReport'), 'forEach') as RealmNatives['statsForEach'],
    statsGet: findMethod(protoOf(win, 'RTCStatsReport'), 'get') as RealmNatives['statsGet'],
    statsSize: findGetter(protoOf(win, 'RTCStatsReport'), 'size'),
    streamGetTracks: findMethod(protoOf(win, 'MediaStream'), 'getTracks'),
    iframeContentDocument: findGetter(protoOf(win, 'HTMLIFrameElement'), 'contentDocument'),
    documentDefaultView: findGetter(protoOf(win, 'Document'), 'defaultView'),
  };
  const ser = createSerializer({
    streamGetTracks: natives.streamGetTracks as Getter | undefined,
    certificateGetFingerprints: findMethod(protoOf(win, 'RTCCertificate'), 'getFingerprints') as Getter | undefined,
    candidateToJSON: findMethod(protoOf(win, 'RTCIceCandidate'), 'toJSON') as Getter | undefined,
    descriptionToJSON: findMethod(protoOf(win, 'RTCSessionDescription'), 'toJSON') as Getter | undefined,
    trackGetSettings: findMethod(protoOf(win, 'MediaStreamTrack'), 'getSettings') as Getter | undefined,
  });
  return { natives, ser };
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
  return {
    perfNow,
    timeOrigin: typeof origin === 'number' && numberIsFinite(origin) ? origin : dateNow() - perfNow(),
    setTimeout: (cb, ms) => (setTimeoutFn ? reflectApply(setTimeoutFn, win, [cb, ms]) : undefined),
    clearTimeout: (handle) => {
      if (clearTimeoutFn) reflectApply(clearTimeoutFn, win, [handle]);
    },
  };
}

const TRACK_TAGS: Record<string, true> = {
  '[object MediaStreamTrack]': true,
  '[object CanvasCaptureMediaStreamTrack]': true,
  '[object BrowserCaptureMediaStreamTrack]': true,
};

function createRecorder(win: PageWindow, sink: (record: HookRecord) => void, options: InstallOptions): Recorder {
  const clock = captureClock(win);
  let enabled = options.enabled !== false;
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

  // Read now: later the page could put an `emitMany` on Object.prototype for an options object without one.
  const many = hasOwn(options, 'emitMany') && typeof options.emitMany === 'function' ? options.emitMany : undefined;
  const stringify = hasOwn(options, 'stringify') && typeof options.stringify === 'function' ? options.stringify : undefined;
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
    const record: PageRecord = { type: 'pc-created', pc: info.id, t: info.createdAt, config: info.config };
    if (info.constraints !== undefined) record.constraints = info.constraints;
    emit(record);
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
    },
    { enabled, intervalMs: clampInterval(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS) },
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
        const out: JsonObject = {};
        for (const key of ['address', 'port', 'url', 'errorCode', 'errorText']) {
          const value = safeGet(event, key);
          if (value !== undefined) setOwnJson(out, key, ser.value(value));
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
        const out: JsonObject = { track: { ...ser.track(track) }, streams: ids };
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
    const info: PcInfo = {
      id: ++pcCounter,
      ref: makeRef(pc),
      realm,
      createdAt: now(),
      announced: false,
      closed: false,
      config: {},
    };
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

  const isPc = (value: unknown, realm: Realm): value is object => {
    const brand = realm.natives.signalingState;
    if (typeof value !== 'object' || value === null || !brand) return false;
    try {
      reflectApply(brand, value, []);
      return true;
    } catch {
      return false;
    }
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

  const controller: HookController = {
    setConfig(config) {
      try {
        if (typeof config !== 'object' || config === null || typeof config.enabled !== 'boolean') return;
        const wasEnabled = enabled;
        enabled = config.enabled;
        poller.configure({ enabled, intervalMs: clampInterval(config.pollIntervalMs) });
        if (config.resync === true) poller.resync();
        if (enabled && !wasEnabled) {
          // PCs created while capture was off: make them known, so their stats and events can follow.
          const infos = liveInfos();
          for (let i = 0; i < infos.length; i++) if (!infos[i].announced) announce(infos[i]);
        }
      } catch {
        /* ignore */
      }
    },
  };
  // The controller object is reachable by the page (through the guard key); freeze it so it cannot be rewired.
  try {
    objectFreeze(controller);
  } catch {
    /* ignore */
  }

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
    observeChannel,
    locate,
    rtpTarget,
    seenDocuments: new SafeWeakSet<object>(),
  };
}

function setOwnJson(target: JsonObject, key: string, value: Json): void {
  target[key] = value;
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
  if (isPromiseLike(result)) {
    try {
      return thenNative(
        result,
        (value) => {
          // Legacy form: the promise resolves with undefined; the success callback carried the value.
          if (!legacy) settle(true, value);
          return value;
        },
        (error) => {
          settle(false, error);
          throw error;
        },
      );
    } catch {
      return result;
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
  hooks: CallHooks = {},
): unknown {
  let call = 0;
  let settled = false;
  const settle = (ok: boolean, outcome: unknown) => {
    if (settled) return;
    settled = true;
    try {
      const record: PageRecord = { type: 'pc-settled', pc: info.id, t: rec.now(), call, method, ok };
      if (ok) {
        if (outcome !== undefined) {
          const value = hooks.value ? hooks.value(outcome) : info.realm.ser.value(outcome);
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
    native,
    thisArg,
    args,
    hooks.legacyIndex,
    () => {
      call = rec.nextCall();
      const record: PageRecord = { type: 'pc-call', pc: info.id, t: rec.now(), call, method, args: info.realm.ser.args(args) };
      if (hooks.target) record.target = hooks.target;
      rec.emitPc(info, record);
    },
    settle,
  );
}

// ───────────────────────────── patching a realm ─────────────────────────────

function patchRealm(win: PageWindow, state: RealmState): void {
  const guard = state.handle;
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
    cloakToString(safeGet(fn, 'prototype') as object, guard);
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
        return traceCall(rec, info, method, native, thisArg, args, pcHooks(rec, info, method, args));
      });
    }
  });

  attempt(() => {
    const senderProto = proto('RTCRtpSender');
    for (const [key, method] of [
      ['replaceTrack', 'sender.replaceTrack'],
      ['setParameters', 'sender.setParameters'],
    ] as const) {
      patchMethod<AnyFunction>(
        senderProto,
        key,
        (native) => (_target, thisArg, args) => {
          const rec = state.rec;
          const where = rec.locate(thisArg, true);
          if (!where) return reflectApply(native, thisArg, args);
          if (key === 'replaceTrack') rec.observeTrack(args[0], where.info.realm);
          return traceCall(rec, where.info, method, native, thisArg, args, { target: where.target });
        },
        key === 'replaceTrack' ? guard : undefined,
      );
    }
  });

  attempt(() => {
    const transceiverProto = proto('RTCRtpTransceiver');
    for (const [key, method] of [
      ['setCodecPreferences', 'transceiver.setCodecPreferences'],
      ['stop', 'transceiver.stop'],
    ] as const) {
      patchMethod<AnyFunction>(transceiverProto, key, (native) => (_target, thisArg, args) => {
        const rec = state.rec;
        const where = rec.locate(thisArg, false);
        if (!where) return reflectApply(native, thisArg, args);
        return traceCall(rec, where.info, method, native, thisArg, args, { target: where.target });
      });
    }
    patchAccessor(transceiverProto, 'direction', 'set', (native) => (_target, thisArg, args) => {
      const rec = state.rec;
      const where = rec.locate(thisArg, false);
      if (!where) return reflectApply(native, thisArg, args);
      return traceCall(rec, where.info, 'transceiver.direction', native, thisArg, args, { target: where.target });
    });
  });

  attempt(() => patchMedia(win, state));
  attempt(() => patchFrames(win, state));
}

/** What to do around each RTCPeerConnection method. */
function pcHooks(rec: Recorder, info: PcInfo, method: PcMethod, args: unknown[]): CallHooks {
  const hooks: CallHooks = {};
  const legacyIndex = LEGACY_CALLBACK_INDEX[method];
  if (legacyIndex !== undefined && typeof args[legacyIndex] === 'function') hooks.legacyIndex = legacyIndex;
  switch (method) {
    case 'addTrack':
      rec.observeTrack(args[0], info.realm);
      // locate() also remembers the owner, so a later sender.replaceTrack finds it at once.
      hooks.value = (sender) => {
        const where = rec.locate(sender, true);
        const out = info.realm.ser.value(sender) as JsonObject;
        if (where && out && typeof out === 'object' && !isArray(out)) out.target = { ...where.target };
        return out;
      };
      break;
    case 'addTransceiver':
      rec.observeTrack(args[0], info.realm);
      hooks.value = (transceiver) => {
        const out = info.realm.ser.value(transceiver) as JsonObject;
        const target = rec.rtpTarget(transceiver, info);
        if (target && out && typeof out === 'object' && !isArray(out)) out.target = { ...target };
        return out;
      };
      break;
    case 'createDataChannel':
      hooks.onValue = (channel) => rec.observeChannel(info, channel);
      break;
    case 'close':
      hooks.onValue = () => rec.markClosed(info);
      break;
  }
  return hooks;
}

function patchConstructors(win: PageWindow, state: RealmState): void {
  const guard = state.handle;
  const realm = state.realm;
  const desc = getOwnPropertyDescriptor(win, 'RTCPeerConnection');
  const webkitDesc = getOwnPropertyDescriptor(win, 'webkitRTCPeerConnection');
  const makeProxy = (Native: AnyFunction) =>
    cloak(
      Native,
      {
        construct(target, args, newTarget) {
          const pc = reflectConstruct(target, args, newTarget) as object;
          try {
            const rec = state.rec;
            if (!rec.known(pc)) rec.register(pc, args, realm);
          } catch {
            /* ignore */
          }
          return pc;
        },
      },
      guard,
    );
  const replaceGlobal = (key: string, d: PropertyDescriptor, value: unknown) => {
    if ('value' in d) defineProperty(win, key, { ...d, value });
  };
  const fixConstructorProperty = (Native: AnyFunction, proxy: unknown) => {
    const prototype = safeGet(Native, 'prototype');
    if (typeof prototype !== 'object' || prototype === null) return;
    const c = getOwnPropertyDescriptor(prototype, 'constructor');
    if (c && 'value' in c && c.value === Native) defineProperty(prototype, 'constructor', { ...c, value: proxy });
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
  const guard = state.handle;
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
        const record: PageRecord = { type: 'media-settled', call, t: rec.now(), method, ok };
        if (ok) {
          const value = mediaValue(rec, realm, method, outcome);
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
      native,
      thisArg,
      args,
      legacyIndex,
      () => {
        call = rec.nextCall();
        rec.emit({ type: 'media-call', call, t: rec.now(), method, args: realm.ser.args(args) });
      },
      settle,
    );
  };

  for (const method of ['getUserMedia', 'getDisplayMedia', 'enumerateDevices'] as const) {
    patchMethod<AnyFunction>(
      mediaProto,
      method,
      (native) => (_target, thisArg, args) => traceMedia(method, native, thisArg, args),
      method === 'getUserMedia' ? guard : undefined,
    );
  }
  // Legacy callback forms: navigator.getUserMedia(constraints, success, failure) and prefixed variants.
  const navProto = safeGet(readGlobal(win, 'Navigator'), 'prototype');
  for (const key of ['getUserMedia', 'webkitGetUserMedia', 'mozGetUserMedia']) {
    patchMethod<AnyFunction>(navProto, key, (native) => (_target, thisArg, args) =>
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
      patchRealm(child, createRealmState(child, rec, true));
    } catch {
      /* ignore */
    }
  };
  for (const key of ['contentWindow', 'contentDocument']) {
    patchAccessor(iframeProto, key, 'get', (native) => (_target, thisArg, args) => {
      const result = reflectApply(native, thisArg, args);
      adopt(thisArg);
      return result;
    });
  }
}
