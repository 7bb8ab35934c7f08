/**
 * The event log of a peer connection (or of the session's media requests): every traced record in order, each
 * call merged with its settlement (`pc-call` + `pc-settled` share `call`, a per-document counter, so the pair key
 * is frame + call), with a one-line summary, the full arguments and outcome, and for descriptions the SDP with a
 * diff against the previous description of the same side.
 *
 * "Same side": every SDP that is (or would become) a local description — createOffer/createAnswer results and
 * setLocalDescription arguments — forms one chain, and setRemoteDescription arguments the other. So an offer is
 * diffed against the last applied local description (what the renegotiation changes), and the
 * setLocalDescription that follows against that offer (an empty diff unless the page munged it, the check
 * webrtc-internals does by eye). A description whose call failed is still diffed, but not used as the base of
 * the next one (it never applied).
 */
import { errorText, type ErrorInfo, type Json, type JsonObject } from '../protocol/json';
import { DUMP_ENTRY_EVENT, type RtpTarget } from '../protocol/messages';
import { ownEntry, type SessionData, type TraceEvent } from './session';
import { diffSdp, iceUfrags, parseSdp, type ParsedSdp, type SdpDiff } from './sdp';

/** `file`: entries of an imported dump that belong to no PC (rtcstats app events such as `identity`, `logs`). */
export type LogKind = 'created' | 'call' | 'event' | 'channel' | 'track' | 'media' | 'file';
export const LOG_KINDS: readonly LogKind[] = ['created', 'call', 'event', 'channel', 'track', 'media', 'file'];

export interface LogSdp {
  side: 'local' | 'remote';
  /** offer, answer, pranswer, rollback (or null when the page passed none). */
  type: string | null;
  sdp: string;
  parsed: ParsedSdp;
  /** The description this one is diffed against; null for the first of its side. */
  previous: { seq: number; name: string } | null;
  diff: SdpDiff;
}

export interface LogEntry {
  /** Trace order of the record that opened the entry (the call, for calls). */
  seq: number;
  /** Page time (epoch ms). */
  t: number;
  /** ms since the PC's creation (or, without a PC, since the session's start). */
  sinceMs: number;
  kind: LogKind;
  /** Method or event name (`setLocalDescription`, `iceconnectionstatechange`, `getUserMedia`, `open`…). */
  name: string;
  summary: string;
  /** Arguments of a call, or the config of a created PC; null for events. */
  args: Json[] | null;
  /** Resolved value of a call, or the value of an event. */
  value: Json | null;
  target: RtpTarget | null;
  /** Calls: how they ended; null for events. */
  outcome: 'ok' | 'error' | 'pending' | null;
  error: ErrorInfo | null;
  /** Calls: ms from call to settlement. */
  durationMs: number | null;
  /** Shown as a failure: a failed call, an ICE candidate error, a `failed` state, a channel error. */
  failure: boolean;
  sdp: LogSdp | null;
  /**
   * An imported file's entry that has no record of its own (a `dump-entry` pc-event: webrtc-internals
   * `transceiverAdded`, rtcstats `onaddstream`, …): its value as the file gave it, shown as it is; `name` is the
   * entry's own name. Both come from the file: render as text only. null for every other entry.
   */
  fileText: string | null;
  /** The track a call was made on (`applyConstraints`: `{id, kind, label}`); null for every other entry. */
  track: JsonObject | null;
}

const DESCRIPTION_METHODS: Record<string, 'local' | 'remote'> = {
  createOffer: 'local',
  createAnswer: 'local',
  setLocalDescription: 'local',
  setRemoteDescription: 'remote',
};

const STATE_EVENTS = new Set(['signalingstatechange', 'iceconnectionstatechange', 'icegatheringstatechange', 'connectionstatechange']);

const isObject = (v: Json | undefined | null): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compact JSON, cut to `max` characters. */
export function preview(value: Json | undefined, max = 80): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `text` cut to `max` characters. */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `candidate:… udp 2122260223 127.0.0.1 35265 typ host …` → "host udp 127.0.0.1:35265". */
export function candidateSummary(candidate: Json | undefined | null): string {
  // Two kinds of end (Firefox sends both, Chromium only the second): an empty candidate ends one m-line's gathering
  // (an `a=end-of-candidates`), a null one ends the PC's.
  if (!isObject(candidate)) return candidate === null || candidate === undefined ? 'end of candidates (gathering complete)' : preview(candidate);
  const line = typeof candidate.candidate === 'string' ? candidate.candidate : '';
  if (line === '') {
    const mid = typeof candidate.sdpMid === 'string' ? candidate.sdpMid : null;
    return `end of candidates${mid !== null ? ` for mid ${mid}` : ''}`;
  }
  const parts = line.replace(/^a=/, '').replace(/^candidate:/, '').split(/\s+/);
  // foundation component protocol priority address port "typ" type …
  const [, , protocol = '?', , address = '?', port = '?'] = parts;
  const typIndex = parts.indexOf('typ');
  const type = typIndex !== -1 ? parts[typIndex + 1] ?? '?' : '?';
  let out = `${type} ${protocol.toLowerCase()} ${address}:${port}`;
  const relay = typeof candidate.relayProtocol === 'string' ? candidate.relayProtocol : null;
  if (relay) out += ` (relay ${relay})`;
  if (typeof candidate.sdpMid === 'string') out += ` mid ${candidate.sdpMid}`;
  return out;
}

function descriptionOf(value: Json | undefined): { type: string | null; sdp: string } | null {
  if (!isObject(value) || typeof value.sdp !== 'string' || value.sdp === '') return null;
  return { type: typeof value.type === 'string' ? value.type : null, sdp: value.sdp };
}

const sectionCount = (sdp: string) => (sdp.match(/^m=/gm) ?? []).length;

function trackText(track: Json | undefined): string {
  if (!isObject(track)) return preview(track);
  const kind = typeof track.kind === 'string' ? track.kind : '?';
  const label = typeof track.label === 'string' && track.label !== '' ? ` "${track.label}"` : '';
  return `${kind}${label}`;
}

/** `"chat" id 1` (the id only once negotiated). */
function channelText(channel: JsonObject): string {
  const id = typeof channel.id === 'number' ? ` id ${channel.id}` : '';
  return `${preview(channel.label, 40)}${id}`;
}

function callSummary(method: string, args: Json[], target: RtpTarget | null): string {
  const first = args[0];
  const where = target ? ` (transceiver ${target.index}${target.mid !== null ? `, mid ${target.mid}` : ''})` : '';
  switch (method) {
    case 'createOffer':
    case 'createAnswer':
      return isObject(first) ? `${method}(${preview(first)})` : `${method}()`;
    case 'setLocalDescription':
    case 'setRemoteDescription': {
      const d = descriptionOf(first);
      if (d) return `${method}(${d.type ?? '?'}, ${sectionCount(d.sdp)} m-section(s))`;
      if (isObject(first) && typeof first.type === 'string') return `${method}(${first.type})`;
      return `${method}() — implicit`;
    }
    case 'addIceCandidate':
      return `addIceCandidate(${candidateSummary(first ?? null)})`;
    case 'addTrack':
      return `addTrack(${trackText(first)})`;
    case 'addTransceiver':
      return `addTransceiver(${typeof first === 'string' ? first : trackText(first)}${args[1] !== undefined ? `, ${preview(args[1], 60)}` : ''})`;
    case 'createDataChannel':
      return `createDataChannel(${preview(first, 40)}${args[1] !== undefined && args[1] !== null ? `, ${preview(args[1], 60)}` : ''})`;
    case 'removeTrack': {
      const track = isObject(first) ? first.track : undefined;
      return `removeTrack(sender of ${isObject(track) ? trackText(track) : 'no track'})${where}`;
    }
    case 'sender.replaceTrack':
      return `sender.replaceTrack(${first === null ? 'null' : trackText(first)})${where}`;
    case 'transceiver.direction':
      return `transceiver.direction = ${typeof first === 'string' ? first : preview(first)}${where}`;
    case 'sender.setParameters': {
      const params = parametersSummary(first);
      if (params !== null) return `sender.setParameters(${params})${where}`;
      return `${method}(${args.map((a) => preview(a, 60)).join(', ')})${where}`;
    }
    default:
      return `${method}(${args.map((a) => preview(a, 60)).join(', ')})${where}`;
  }
}

/** Exact and short: "1500 kbit/s", "64000 bit/s" → "64 kbit/s", "1234567 bit/s". */
function bitrateText(bps: number): string {
  return bps >= 1000 && bps % 1000 === 0 ? `${bps / 1000} kbit/s` : `${bps} bit/s`;
}

/** Encoding fields in the order an engineer reads them; any others follow in the page's order. */
const ENCODING_FIELDS = ['active', 'maxBitrate', 'maxFramerate', 'scaleResolutionDownBy', 'scalabilityMode', 'priority', 'networkPriority'];

/** One encoding: "rid h: active, maxBitrate 1500 kbit/s, maxFramerate 30, scaleResolutionDownBy 2". */
function encodingSummary(e: Json): string {
  if (!isObject(e)) return preview(e, 40);
  const parts: string[] = [];
  for (const key of ENCODING_FIELDS) {
    if (!(key in e)) continue;
    const v = e[key];
    if (key === 'active') parts.push(v === true ? 'active' : v === false ? 'inactive' : `active ${preview(v, 20)}`);
    else if (key === 'maxBitrate' && typeof v === 'number') parts.push(`maxBitrate ${bitrateText(v)}`);
    else parts.push(`${key} ${typeof v === 'string' ? v : preview(v, 30)}`);
  }
  for (const key of Object.keys(e)) {
    if (key === 'rid' || ENCODING_FIELDS.includes(key)) continue;
    const v = e[key];
    parts.push(`${key} ${isObject(v) && typeof v.mimeType === 'string' ? v.mimeType : typeof v === 'string' ? v : preview(v, 40)}`);
  }
  const rid = typeof e.rid === 'string' ? `rid ${e.rid}` : null;
  const body = parts.length > 0 ? parts.join(', ') : 'defaults';
  return rid ? `${rid}: ${body}` : body;
}

/**
 * setParameters' argument by what a call changes: its encodings (bitrate, frame rate, scaling, active) and
 * degradationPreference, not the codecs and header extensions it must hand back unchanged. Null when it has no
 * encodings array (not RTCRtpSendParameters).
 */
function parametersSummary(params: Json | undefined): string | null {
  if (!isObject(params) || !Array.isArray(params.encodings)) return null;
  const n = params.encodings.length;
  let text = `${n} encoding${n === 1 ? '' : 's'}${n > 0 ? ` [${params.encodings.map(encodingSummary).join('; ')}]` : ''}`;
  if (params.degradationPreference !== undefined) {
    const d = params.degradationPreference;
    text += `, degradationPreference ${typeof d === 'string' ? d : preview(d, 30)}`;
  }
  return cut(text, 400);
}

function resultSummary(method: string, value: Json | undefined): string {
  const d = descriptionOf(value);
  if (d) return `${d.type ?? 'description'}, ${sectionCount(d.sdp)} m-section(s)`;
  if (method === 'addTrack' || method === 'addTransceiver') {
    if (isObject(value) && isObject(value.target)) {
      const mid = value.target.mid;
      return `transceiver ${preview(value.target.index)}${typeof mid === 'string' ? `, mid ${mid}` : ''}`;
    }
  }
  if (method === 'createDataChannel' && isObject(value)) return `channel ${channelText(value)}`;
  return value === undefined ? '' : preview(value, 60);
}

function eventSummary(event: string, value: Json): string {
  if (STATE_EVENTS.has(event)) return `${event} → ${typeof value === 'string' ? value : preview(value)}`;
  switch (event) {
    case 'icecandidate':
      return `icecandidate: ${candidateSummary(value)}`;
    case 'icecandidateerror': {
      if (!isObject(value)) return 'icecandidateerror';
      const code = value.errorCode !== undefined ? ` ${preview(value.errorCode)}` : '';
      const text = typeof value.errorText === 'string' ? ` ${value.errorText}` : '';
      const url = typeof value.url === 'string' ? ` (${value.url})` : '';
      return `icecandidateerror${code}${text}${url}`;
    }
    case 'track': {
      if (!isObject(value)) return 'track';
      const t = value.track;
      const id = isObject(t) && typeof t.id === 'string' ? ` ${t.id}` : '';
      const streams = Array.isArray(value.streams) && value.streams.length > 0 ? ` streams ${value.streams.map((s) => preview(s)).join(', ')}` : '';
      const tr = isObject(value.transceiver) && typeof value.transceiver.mid === 'string' ? ` mid ${value.transceiver.mid}` : '';
      return `track ${trackText(t)}${id}${tr}${streams}`;
    }
    case 'datachannel':
      return isObject(value) ? `datachannel ${channelText(value)}` : 'datachannel';
    case 'negotiationneeded':
      return 'negotiationneeded';
    default:
      return `${event} ${preview(value, 60)}`;
  }
}

function mediaCallSummary(method: string, args: Json[], track?: Json): string {
  if (method === 'enumerateDevices') return 'enumerateDevices()';
  const call = `${method}(${args.map((a) => preview(a, 100)).join(', ')})`;
  return track === undefined ? call : `track ${trackText(track)} ${call}`;
}

/**
 * A track's settings (its getSettings()) as they read: "640×480, 30 fps, deviceId …"; `brief`, the size, frame rate and
 * sample rate only ("640×480 30 fps", for one-line summaries). '' when there is nothing to say.
 */
export function trackSettingsText(settings: Json | undefined, brief = false): string {
  if (!isObject(settings)) return '';
  const parts: string[] = [];
  if (typeof settings.width === 'number' && typeof settings.height === 'number') parts.push(`${settings.width}×${settings.height}`);
  if (typeof settings.frameRate === 'number') parts.push(`${Math.round(settings.frameRate * 100) / 100} fps`);
  if (typeof settings.sampleRate === 'number') parts.push(`${settings.sampleRate} Hz`);
  if (brief) return parts.join(' ');
  if (typeof settings.channelCount === 'number') parts.push(`${settings.channelCount} ch`);
  for (const key of ['displaySurface', 'facingMode', 'echoCancellation', 'noiseSuppression', 'autoGainControl', 'deviceId']) {
    const v = settings[key];
    if (v !== undefined) parts.push(`${key} ${typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v)}`);
  }
  return parts.join(', ');
}

function mediaResultSummary(method: string, value: Json | undefined): string {
  if (method === 'enumerateDevices') return Array.isArray(value) ? `${value.length} device(s)` : preview(value);
  if (method === 'applyConstraints') return trackSettingsText(value, true) || preview(value, 60);
  if (isObject(value) && Array.isArray(value.tracks)) {
    return value.tracks.length === 0 ? 'no tracks' : value.tracks.map((t) => trackText(t)).join(', ');
  }
  return preview(value, 60);
}

function withOutcome(base: string, outcome: LogEntry['outcome'], error: ErrorInfo | null, result: string): string {
  if (outcome === 'error') return `${base} → ${error ? errorText(error) : 'failed'}`;
  if (outcome === 'pending') return `${base} (pending)`;
  return result ? `${base} → ${result}` : base;
}

/** Longest time from a document's navigation start to its relay's hello that is still taken for that load. */
const MAX_LOAD_TO_HELLO_MS = 60_000;

/**
 * Where the session's own times ("+0.8 s") count from: the top document's time origin (its navigation start, on the
 * page's clock, as every record time is) when the relay reported it, and never later than the first record. The
 * session's `startedAt` is the background's clock when the relay first spoke, after the page's first records: counting
 * from it showed the first getUserMedia at "−0.03 s".
 */
export function sessionTimeOrigin(data: SessionData): number {
  const started = data.session.startedAt;
  let origin = started;
  for (const frame of data.session.frames) {
    // Only a time origin shortly before the relay's hello is the load of this document (a prerendered or restored
    // page, or another clock, gives one far off: then the records alone decide).
    const t = frame.timeOrigin;
    if (frame.isTop && Number.isFinite(t) && t < origin && t >= started - MAX_LOAD_TO_HELLO_MS) origin = t;
  }
  for (const e of data.events) if (e.record.t < origin) origin = e.record.t;
  return origin;
}

/** Where "time since creation" counts from. */
function originOf(data: SessionData, pcId: string | null): number {
  if (pcId === null) return sessionTimeOrigin(data);
  const pc = data.pcs.find((p) => p.pcId === pcId);
  if (pc) return pc.createdAt;
  const created = data.events.find((e) => e.pcId === pcId && e.record.type === 'pc-created');
  return created ? created.record.t : sessionTimeOrigin(data);
}

/**
 * Log entries of `pcId` (or, with null, of the records not tied to a PC: media requests and track events), in
 * trace order. Settlements join their call; a settlement whose call is missing gets an entry of its own.
 */
export function buildEventLog(data: SessionData, pcId: string | null): LogEntry[] {
  const origin = originOf(data, pcId);
  const mine: TraceEvent[] = data.events.filter((e) => e.pcId === pcId);
  // Settlements by frame + call, so each call can be merged with its outcome.
  const settlements = new Map<string, TraceEvent>();
  for (const e of mine) {
    const r = e.record;
    if (r.type === 'pc-settled') settlements.set(`p${e.frame}:${r.call}`, e);
    else if (r.type === 'media-settled') settlements.set(`m${e.frame}:${r.call}`, e);
  }
  const consumed = new Set<TraceEvent>();
  const entries: LogEntry[] = [];
  // A dump file gives a call and its outcome the same time when it has no duration for it (a synchronous call such
  // as addTrack, or times in whole milliseconds): "0.0 ms" would read as measured. Recorded calls keep their 0.
  const imported = data.session.imported !== undefined;
  const durationOf = (callT: number, settledT: number): number | null => (imported && settledT === callT ? null : settledT - callT);
  const lastSdp: Record<'local' | 'remote', { seq: number; name: string; parsed: ParsedSdp } | null> = { local: null, remote: null };
  // The ICE credentials (ufrags) of each side's last description: an offer with others restarts ICE.
  const lastUfrags: Record<'local' | 'remote', string> = { local: '', remote: '' };

  const base = (e: TraceEvent, kind: LogKind, name: string): LogEntry => ({
    seq: e.seq,
    t: e.record.t,
    sinceMs: e.record.t - origin,
    kind,
    name,
    summary: name,
    args: null,
    value: null,
    target: null,
    outcome: null,
    error: null,
    durationMs: null,
    failure: false,
    sdp: null,
    fileText: null,
    track: null,
  });

  for (const e of mine) {
    const r = e.record;
    switch (r.type) {
      case 'pc-created': {
        const entry = base(e, 'created', 'RTCPeerConnection');
        entry.args = r.constraints !== undefined ? [r.config, r.constraints] : [r.config];
        const servers = Array.isArray(r.config.iceServers) ? r.config.iceServers.length : 0;
        const policy = typeof r.config.iceTransportPolicy === 'string' ? `, iceTransportPolicy ${r.config.iceTransportPolicy}` : '';
        const bundle = typeof r.config.bundlePolicy === 'string' ? `, bundlePolicy ${r.config.bundlePolicy}` : '';
        entry.summary = `new RTCPeerConnection: ${servers} ICE server(s)${policy}${bundle}`;
        entries.push(entry);
        break;
      }
      case 'pc-call': {
        const settled = settlements.get(`p${e.frame}:${r.call}`);
        const s = settled && settled.record.type === 'pc-settled' ? settled.record : null;
        if (settled) consumed.add(settled);
        const entry = base(e, 'call', r.method);
        entry.args = r.args;
        entry.target = r.target ?? null;
        entry.outcome = s ? (s.ok ? 'ok' : 'error') : 'pending';
        entry.error = s && !s.ok ? s.error ?? { name: 'Error', message: '' } : null;
        entry.value = s && s.value !== undefined ? s.value : null;
        entry.durationMs = s ? durationOf(r.t, s.t) : null;
        entry.failure = entry.outcome === 'error';
        entry.summary = withOutcome(callSummary(r.method, r.args, entry.target), entry.outcome, entry.error, s ? resultSummary(r.method, s.value) : '');
        const side = ownEntry(DESCRIPTION_METHODS, r.method);
        if (side) {
          // setLocalDescription() without an SDP: the description the browser set, recorded as the settled value.
          const desc = r.method.startsWith('create') ? descriptionOf(s?.value) : descriptionOf(r.args[0]) ?? descriptionOf(s?.value);
          if (desc) {
            const parsed = parseSdp(desc.sdp);
            const prev = lastSdp[side];
            entry.sdp = {
              side,
              type: desc.type,
              sdp: desc.sdp,
              parsed,
              previous: prev ? { seq: prev.seq, name: prev.name } : null,
              diff: diffSdp(prev ? prev.parsed : null, parsed),
            };
            const ufrags = iceUfrags(desc.sdp).sort().join(' ');
            if (desc.type === 'offer' && ufrags !== '' && lastUfrags[side] !== '' && ufrags !== lastUfrags[side]) {
              entry.summary += side === 'local' ? ' · ICE restart (new ICE credentials)' : ' · ICE restart by the other side (new ICE credentials)';
            }
            if (entry.outcome !== 'error') {
              lastSdp[side] = { seq: e.seq, name: r.method, parsed };
              if (ufrags !== '') lastUfrags[side] = ufrags;
            }
          }
        }
        entries.push(entry);
        break;
      }
      case 'pc-settled': {
        if (consumed.has(e)) break;
        const entry = base(e, 'call', r.method);
        entry.outcome = r.ok ? 'ok' : 'error';
        entry.error = r.ok ? null : r.error ?? { name: 'Error', message: '' };
        entry.value = r.value !== undefined ? r.value : null;
        entry.failure = !r.ok;
        entry.summary = withOutcome(`${r.method} (call not recorded)`, entry.outcome, entry.error, resultSummary(r.method, r.value));
        entries.push(entry);
        break;
      }
      case 'pc-event': {
        if (r.event === DUMP_ENTRY_EVENT) {
          const v = isObject(r.value) ? r.value : {};
          const name = typeof v.name === 'string' ? v.name : '?';
          const entry = base(e, 'event', name);
          entry.fileText = typeof v.text === 'string' ? v.text : preview(v.text);
          entry.summary = transceiverEntrySummary(name, entry.fileText) ?? (entry.fileText === '' ? name : `${name} ${cut(entry.fileText.replace(/\s+/g, ' '), 80)}`);
          entries.push(entry);
          break;
        }
        const entry = base(e, 'event', r.event);
        entry.value = r.value;
        entry.summary = eventSummary(r.event, r.value);
        entry.failure = r.event === 'icecandidateerror' || (STATE_EVENTS.has(r.event) && r.value === 'failed');
        entries.push(entry);
        break;
      }
      case 'channel-event': {
        const entry = base(e, 'channel', r.event);
        entry.value = { id: r.channel.id, label: r.channel.label };
        entry.summary = `data channel "${r.channel.label}"${r.channel.id !== null ? ` (id ${r.channel.id})` : ''} ${r.event}`;
        entry.failure = r.event === 'error';
        entries.push(entry);
        break;
      }
      case 'pc-create-failed': {
        const entry = base(e, 'created', 'RTCPeerConnection');
        entry.args = r.args;
        entry.outcome = 'error';
        entry.error = r.error;
        entry.failure = true;
        entry.summary = withOutcome(`new RTCPeerConnection(${r.args.length > 0 ? preview(r.args[0], 80) : ''})`, 'error', r.error, '');
        entries.push(entry);
        break;
      }
      case 'media-call': {
        const settled = settlements.get(`m${e.frame}:${r.call}`);
        const s = settled && settled.record.type === 'media-settled' ? settled.record : null;
        if (settled) consumed.add(settled);
        const entry = base(e, 'media', r.method);
        entry.args = r.args;
        if (r.track !== undefined) entry.track = { ...r.track };
        entry.outcome = s ? (s.ok ? 'ok' : 'error') : 'pending';
        entry.error = s && !s.ok ? s.error ?? { name: 'Error', message: '' } : null;
        entry.value = s && s.value !== undefined ? s.value : null;
        entry.durationMs = s ? durationOf(r.t, s.t) : null;
        entry.failure = entry.outcome === 'error';
        entry.summary = withOutcome(mediaCallSummary(r.method, r.args, r.track), entry.outcome, entry.error, s ? mediaResultSummary(r.method, s.value) : '');
        entries.push(entry);
        break;
      }
      case 'media-settled': {
        if (consumed.has(e)) break;
        const entry = base(e, 'media', r.method);
        entry.outcome = r.ok ? 'ok' : 'error';
        entry.error = r.ok ? null : r.error ?? { name: 'Error', message: '' };
        entry.value = r.value !== undefined ? r.value : null;
        entry.failure = !r.ok;
        entry.summary = withOutcome(`${r.method} (call not recorded)`, entry.outcome, entry.error, mediaResultSummary(r.method, r.value));
        entries.push(entry);
        break;
      }
      case 'file-entry': {
        const entry = base(e, 'file', r.value.name);
        entry.fileText = r.value.text;
        entry.summary = r.value.text === '' ? r.value.name : `${r.value.name} ${cut(r.value.text.replace(/\s+/g, ' '), 80)}`;
        entries.push(entry);
        break;
      }
      case 'track-event': {
        const entry = base(e, 'track', r.event);
        entry.value = { ...r.track };
        // stop() is the page's own call, not an event of the track.
        entry.summary = `track ${trackText(r.track)} ${r.track.id} ${r.event === 'stop' ? 'stop() called by the page' : r.event}`;
        entries.push(entry);
        break;
      }
    }
  }
  return entries;
}

/**
 * Chromium's `transceiverAdded` / `transceiverModified` entries (webrtc-internals; no record of ours) read like the
 * rest of the log: "transceiverAdded #0 audio, mid 0, recvonly (by setRemoteDescription)", not as cut-off JSON. Null
 * for other entries or a value that is not such JSON (the file's text is then shown as it is).
 */
export function transceiverEntrySummary(name: string, text: string): string | null {
  if (name !== 'transceiverAdded' && name !== 'transceiverModified') return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const word = (x: unknown) => (typeof x === 'string' ? cut(x, 40) : null);
  const parts: string[] = [];
  if (typeof o.transceiverIndex === 'number') parts.push(`#${o.transceiverIndex}`);
  const kind = word(o.kind);
  if (kind) parts.push(kind);
  const head = parts.join(' ');
  const facts = [
    o.mid === null ? 'no mid yet' : word(o.mid) !== null ? `mid ${word(o.mid)}` : null,
    word(o.direction),
    word(o.currentDirection) !== null ? `current ${word(o.currentDirection)}` : null,
  ].filter((x): x is string => x !== null);
  const reason = word(o.reason);
  return `${name} ${[head, ...facts].filter((x) => x !== '').join(', ')}${reason ? ` (by ${reason})` : ''}`;
}

export interface LogFilter {
  /** Case-insensitive; matches the name, the summary, the arguments, the outcome and the error. */
  text?: string;
  /** Kinds to keep; absent: all. */
  kinds?: ReadonlySet<LogKind>;
  failuresOnly?: boolean;
}

const haystacks = new WeakMap<LogEntry, string>();

function haystackOf(entry: LogEntry): string {
  let h = haystacks.get(entry);
  if (h === undefined) {
    h = [
      entry.name,
      entry.summary,
      entry.args ? JSON.stringify(entry.args) : '',
      entry.value !== null ? JSON.stringify(entry.value) : '',
      entry.error ? errorText(entry.error) : '',
      entry.fileText ?? '',
    ]
      .join('\n')
      .toLowerCase();
    haystacks.set(entry, h);
  }
  return h;
}

/** The entries that pass `filter`, in order. */
export function filterEventLog(entries: readonly LogEntry[], filter: LogFilter): LogEntry[] {
  const q = (filter.text ?? '').trim().toLowerCase();
  return entries.filter(
    (e) =>
      (!filter.kinds || filter.kinds.has(e.kind)) &&
      (!filter.failuresOnly || e.failure) &&
      (q === '' || haystackOf(e).includes(q)),
  );
}
