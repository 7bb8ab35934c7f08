/**
 * Turns the API-call and event entries of other tools' dumps into our trace records, so imported sessions read
 * like recorded ones in the event log, the connection header and the SDP views: state events become `pc-event`s
 * with the new state as value, descriptions `setLocalDescription`/`setRemoteDescription` calls with `{type, sdp}`
 * arguments, candidates `icecandidate` event values and `addIceCandidate` arguments, `…OnSuccess`/`…OnFailure`
 * entries settlements of their call.
 *
 * One mapper serves webrtc-internals update logs, rtcstats legacy lines and RTCStatsDump v3 lines: their names
 * differ by generation (shared/docs/formats.md §1.5, §2.2, §3.2) and are normalised here; values arrive already
 * JSON-decoded where the format encodes them, and the text forms of old Chrome builds (M86: `type: offer, sdp: …`)
 * are parsed here. A PC's entries without a counterpart in our records (transceiverAdded, onaddstream,
 * ondtlsstatechange, anything unknown) become generic `pc-event`s named {@link DUMP_ENTRY_EVENT} with value
 * `{name, text}`: the entry's own name and its value as text (webrtc-internals' string as it is; other formats'
 * JSON value as JSON text, a string value as it is), so exports can write them back under their name.
 * Page-level entries without a counterpart (rtcstats app events such as `identity` or `logs`) become the session's
 * `file-entry` records (a `pc-event` needs a PC).
 */
import type { ErrorInfo, Json, JsonObject } from '../protocol/json';
import { DUMP_ENTRY_EVENT, MAX_DUMP_ENTRY_NAME, type DumpEntryValue, type MediaMethod, type PcEventName, type PcMethod, type TrackEventName } from '../protocol/messages';
import type { TraceRecord } from '../model/session';
import type { ImportBuilder } from './import-builder';
import type { ImportContext } from './import-context';
import { hasOwnKey, isJsonObject, recordValueProblem, setOwnKey } from './safe-json';

/** Event names by their normalised spelling: lower case without `on` (all generations, formats.md §1.5). */
const PC_EVENT_NAMES: Record<string, PcEventName> = {
  icecandidate: 'icecandidate',
  icecandidateerror: 'icecandidateerror',
  track: 'track',
  negotiationneeded: 'negotiationneeded',
  // M86 and older: `onRenegotiationNeeded`.
  renegotiationneeded: 'negotiationneeded',
  signalingstatechange: 'signalingstatechange',
  iceconnectionstatechange: 'iceconnectionstatechange',
  icegatheringstatechange: 'icegatheringstatechange',
  connectionstatechange: 'connectionstatechange',
  datachannel: 'datachannel',
};

const STATE_EVENTS = new Set<PcEventName>(['signalingstatechange', 'iceconnectionstatechange', 'icegatheringstatechange', 'connectionstatechange']);

interface CallKind {
  method: PcMethod;
  /** Returns at once (no `…OnSuccess` entry follows): settled right away. */
  sync: boolean;
}

const PC_CALLS: Record<string, CallKind> = {
  createOffer: { method: 'createOffer', sync: false },
  createAnswer: { method: 'createAnswer', sync: false },
  setLocalDescription: { method: 'setLocalDescription', sync: false },
  setRemoteDescription: { method: 'setRemoteDescription', sync: false },
  addIceCandidate: { method: 'addIceCandidate', sync: false },
  addTrack: { method: 'addTrack', sync: true },
  removeTrack: { method: 'removeTrack', sync: true },
  addTransceiver: { method: 'addTransceiver', sync: true },
  createDataChannel: { method: 'createDataChannel', sync: true },
  restartIce: { method: 'restartIce', sync: true },
  setConfiguration: { method: 'setConfiguration', sync: true },
  close: { method: 'close', sync: true },
  setCodecPreferences: { method: 'transceiver.setCodecPreferences', sync: true },
  setParameters: { method: 'sender.setParameters', sync: true },
  replaceTrack: { method: 'sender.replaceTrack', sync: true },
};

/** Media calls by name: `navigator.mediaDevices.` prefix and the pre-promise `navigator.getUserMedia` removed. */
const MEDIA_CALLS: Record<string, MediaMethod> = {
  getUserMedia: 'getUserMedia',
  getDisplayMedia: 'getDisplayMedia',
  enumerateDevices: 'enumerateDevices',
};

// `stop`: rtcstats records the page's MediaStreamTrack.stop() calls (code 70), as the hook does.
const TRACK_EVENTS: Record<string, TrackEventName> = { onmute: 'mute', onunmute: 'unmute', onended: 'ended', stop: 'stop' };

/** How a file's generation spells things the mapper cannot tell from the entry alone. */
export interface TraceStyle {
  /**
   * webrtc-internals and Chrome's own rtcstats export log `addIceCandidate` when it has completed (and
   * `addIceCandidateFailed` when it failed), not when it is called: the entry is call and outcome at once.
   */
  iceAddIsOutcome: boolean;
  /** Chrome's M156 rtcstats export writes `addTrack` as `[kind, id, ...streamIds]`, without a label (formats.md §3.6). */
  addTrackWithoutLabel: boolean;
}

interface PendingCall {
  call: number;
  method: string;
}

/** Maps one file's entries to records, pairing calls with their settlements; one per file. */
export class TraceMapper {
  /** Calls awaiting their `…OnSuccess`/`…OnFailure`, per PC key (or page, for media) and method, oldest first. */
  private readonly pending = new Map<string, PendingCall[]>();
  /** Calls by correlation id (RTCStatsDump v3 `extra`, e.g. `"60-0"`), which beats order when present. */
  private readonly byCorrelation = new Map<string, PendingCall>();
  /** Descriptions per PC for the v3 SDP decompression (formats.md §3.5). */
  private readonly descriptions = new Map<string, { local: Desc | null; remote: Desc | null; created: Record<string, Desc> }>();

  constructor(
    private readonly builder: ImportBuilder,
    private readonly ctx: ImportContext,
    private readonly style: TraceStyle,
  ) {}

  /**
   * Maps one entry. `pcKey` is the file's PC id (null: page level); `value` is the decoded value; `correlation`
   * pairs a call with its settlement when the format gives one. A PC's entry without a counterpart becomes a
   * generic entry ({@link TraceMapper.generic}, with `text` as its value text when given: the file's own string)
   * unless `keepUnmapped` is false. Returns false when nothing was recorded.
   */
  entry(
    pcKey: string | null,
    t: number,
    name: string,
    value: Json | undefined,
    where: string,
    correlation?: string,
    unmapped: { keep?: boolean; text?: string } = {},
  ): boolean {
    if (!this.ctx.validTime(where, t, 'time')) return false;
    const media = mediaName(name);
    if (media) return this.media(t, media.method, media.outcome, value, where, correlation);
    const track = /^MediaStreamTrack\.(on\w+|stop)$/.exec(name);
    if (track && hasOwnKey(TRACK_EVENTS, track[1])) return this.trackEvent(t, TRACK_EVENTS[track[1]], value, correlation, where);
    if (pcKey === null) return this.fileEntry(t, name, unmapped.text ?? valueText(value));

    const lower = name.toLowerCase();
    const bare = lower.startsWith('on') ? lower.slice(2) : lower;
    if (hasOwnKey(PC_EVENT_NAMES, bare) && !hasOwnKey(PC_CALLS, name)) {
      return this.pcEvent(pcKey, t, PC_EVENT_NAMES[bare], value, where);
    }
    const settle = /^(\w+?)(OnSuccess|OnFailure|Failed)$/.exec(name);
    if (settle && hasOwnKey(PC_CALLS, settle[1])) {
      const ok = settle[2] === 'OnSuccess';
      if (settle[1] === 'addIceCandidate' && this.style.iceAddIsOutcome) {
        // Chrome logs only the outcome: `addIceCandidateFailed` is the call and its failure.
        const call = this.pcCall(pcKey, t, 'addIceCandidate', value, where, undefined, false);
        if (call !== null) this.pcSettle(pcKey, t, 'addIceCandidate', call, false, undefined, errorOf(value));
        return call !== null;
      }
      return this.pcSettleEntry(pcKey, t, settle[1], ok, value, where, correlation);
    }
    if (hasOwnKey(PC_CALLS, name)) {
      const kind = PC_CALLS[name];
      const immediate = kind.sync || (name === 'addIceCandidate' && this.style.iceAddIsOutcome);
      const call = this.pcCall(pcKey, t, name, value, where, correlation, !immediate);
      if (call !== null && immediate) this.pcSettle(pcKey, t, name, call, true);
      return call !== null;
    }
    // Unmapped on a PC the file did not name (rtcstats' null id): the session's, not a stand-in PC's.
    if (unmapped.keep === false) return this.fileEntry(t, name, unmapped.text ?? valueText(value));
    return this.generic(pcKey, t, name, unmapped.text ?? valueText(value));
  }

  /** A PC's entry that has no record of its own, kept under its name with its value as text. */
  generic(pcKey: string, t: number, name: string, text: string): boolean {
    const pc = this.builder.pc(pcKey, t);
    const value: DumpEntryValue = { name: entryName(name), text };
    this.builder.add(pcKey, { type: 'pc-event', pc: pc.pc, t, event: DUMP_ENTRY_EVENT, value });
    return true;
  }

  /** An entry that belongs to no PC and has no record of its own: kept as the session's `file-entry`. */
  fileEntry(t: number, name: string, text: string): boolean {
    this.builder.add(null, { type: 'file-entry', t, value: { name: entryName(name), text } });
    return true;
  }

  /** A value for a record, or undefined (with a problem noted) when it is too deep or carries `__proto__`. */
  private checked<T extends Json | undefined>(value: T, where: string): T | undefined {
    if (value === undefined) return value;
    const problem = recordValueProblem(value);
    if (problem === null) return value;
    this.ctx.problem(where, `value refused: ${problem}`);
    return undefined;
  }

  private pcEvent(pcKey: string, t: number, event: PcEventName, raw: Json | undefined, where: string): boolean {
    let value: Json;
    switch (event) {
      case 'icecandidate':
        value = candidateOf(raw);
        break;
      case 'icecandidateerror':
        value = candidateErrorOf(raw);
        break;
      case 'track':
        value = trackEventOf(raw);
        break;
      case 'datachannel':
        value = channelOf(raw);
        break;
      case 'negotiationneeded':
        value = null;
        break;
      default:
        value = STATE_EVENTS.has(event) ? stateOf(raw) : (raw ?? null);
    }
    const ok = this.checked(value, where);
    if (ok === undefined) return false;
    const pc = this.builder.pc(pcKey, t);
    this.builder.add(pcKey, { type: 'pc-event', pc: pc.pc, t, event, value: ok });
    return true;
  }

  /** Records a call; returns its number, or null when its value was refused. */
  private pcCall(pcKey: string, t: number, name: string, raw: Json | undefined, where: string, correlation: string | undefined, awaitOutcome: boolean): number | null {
    const kind = PC_CALLS[name];
    const args = this.checked(this.argsOf(pcKey, name, raw), where);
    if (args === undefined) return null;
    const pc = this.builder.pc(pcKey, t);
    const call = this.builder.newCall();
    this.builder.add(pcKey, { type: 'pc-call', pc: pc.pc, t, call, method: kind.method, args });
    if (awaitOutcome) {
      const pending = { call, method: name };
      this.queue(`pc:${pcKey}:${name}`).push(pending);
      if (correlation !== undefined) this.byCorrelation.set(`pc:${pcKey}:${correlation}`, pending);
    }
    return call;
  }

  private pcSettleEntry(pcKey: string, t: number, name: string, ok: boolean, raw: Json | undefined, where: string, correlation?: string): boolean {
    const call = this.takePending(`pc:${pcKey}`, name, correlation);
    let value: Json | undefined;
    if (ok && (name === 'createOffer' || name === 'createAnswer' || name === 'setLocalDescription')) {
      const desc = descriptionOf(raw);
      value = desc ? this.inflateSdp(pcKey, name, desc, 'settled') : undefined;
    }
    const checked = this.checked(value, where);
    if (value !== undefined && checked === undefined) return false;
    this.pcSettle(pcKey, t, name, call ?? this.builder.newCall(), ok, checked, ok ? undefined : errorOf(raw));
    return true;
  }

  private pcSettle(pcKey: string, t: number, name: string, call: number, ok: boolean, value?: Json, error?: ErrorInfo): void {
    const pc = this.builder.pc(pcKey, t);
    const record: TraceRecord = { type: 'pc-settled', pc: pc.pc, t, call, method: PC_CALLS[name].method, ok };
    if (value !== undefined) record.value = value;
    if (!ok) record.error = error ?? { name: 'Error', message: '' };
    this.builder.add(pcKey, record);
  }

  private media(t: number, method: MediaMethod, outcome: 'call' | 'ok' | 'error', raw: Json | undefined, where: string, correlation?: string): boolean {
    if (outcome === 'call') {
      const args = this.checked(method === 'enumerateDevices' ? [] : [raw ?? null], where);
      if (args === undefined) return false;
      const call = this.builder.newCall();
      this.builder.add(null, { type: 'media-call', call, t, method, args });
      const pending = { call, method };
      this.queue(`media:${method}`).push(pending);
      if (correlation !== undefined) this.byCorrelation.set(`media:${correlation}`, pending);
      return true;
    }
    const call = this.takePending('media', method, correlation) ?? this.builder.newCall();
    if (outcome === 'error') {
      this.builder.add(null, { type: 'media-settled', call, t, method, ok: false, error: errorOf(raw) });
      return true;
    }
    const value = this.checked(method === 'enumerateDevices' ? (raw ?? null) : streamOf(raw), where);
    if (value === undefined) return false;
    this.builder.add(null, { type: 'media-settled', call, t, method, ok: true, value });
    return true;
  }

  private trackEvent(t: number, event: TrackEventName, raw: Json | undefined, extra: string | undefined, where: string): boolean {
    const track = trackOf(raw, false) ?? (extra !== undefined ? { id: extra, kind: '', label: '' } : null);
    if (track === null) {
      this.ctx.problem(where, 'track event without a track');
      return false;
    }
    const ok = this.checked(track, where);
    if (ok === undefined) return false;
    this.builder.add(null, { type: 'track-event', t, event, track: { id: str(track.id), kind: str(track.kind), label: str(track.label) } });
    return true;
  }

  private queue(key: string): PendingCall[] {
    let q = this.pending.get(key);
    if (!q) this.pending.set(key, (q = []));
    return q;
  }

  /** The call a settlement belongs to: by correlation id when given, else the oldest open call of that method. */
  private takePending(scope: string, method: string, correlation?: string): number | null {
    const q = this.queue(`${scope}:${method}`);
    if (correlation !== undefined) {
      const byId = this.byCorrelation.get(`${scope}:${correlation}`);
      if (byId && byId.method === method) {
        this.byCorrelation.delete(`${scope}:${correlation}`);
        const i = q.indexOf(byId);
        if (i !== -1) q.splice(i, 1);
        return byId.call;
      }
    }
    const next = q.shift();
    return next ? next.call : null;
  }

  /** Call arguments in the shapes our hook records (lib/page/serialize.ts). */
  private argsOf(pcKey: string, name: string, raw: Json | undefined): Json[] {
    switch (name) {
      case 'createOffer':
      case 'createAnswer': {
        const options = typeof raw === 'string' && raw.startsWith('options: ') ? raw.slice(9) : raw;
        return isJsonObject(options) || (typeof options === 'string' && options !== '') ? [options] : [];
      }
      case 'setLocalDescription':
      case 'setRemoteDescription': {
        const desc = descriptionOf(raw);
        return desc ? [this.inflateSdp(pcKey, name, desc, 'call')] : [];
      }
      case 'addIceCandidate':
        return [candidateOf(raw)];
      case 'addTrack':
        return addTrackArgs(raw, this.style.addTrackWithoutLabel);
      case 'removeTrack': {
        if (raw === 'null' || raw === null || raw === undefined) return [null];
        const track = trackOf(raw, false);
        return [track ? { track } : raw];
      }
      case 'addTransceiver':
        return addTransceiverArgs(raw);
      case 'createDataChannel':
        return createDataChannelArgs(raw);
      case 'close':
      case 'restartIce':
        return [];
      default:
        return raw === undefined || raw === null ? [] : Array.isArray(raw) && name !== 'setCodecPreferences' ? raw : [raw];
    }
  }

  /**
   * Restores a description whose unchanged m-sections were replaced by `m=` (`v=` for the session part) by
   * rtcstats-js (formats.md §3.5): against the PC's current local or remote description, else the last created
   * offer/answer of the same type. Also tracks the descriptions for the next entries.
   */
  private inflateSdp(pcKey: string, name: string, desc: Desc, phase: 'call' | 'settled'): JsonObject {
    let state = this.descriptions.get(pcKey);
    if (!state) this.descriptions.set(pcKey, (state = { local: null, remote: null, created: {} }));
    const remote = name === 'setRemoteDescription';
    let sdp = desc.sdp;
    if (hasPlaceholders(sdp)) {
      const bases = remote ? [state.remote] : [state.local, desc.type !== null && hasOwnKey(state.created, desc.type) ? state.created[desc.type] : null];
      for (const base of bases) {
        const restored = base && base.type === desc.type ? restoreSections(sdp, base.sdp) : null;
        if (restored !== null) {
          sdp = restored;
          break;
        }
      }
    }
    const full: Desc = { type: desc.type, sdp };
    if (name === 'createOffer' || name === 'createAnswer') {
      if (full.type !== null) state.created[full.type] = full;
    } else if (remote) {
      state.remote = full;
    } else if (phase === 'call' || name === 'setLocalDescription') {
      state.local = full;
    }
    return { type: full.type, sdp: full.sdp };
  }
}

interface Desc {
  type: string | null;
  sdp: string;
}

/** A value as text: a string as it is, anything else as JSON (an absent value as the empty string). */
export function valueText(value: Json | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const str = (v: Json | undefined): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

function sdpSections(sdp: string): string[] {
  return sdp.split('\nm=').map((s, i) => (i === 0 ? s : `m=${s}`).trim());
}

function hasPlaceholders(sdp: string): boolean {
  return sdpSections(sdp).some((s, i) => s === (i === 0 ? 'v=' : 'm='));
}

function restoreSections(compressed: string, base: string): string | null {
  const parts = sdpSections(compressed);
  const baseParts = sdpSections(base);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const placeholder = i === 0 ? 'v=' : 'm=';
    if (parts[i] === placeholder) {
      if (i >= baseParts.length) return null;
      out.push(baseParts[i]);
    } else {
      out.push(parts[i]);
    }
  }
  return `${out.join('\r\n').trim()}\r\n`;
}

/** `navigator.mediaDevices.getUserMediaOnSuccess` → getUserMedia + ok; legacy `getUserMedia…` too. */
function mediaName(name: string): { method: MediaMethod; outcome: 'call' | 'ok' | 'error' } | null {
  const m = /^(?:navigator\.mediaDevices\.|navigator\.)?(getUserMedia|getDisplayMedia|enumerateDevices)(OnSuccess|OnFailure)?$/.exec(name);
  if (!m) return null;
  return { method: MEDIA_CALLS[m[1]], outcome: m[2] === 'OnSuccess' ? 'ok' : m[2] === 'OnFailure' ? 'error' : 'call' };
}

/** `{type, sdp}` from an object, or from M86's text `type: offer, sdp: v=0…`; null for an implicit description. */
export function descriptionOf(raw: Json | undefined): Desc | null {
  if (isJsonObject(raw)) {
    const type = typeof raw.type === 'string' ? raw.type : null;
    const sdp = typeof raw.sdp === 'string' ? raw.sdp : '';
    if (type === null && sdp === '') return null;
    return { type, sdp };
  }
  if (typeof raw === 'string') {
    const m = /^type: ([\w-]*), sdp: ([\s\S]*)$/.exec(raw);
    if (m) return { type: m[1] || null, sdp: m[2] };
  }
  return null;
}

/** A candidate as `RTCIceCandidate.toJSON()` (plus url/relayProtocol); null is the end of gathering. */
export function candidateOf(raw: Json | undefined): Json {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') {
    // M86 webrtc-internals: `sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:…`.
    const m = /^sdpMid: ([^,]*), sdpMLineIndex: (\d+), candidate: ([\s\S]*)$/.exec(raw);
    if (m) return { sdpMid: m[1], sdpMLineIndex: Number(m[2]), candidate: m[3] };
    if (raw.startsWith('candidate:') || raw.startsWith('a=candidate:')) return { candidate: raw };
  }
  return raw;
}

/** `icecandidateerror` with the DOM event's names (webrtc-internals writes `error_code`, `error_text`, `host_candidate`). */
function candidateErrorOf(raw: Json | undefined): Json {
  let source: JsonObject | null = isJsonObject(raw) ? raw : null;
  if (source === null && typeof raw === 'string') {
    // M86: `url: …\naddress: …\nerror_code: 701` lines.
    source = {};
    for (const line of raw.split('\n')) {
      const at = line.indexOf(': ');
      if (at > 0) setOwnKey(source, line.slice(0, at).trim(), line.slice(at + 2));
    }
  }
  if (source === null) return raw ?? null;
  const renames: Record<string, string> = { error_code: 'errorCode', error_text: 'errorText', host_candidate: 'hostCandidate' };
  const out: JsonObject = {};
  for (const key of Object.keys(source)) {
    if (key === '__proto__') continue;
    const name = hasOwnKey(renames, key) ? renames[key] : key;
    let value = source[key];
    if (name === 'errorCode' && typeof value === 'string' && /^\d+$/.test(value)) value = Number(value);
    out[name] = value;
  }
  return out;
}

/**
 * A state string: JSON-quoted since M142 (`"\"stable\""`), bare before, and `ICEConnectionStateConnected`-style in
 * some old builds (formats.md §1.5).
 */
export function stateOf(raw: Json | undefined): Json {
  if (typeof raw !== 'string') return raw ?? null;
  let s = raw.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) {
    try {
      const inner: unknown = JSON.parse(s);
      if (typeof inner === 'string') s = inner;
    } catch {
      /* keep the text */
    }
  }
  const old = /^(?:ICEConnectionState|IceConnectionState|ICEGatheringState|IceGatheringState|SignalingState|PeerConnectionState|ConnectionState)([A-Z]\w*)$/.exec(s);
  if (old) s = old[1].replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return s;
}

const UUID_LIKE = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

/**
 * Where the stream ids start in an array track `[kind, id, label?, ...streamIds]`: after the label, except when the
 * writer leaves the label out (Chrome's M156 `addTrack`; the 3-element tracks of the rtcstats v3 corpus file, whose
 * third element is a stream id, formats.md §3.1).
 */
function streamStart(raw: Json[], withoutLabel: boolean): number {
  if (withoutLabel) return 2;
  return raw.length === 3 && typeof raw[2] === 'string' && UUID_LIKE.test(raw[2]) ? 2 : 3;
}

/** `{id, kind, label}` from the track forms of every format, or null. */
function trackOf(raw: Json | undefined, withoutLabel: boolean): JsonObject | null {
  if (Array.isArray(raw)) {
    if (raw.length < 2 || typeof raw[0] !== 'string') return null;
    const label = streamStart(raw, withoutLabel) === 3 ? str(raw[2]) : '';
    return { id: str(raw[1]), kind: raw[0], label };
  }
  if (isJsonObject(raw)) {
    if (isJsonObject(raw.track)) return trackOf(raw.track, withoutLabel);
    if (typeof raw.id !== 'string' && typeof raw.kind !== 'string') return null;
    return { id: str(raw.id), kind: str(raw.kind), label: str(raw.label) };
  }
  if (typeof raw === 'string') {
    // rtcstats legacy: `<kind>:<trackId>`, then ` stream:<id>` or similar.
    const m = /^(audio|video):(\S+)/.exec(raw);
    if (m) return { id: m[2], kind: m[1], label: '' };
  }
  return null;
}

/** Stream ids of the track forms: array tail, `streams` member, or legacy `stream:<id>;stream:<id>` text. */
function streamIdsOf(raw: Json | undefined, withoutLabel: boolean): string[] {
  if (Array.isArray(raw)) {
    return raw.slice(streamStart(raw, withoutLabel)).filter((s): s is string => typeof s === 'string');
  }
  if (isJsonObject(raw) && Array.isArray(raw.streams)) {
    return raw.streams.map((s) => (isJsonObject(s) ? str(s.id) : str(s)));
  }
  if (typeof raw === 'string') {
    const out: string[] = [];
    for (const m of raw.matchAll(/stream:([^;\s]+)/g)) out.push(m[1]);
    return out;
  }
  return [];
}

function trackEventOf(raw: Json | undefined): Json {
  const track = trackOf(raw, false);
  if (!track) return raw ?? null;
  return { track, streams: streamIdsOf(raw, false) };
}

function addTrackArgs(raw: Json | undefined, withoutLabel: boolean): Json[] {
  const track = trackOf(raw, withoutLabel);
  if (!track) return raw === undefined ? [] : [raw];
  return [track, ...streamIdsOf(raw, withoutLabel).map((id) => ({ id }))];
}

function addTransceiverArgs(raw: Json | undefined): Json[] {
  if (Array.isArray(raw)) {
    const first = Array.isArray(raw[0]) ? trackOf(raw[0], false) ?? raw[0] : raw[0];
    return raw.length > 1 ? [first ?? null, raw[1]] : [first ?? null];
  }
  if (typeof raw === 'string') {
    // rtcstats legacy: `<kind>` or `<kind>:<trackId>`, then optionally ` <init JSON>`.
    const space = raw.indexOf(' ');
    const head = space === -1 ? raw : raw.slice(0, space);
    const track = head.includes(':') ? trackOf(head, false) : null;
    const args: Json[] = [track ?? head];
    if (space !== -1) {
      try {
        args.push(JSON.parse(raw.slice(space + 1)) as Json);
      } catch {
        args.push(raw.slice(space + 1));
      }
    }
    return args;
  }
  return raw === undefined ? [] : [raw];
}

/** `[label, init]` from `{"0": label, "1": init}` (legacy arguments object), `{label, …init}` (internals) or arrays (v3). */
function createDataChannelArgs(raw: Json | undefined): Json[] {
  if (Array.isArray(raw)) return raw;
  if (isJsonObject(raw)) {
    if (hasOwnKey(raw, '0')) return hasOwnKey(raw, '1') ? [raw['0'], raw['1']] : [raw['0']];
    if (typeof raw.label === 'string') {
      const init: JsonObject = {};
      for (const key of Object.keys(raw)) if (key !== 'label' && key !== '__proto__') init[key] = raw[key];
      return Object.keys(init).length > 0 ? [raw.label, init] : [raw.label];
    }
  }
  return raw === undefined ? [] : [raw];
}

/** A data channel for the `datachannel` event: rtcstats writes `[id, label]`. */
function channelOf(raw: Json | undefined): Json {
  if (Array.isArray(raw) && raw.length >= 2) return { id: raw[0], label: raw[1] };
  return raw ?? null;
}

/**
 * A getUserMedia result as our hook records a MediaStream (`{id, tracks: [{id, kind, label}]}`): rtcstats legacy
 * already has that shape; v3 writes `[[kind, id, label, streamId], …]`.
 */
function streamOf(raw: Json | undefined): Json {
  if (Array.isArray(raw)) {
    const tracks: Json[] = [];
    let id = '';
    for (const item of raw) {
      const track = trackOf(item, false);
      if (!track) continue;
      tracks.push(track);
      const streams = streamIdsOf(item, false);
      if (id === '' && streams.length > 0) id = streams[0];
    }
    return { id, tracks };
  }
  if (isJsonObject(raw) && Array.isArray(raw.tracks)) {
    return { id: str(raw.id), tracks: raw.tracks.map((t) => trackOf(t, false) ?? t) };
  }
  return raw ?? null;
}

/** An error as `{name, message}`: from `{error, error_message}` (Chrome), `{name, message}`, or text `Name: message`. */
export function errorOf(raw: Json | undefined): ErrorInfo {
  if (isJsonObject(raw)) {
    if (typeof raw.error === 'string' || typeof raw.error_message === 'string') return { name: str(raw.error) || 'Error', message: str(raw.error_message) };
    if (typeof raw.name === 'string') return { name: raw.name, message: str(raw.message) };
    return { name: 'Error', message: JSON.stringify(raw).slice(0, 500) };
  }
  if (typeof raw === 'string') {
    const m = /^(\w*(?:Error|Exception)):\s*([\s\S]*)$/.exec(raw);
    if (m) return { name: m[1], message: m[2] };
    if (/^\w+(?:Error|Exception)$/.test(raw)) return { name: raw, message: '' };
    return { name: 'Error', message: raw };
  }
  return { name: 'Error', message: raw === undefined || raw === null ? '' : String(raw) };
}

/** An entry's name as kept: 1 to MAX_DUMP_ENTRY_NAME characters (what our own format's reader accepts). */
function entryName(name: string): string {
  if (name === '') return '(unnamed)';
  return name.length > MAX_DUMP_ENTRY_NAME ? name.slice(0, MAX_DUMP_ENTRY_NAME - 1) + '…' : name;
}
