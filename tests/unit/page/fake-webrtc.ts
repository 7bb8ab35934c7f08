/**
 * A fake WebRTC "window" in its own realm (node:vm context) for unit tests of lib/page: its own intrinsics
 * (Function.prototype.toString, Promise, …), classes with WebIDL-like brand checks (private fields: calling a method or
 * getter on another object throws TypeError "Illegal invocation"), legacy callback forms, and a small EventTarget of
 * its own (usable on the global, with on… handlers). Only what the hook touches is modelled; behaviour is deterministic and synchronous where it can be.
 */
import vm from 'node:vm';

// Wrapped in a block: top-level class declarations would be global lexical bindings shadowing the (patched) window
// properties for later scripts.
const SOURCE = String.raw`
'use strict';
{
const illegal = () => new TypeError('Illegal invocation');
// What the fake natives count, for tests (__counters). Not stored on the global: a store to a global of a vm context
// goes through Node's interceptors, which build a property descriptor that a page's Object.prototype.get/value breaks.
const counters = Object.create(null);
Object.defineProperty(globalThis, '__counters', { value: counters });
let nextId = 1;
const uid = (p) => p + '-' + nextId++;
const tag = (C, name) => Object.defineProperty(C.prototype, Symbol.toStringTag, { value: name, configurable: true });

// A small EventTarget of this realm that works on any object (the global included) and honours on… handlers.
const listenerMaps = new WeakMap();
class EventTarget {
  addEventListener(type, listener, options) {
    if (!listenerMaps.has(this)) listenerMaps.set(this, new Map());
    const map = listenerMaps.get(this);
    if (!map.has(type)) map.set(type, []);
    if (!map.get(type).some((l) => l.listener === listener)) map.get(type).push({ listener, once: !!(options && options.once) });
  }
  removeEventListener(type, listener) {
    const list = listenerMaps.get(this)?.get(type);
    if (list) listenerMaps.get(this).set(type, list.filter((l) => l.listener !== listener));
  }
  dispatchEvent(event) {
    // As in a browser, an event being dispatched cannot be dispatched again (nor re-initialised: initCustomEvent).
    if (dispatching.has(event)) throw new Error('InvalidStateError: The event is already being dispatched.');
    dispatching.add(event);
    try {
      const list = [...(listenerMaps.get(this)?.get(event.type) ?? [])];
      for (const l of list) {
        if (l.once) this.removeEventListener(event.type, l.listener);
        if (typeof l.listener === 'function') l.listener.call(this, event);
        else l.listener.handleEvent(event);
      }
      const handler = this['on' + event.type];
      if (typeof handler === 'function') handler.call(this, event);
    } finally {
      dispatching.delete(event);
    }
    return true;
  }
}
const dispatching = new WeakSet();
tag(EventTarget, 'EventTarget');
class CustomEvent extends Event {
  #detail;
  constructor(type, init) { super(type, init); this.#detail = init && init.detail !== undefined ? init.detail : null; }
  get detail() { return this.#detail; }
  // The fake keeps the type it was made with; re-initialising to the same type is what the hook does.
  initCustomEvent(type, bubbles, cancelable, detail) {
    if (type !== this.type) throw new Error('fake: initCustomEvent to another type is not modelled');
    if (dispatching.has(this)) return; // a browser ignores it too
    counters.initCustomEvent = (counters.initCustomEvent ?? 0) + 1;
    this.#detail = detail;
  }
}
// Like a browser's native: settles later without calling \`then\` (which would read Promise[Symbol.species]).
const async = (fn) => new Promise((resolve, reject) => queueMicrotask(() => { try { resolve(fn()); } catch (e) { reject(e); } }));

class MediaStreamTrack extends EventTarget {
  #id; #kind; #label; #state = 'live'; #width = 640; #height = 480;
  constructor(kind, label) { super(); this.#kind = kind; this.#label = label; this.#id = uid('track'); }
  get id() { return this.#id; }
  get kind() { return this.#kind; }
  get label() { return this.#label; }
  get readyState() { return this.#state; }
  getSettings() { if (!(#id in this)) throw illegal(); return this.#kind === 'video' ? { width: this.#width, height: this.#height, deviceId: 'cam' } : { deviceId: 'mic', channelCount: 1 }; }
  // A promise-returning operation: a wrong \`this\` rejects. No camera is wider than 4096 px.
  applyConstraints(c = {}) {
    return async(() => {
      if (!(#id in this)) throw illegal();
      const exact = c.width && typeof c.width === 'object' ? c.width.exact : undefined;
      if (exact !== undefined && exact > 4096) { const e = new Error(''); e.name = 'OverconstrainedError'; e.constraint = 'width'; throw e; }
      if (typeof c.width === 'number') this.#width = c.width;
      if (typeof c.height === 'number') this.#height = c.height;
    });
  }
  stop() { this.#state = 'ended'; }
  clone() { return new MediaStreamTrack(this.#kind, this.#label); }
}
tag(MediaStreamTrack, 'MediaStreamTrack');

class MediaStream {
  #id = uid('stream'); #tracks;
  constructor(tracks = []) { this.#tracks = [...tracks]; }
  get id() { return this.#id; }
  getTracks() { if (!(#id in this)) throw illegal(); return [...this.#tracks]; }
}
tag(MediaStream, 'MediaStream');

class RTCSessionDescription {
  #type; #sdp;
  constructor(init) { this.#type = init.type; this.#sdp = init.sdp ?? ''; }
  get type() { return this.#type; }
  get sdp() { return this.#sdp; }
  toJSON() { return { type: this.#type, sdp: this.#sdp }; }
}
tag(RTCSessionDescription, 'RTCSessionDescription');

class RTCIceCandidate {
  #init;
  constructor(init) { this.#init = { candidate: init.candidate ?? '', sdpMid: init.sdpMid ?? null, sdpMLineIndex: init.sdpMLineIndex ?? null, usernameFragment: null }; }
  get candidate() { return this.#init.candidate; }
  get url() { return 'stun:stun.example.org'; }
  get relayProtocol() { return null; }
  toJSON() { return { ...this.#init }; }
}
tag(RTCIceCandidate, 'RTCIceCandidate');

class RTCCertificate {
  #expires = 1e12;
  get expires() { return this.#expires; }
  getFingerprints() { if (!(#expires in this)) throw illegal(); return [{ algorithm: 'sha-256', value: 'AA:BB' }]; }
}
tag(RTCCertificate, 'RTCCertificate');

class RTCDataChannel extends EventTarget {
  #label; #id; #state = 'connecting';
  constructor(label, id) { super(); this.#label = label; this.#id = id; }
  get label() { return this.#label; }
  get id() { return this.#id; }
  get readyState() { return this.#state; }
  get ordered() { return true; }
  _open() { this.#state = 'open'; this.dispatchEvent(new Event('open')); }
  close() { this.#state = 'closed'; this.dispatchEvent(new Event('closing')); this.dispatchEvent(new Event('close')); }
}
tag(RTCDataChannel, 'RTCDataChannel');

class RTCRtpSender {
  #track;
  constructor(track) { this.#track = track; }
  get track() { if (!(#track in this)) throw illegal(); return this.#track; }
  replaceTrack(track) {
    if (!(#track in this)) return Promise.reject(illegal());
    if (track && this.#track && track.kind !== this.#track.kind) return Promise.reject(new TypeError('kind mismatch'));
    this.#track = track;
    return Promise.resolve();
  }
  getParameters() { return { encodings: [{ active: true }], transactionId: 't1', codecs: [], headerExtensions: [], rtcp: {} }; }
  setParameters(p) {
    if (!(#track in this)) return Promise.reject(illegal());
    if (!p || !p.transactionId) return Promise.reject(new DOMException('no transaction', 'InvalidStateError'));
    return Promise.resolve();
  }
}
tag(RTCRtpSender, 'RTCRtpSender');

class RTCRtpReceiver {
  #track;
  constructor(kind) { this.#track = new MediaStreamTrack(kind, 'remote ' + kind); }
  get track() { if (!(#track in this)) throw illegal(); return this.#track; }
}
tag(RTCRtpReceiver, 'RTCRtpReceiver');

class RTCRtpTransceiver {
  #sender; #receiver; #mid = null; #direction; #stopped = false;
  constructor(kind, track, direction) { this.#sender = new RTCRtpSender(track); this.#receiver = new RTCRtpReceiver(kind); this.#direction = direction ?? 'sendrecv'; }
  get sender() { if (!(#mid in this)) throw illegal(); return this.#sender; }
  get receiver() { return this.#receiver; }
  get mid() { if (!(#mid in this)) throw illegal(); return this.#mid; }
  get currentDirection() { return null; }
  get direction() { return this.#direction; }
  set direction(v) {
    if (!(#mid in this)) throw illegal();
    if (!['sendrecv', 'sendonly', 'recvonly', 'inactive'].includes(v)) return;
    if (this.#stopped) throw new DOMException('stopped', 'InvalidStateError');
    this.#direction = v;
  }
  setCodecPreferences(codecs) {
    if (!(#mid in this)) throw illegal();
    if (codecs.some((c) => !/^(audio|video)\/(opus|VP8)$/.test(c.mimeType))) throw new DOMException('bad codec', 'InvalidModificationError');
  }
  stop() { this.#stopped = true; }
  _setMid(mid) { this.#mid = mid; }
}
tag(RTCRtpTransceiver, 'RTCRtpTransceiver');

class RTCStatsReport extends Map {}
tag(RTCStatsReport, 'RTCStatsReport');

// Chromium's WebRTC natives accept PCs of other same-origin realms (the brand check is per interface, not per realm).
// Realms made with a shared registry (createFakeRealm({ sharedPcs })) do the same: a member called on another such
// realm's PC runs that realm's own member and is logged in this realm's __counters.crossRealmCalls.
const sharedPcs = globalThis.__sharedPcs;
const isForeignPc = (self) => !!sharedPcs && sharedPcs.has(self) && sharedPcs.get(self) !== ownPcMembers;
const crossRealm = (self, name, args) => {
  (counters.crossRealmCalls = counters.crossRealmCalls || []).push(name);
  return Reflect.apply(sharedPcs.get(self)[name], self, args);
};

class RTCPeerConnection extends EventTarget {
  #signaling = 'stable'; #connection = 'new'; #ice = 'new'; #gathering = 'new'; #config; #transceivers = []; #channels = 0; #statsCalls = 0;
  constructor(config = {}, constraints) {
    super();
    if (config && config.bundlePolicy === 'bogus') throw new TypeError("Failed to construct 'RTCPeerConnection': bad bundlePolicy");
    this.#config = { iceServers: config?.iceServers ?? [], bundlePolicy: config?.bundlePolicy ?? 'balanced', certificates: config?.certificates ?? [new RTCCertificate()] };
    if (sharedPcs) sharedPcs.set(this, ownPcMembers);
  }
  get signalingState() { if (!(#signaling in this)) { if (isForeignPc(this)) return crossRealm(this, 'signalingState', []); throw illegal(); } return this.#signaling; }
  get connectionState() { if (!(#signaling in this)) { if (isForeignPc(this)) return crossRealm(this, 'connectionState', []); throw illegal(); } return this.#connection; }
  get iceConnectionState() { return this.#ice; }
  get iceGatheringState() { return this.#gathering; }
  getConfiguration() { if (!(#signaling in this)) { if (isForeignPc(this)) return crossRealm(this, 'getConfiguration', []); throw illegal(); } return { ...this.#config, iceServers: this.#config.iceServers.map((s) => ({ ...s })) }; }
  setConfiguration(c) {
    if (!(#signaling in this)) throw illegal();
    if (this.#signaling === 'closed') throw new DOMException('closed', 'InvalidStateError');
    if (c.bundlePolicy && c.bundlePolicy !== this.#config.bundlePolicy) throw new DOMException('bundlePolicy', 'InvalidModificationError');
    this.#config = { ...this.#config, iceServers: c.iceServers ?? [] };
  }
  createOffer(a, b, c) {
    if (typeof a === 'function') {
      if (typeof b !== 'function') return Promise.reject(new TypeError('failureCallback is not a function'));
      const self = this;
      return async(() => { if (self.#signaling === 'closed') b(new DOMException('closed', 'InvalidStateError')); else a(new RTCSessionDescription({ type: 'offer', sdp: 'v=0\r\no=legacy\r\n' })); });
    }
    if (!(#signaling in this)) return isForeignPc(this) ? crossRealm(this, 'createOffer', [a, b, c]) : Promise.reject(illegal());
    if (this.#signaling === 'closed') return Promise.reject(new DOMException('The RTCPeerConnection is closed.', 'InvalidStateError'));
    return async(() => ({ type: 'offer', sdp: 'v=0\r\no=fake ' + this.#transceivers.length + '\r\n' }));
  }
  createAnswer(a, b) {
    if (typeof a === 'function') return async(() => a(new RTCSessionDescription({ type: 'answer', sdp: 'v=0\r\no=answer\r\n' })));
    return async(() => ({ type: 'answer', sdp: 'v=0\r\no=answer\r\n' }));
  }
  #local = null; #stableLocal = null;
  get localDescription() { return this.#local ? new RTCSessionDescription(this.#local) : null; }
  #remote = null;
  get remoteDescription() { return this.#remote ? new RTCSessionDescription(this.#remote) : null; }
  #setDesc(desc, ok, fail, local) {
    const run = () => {
      if (desc && desc.type === 'rollback') {
        this.#signaling = 'stable';
        this.#local = this.#stableLocal;
        this.dispatchEvent(new Event('signalingstatechange'));
        return;
      }
      // Implicit form (no description, or no SDP): the PC makes the offer or answer itself.
      if (local && (!desc || !desc.sdp)) desc = { type: desc?.type ?? (this.#signaling === 'have-remote-offer' ? 'answer' : 'offer'), sdp: 'v=0\r\no=implicit\r\n' };
      if (!desc || !['offer', 'answer', 'pranswer', 'rollback'].includes(desc.type)) throw new TypeError("The provided value '" + (desc && desc.type) + "' is not a valid enum value of type RTCSdpType.");
      if (!/^v=0/.test(desc.sdp ?? 'v=0')) throw new DOMException('Failed to parse SessionDescription.', 'OperationError');
      this.#signaling = desc.type === 'offer' ? (local ? 'have-local-offer' : 'have-remote-offer') : 'stable';
      if (local) this.#local = { type: desc.type, sdp: desc.sdp };
      else this.#remote = { type: desc.type, sdp: desc.sdp };
      if (this.#signaling === 'stable') this.#stableLocal = this.#local;
      this.#transceivers.forEach((t, i) => t._setMid(String(i)));
      this.dispatchEvent(new Event('signalingstatechange'));
    };
    const p = async(run);
    if (typeof ok === 'function') return p.then(() => { ok(); }, (e) => { if (typeof fail === 'function') fail(e); });
    return p;
  }
  setLocalDescription(desc, ok, fail) { return this.#setDesc(desc, ok, fail, true); }
  setRemoteDescription(desc, ok, fail) { return this.#setDesc(desc, ok, fail, false); }
  addIceCandidate(c, ok, fail) {
    const p = async(() => { if (c && /garbage/.test(c.candidate)) throw new DOMException('Error processing ICE candidate', 'OperationError'); });
    if (typeof ok === 'function') return p.then(() => ok(), (e) => fail(e));
    return p;
  }
  addTrack(track, ...streams) {
    if (!(#signaling in this)) throw illegal();
    if (!(track instanceof MediaStreamTrack)) throw new TypeError("Failed to execute 'addTrack': parameter 1 is not of type 'MediaStreamTrack'.");
    const t = new RTCRtpTransceiver(track.kind, track);
    this.#transceivers.push(t);
    return t.sender;
  }
  removeTrack(sender) {
    if (!this.#transceivers.some((t) => t.sender === sender)) throw new DOMException('not ours', 'InvalidAccessError');
  }
  addTransceiver(kindOrTrack, init) {
    const kind = typeof kindOrTrack === 'string' ? kindOrTrack : kindOrTrack.kind;
    if (kind !== 'audio' && kind !== 'video') throw new TypeError('bad kind');
    const t = new RTCRtpTransceiver(kind, typeof kindOrTrack === 'string' ? null : kindOrTrack, init && init.direction);
    this.#transceivers.push(t);
    return t;
  }
  getTransceivers() { if (!(#signaling in this)) { if (isForeignPc(this)) return crossRealm(this, 'getTransceivers', []); throw illegal(); } return [...this.#transceivers]; }
  getSenders() { return this.#transceivers.map((t) => t.sender); }
  createDataChannel(label, init) {
    if (!(#signaling in this)) throw illegal();
    if (this.#signaling === 'closed') throw new DOMException('closed', 'InvalidStateError');
    if (init && init.maxRetransmits != null && init.maxPacketLifeTime != null) throw new TypeError('Both maxRetransmits and maxPacketLifeTime');
    const dc = new RTCDataChannel(String(label), this.#channels++);
    return dc;
  }
  restartIce() {}
  getStats() {
    if (!(#signaling in this)) return isForeignPc(this) ? crossRealm(this, 'getStats', []) : Promise.reject(illegal());
    counters.getStatsCalls = (counters.getStatsCalls || 0) + 1;
    if (this.#signaling === 'closed') counters.getStatsOnClosed = (counters.getStatsOnClosed || 0) + 1;
    const n = ++this.#statsCalls;
    if (globalThis.__holdStats === this) return new Promise(() => {}); // a getStats that never answers
    return async(() => new RTCStatsReport([
      ['P', { id: 'P', type: 'peer-connection', timestamp: n * 1000, dataChannelsOpened: this.#channels }],
      ['OT', { id: 'OT', type: 'outbound-rtp', timestamp: n * 1000, bytesSent: n * 100, qualityLimitationDurations: { none: n }, codecId: 'CO' }],
      // Counts how often the hook reads the codec object (its read plan skips it between full reads).
      ['CO', { id: 'CO', type: 'codec', timestamp: n * 1000, get mimeType() { counters.codecReads = (counters.codecReads || 0) + 1; return 'audio/opus'; }, payloadType: 111 }],
    ]));
  }
  close() { if (!(#signaling in this)) throw illegal(); this.#signaling = 'closed'; this.#connection = 'closed'; }
  _setConnection(state) { this.#connection = state; this.dispatchEvent(new Event('connectionstatechange')); }
  _fire(type, props = {}) { const e = new Event(type); Object.assign(e, props); this.dispatchEvent(e); }
  static generateCertificate() { return Promise.resolve(new RTCCertificate()); }
}
tag(RTCPeerConnection, 'RTCPeerConnection');
const pcMember = (key) => {
  const d = Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, key);
  return d.get || d.value;
};
const ownPcMembers = {};
for (const key of ['signalingState', 'connectionState', 'getConfiguration', 'createOffer', 'getTransceivers', 'getStats']) ownPcMembers[key] = pcMember(key);

class MediaDevices extends EventTarget {
  getUserMedia(constraints) {
    if (!(this instanceof MediaDevices)) return Promise.reject(illegal());
    if (!constraints || (!constraints.audio && !constraints.video)) return Promise.reject(new TypeError('At least one of audio and video must be requested'));
    const tracks = [];
    if (constraints.audio) tracks.push(new MediaStreamTrack('audio', 'Fake Mic'));
    if (constraints.video) tracks.push(new MediaStreamTrack('video', 'Fake Cam'));
    return async(() => new MediaStream(tracks));
  }
  enumerateDevices() { return async(() => [{ deviceId: 'mic', kind: 'audioinput', label: 'Fake Mic', groupId: 'g' }]); }
}
tag(MediaDevices, 'MediaDevices');

const nativeGetUserMedia = MediaDevices.prototype.getUserMedia; // the legacy form is native code in browsers
class Navigator {
  get mediaDevices() { return mediaDevices; }
  getUserMedia(constraints, ok, fail) {
    if (typeof ok !== 'function' || typeof fail !== 'function') throw new TypeError('callbacks required');
    nativeGetUserMedia.call(mediaDevices, constraints).then((s) => ok(s), (e) => fail(e));
  }
}
const mediaDevices = new MediaDevices();

// No brand check here: the parent's Document getter is used on the child's document, which WebIDL allows across
// realms but JS private fields do not.
const views = new WeakMap();
class Document {
  constructor(view) { views.set(this, view); }
  get defaultView() { return views.has(this) ? views.get(this) : this.__view; }
}

class HTMLIFrameElement {
  #child = null; #origin;
  constructor(child, sameOrigin = true) { this.#child = child; this.#origin = sameOrigin; }
  get contentWindow() { if (!(#origin in this)) throw illegal(); return this.#child; }
  get contentDocument() { if (!(#origin in this)) throw illegal(); return this.#origin && this.#child ? this.#child.document : null; }
}

Object.assign(globalThis, {
  EventTarget, CustomEvent, MediaStreamTrack, MediaStream, RTCSessionDescription, RTCIceCandidate, RTCCertificate, RTCDataChannel, RTCRtpSender,
  RTCRtpReceiver, RTCRtpTransceiver, RTCStatsReport, RTCPeerConnection, MediaDevices, Navigator, Document, HTMLIFrameElement,
});
for (const k of Object.keys(globalThis).filter((k) => /^(RTC|Media|Navigator|Document|HTML|EventTarget|CustomEvent)/.test(k))) {
  Object.defineProperty(globalThis, k, { enumerable: false });
}
globalThis.webkitRTCPeerConnection = RTCPeerConnection;
Object.defineProperty(globalThis, 'webkitRTCPeerConnection', { enumerable: false });
globalThis.navigator = new Navigator();
const makeDocument = () => {
  const doc = new Document(globalThis);
  Object.defineProperty(doc, '__view', { value: globalThis });
  return doc;
};
let currentDocument = makeDocument();
// Like the browsers' [LegacyUnforgeable] window.document: an own, non-configurable accessor without a setter.
Object.defineProperty(globalThis, 'document', { get: function () { return currentDocument; }, enumerable: true, configurable: false });
// Test helper: a navigation that keeps this Window (an initial about:blank reused by a same-origin document).
Object.defineProperty(globalThis, '__navigate', { value() { currentDocument = makeDocument(); } });
// The window's place among frames: a top-level window by default; tests make it a child (frameElement non-null when the
// parent is same-origin, as in browsers).
Object.defineProperty(globalThis, 'parent', { value: globalThis, writable: true, enumerable: true, configurable: true });
Object.defineProperty(globalThis, 'frameElement', { value: null, writable: true, enumerable: true, configurable: true });
}
`;

export interface FakeRealm {
  /** The realm's global, used as the hook's `window`. */
  win: Window & typeof globalThis & Record<string, unknown>;
  /** Runs code in the realm (a page script); `filename` names its frames in stack traces. */
  run<T = unknown>(code: string, filename?: string): T;
}

/** A fresh realm with the fake WebRTC API. Timers and the clock delegate to Node's (so vi.useFakeTimers applies). */
export function createFakeRealm(options: { sharedPcs?: WeakMap<object, unknown> } = {}): FakeRealm {
  const started = Date.now();
  const context = vm.createContext({
    __sharedPcs: options.sharedPcs,
    queueMicrotask,
    Event,
    DOMException,
    setTimeout: (cb: () => void, ms: number) => setTimeout(cb, ms),
    clearTimeout: (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle),
    performance: { timeOrigin: started, now: () => Date.now() - started },
  });
  vm.runInContext(SOURCE, context);
  return {
    win: vm.runInContext('globalThis', context),
    run: (code, filename) => vm.runInContext(code, context, filename === undefined ? undefined : { filename }),
  };
}

/** Lets pending promise jobs and zero-delay work run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
