/**
 * Writes a chrome://webrtc-internals dump ("Create dump", uncompressed) shaped as Chromium 156 writes it
 * (shared/docs/formats.md §1, §1.9; checked against corpus chromium156-loopback-2pc-60s.json), so that the
 * rtcstats dump-importer and fippo's webrtc-dump-importer open our recordings like native dumps.
 *
 * What is reproduced: every top-level key, `getUserMedia` request/success/failure entries, per PC `pid`, `url`,
 * `rtcConfiguration`, `updateLog` (current `on…` names, string values, JSON-quoted states) and `stats` with one
 * series per field plus `-timestamp`, Chromium's `[codec]` and the derived `[…]` rates of lib/model/rates.ts.
 * Also the locale-date `[…Timestamp]` companions, and no `mediaType` on RTP objects (page-only). No 1000-point
 * cap. Entries of imported dumps that have no record of their own (`dump-entry` pc-events: `transceiverAdded`,
 * rtcstats `onaddstream`, …) are written back under their own name with their value text, so import → export →
 * import keeps them. Not reproducible from what a page sees: `transceiverAdded/Modified` entries of recorded
 * sessions (Chromium logs them from inside the browser) and Chromium-internal stats fields (`networkAdapterType`,
 * `vpn`, media-source `track.*`).
 */
import type { Json, JsonObject } from '../protocol/json';
import { DUMP_ENTRY_EVENT, isMediaRequest } from '../protocol/messages';
import type { PcSummary, StatsObject, StatsReportJson, StatsSample, TraceEvent } from '../model/session';
import { deriveRates, findRateRule } from '../model/rates';
import type { SessionBundle } from './session-bundle';
import { pcSamples } from './bundle-stats';
import { isoTime, isValidTime } from './time-range';
import { bundleColumns, chromiumCalculatedOrder, chromiumCodecLabel, dumpIds, hasOwn, NOT_CHROMIUM_RATES, spacedJson, statsType, type DumpIds } from './bundle-util';

export interface InternalsExportOptions {
  /** Download time (epoch ms): top-level `timestamp` (Chromium ≥ M147). Left out when not given. */
  exportedAt?: number;
  /**
   * `navigator.userAgentData.getHighEntropyValues(['fullVersionList'])` of the exporting browser (M144+ object
   * form). Firefox has none: then `{brands: [], mobile: false, platform: ""}` is written, because the rtcstats
   * importer refuses dumps without a truthy `UserAgentData` (formats.md §1.8, §1.9).
   */
  userAgentData?: JsonObject | Json[];
  hardwareConcurrency?: number;
  deviceMemory?: number;
  cpuPerformance?: number;
}

/** One update-log entry as Chromium's PeerConnectionTracker reports it: the value is always a string. */
export interface ChromiumLogEntry {
  type: string;
  value: string;
  timestamp: number;
}


/** Writes the dump as Chromium does: `JSON.stringify(dump, null, 1)`. */
export function exportWebrtcInternals(bundles: SessionBundle | readonly SessionBundle[], options: InternalsExportOptions = {}): string {
  return JSON.stringify(buildInternalsDump(Array.isArray(bundles) ? bundles : [bundles as SessionBundle], options), null, 1);
}

/** The dump as an object (tests and other writers). */
export function buildInternalsDump(bundles: readonly SessionBundle[], options: InternalsExportOptions = {}): JsonObject {
  const ids = dumpIds(bundles);
  const dump: JsonObject = {};
  // Member order of the M156 dump.
  if (options.cpuPerformance !== undefined) dump.cpuPerformance = options.cpuPerformance;
  if (options.deviceMemory !== undefined) dump.deviceMemory = options.deviceMemory;
  if (options.hardwareConcurrency !== undefined) dump.hardwareConcurrency = options.hardwareConcurrency;
  if (options.exportedAt !== undefined) dump.timestamp = options.exportedAt;
  dump.getUserMedia = bundles.flatMap((bundle, i) => getUserMediaEntries(bundle, i, ids));
  const peerConnections: JsonObject = {};
  bundles.forEach((bundle, i) => {
    for (const pc of bundle.pcs) peerConnections[ids.pcKey(i, pc.pcId)] = peerConnectionRecord(bundle, pc);
  });
  dump.PeerConnections = peerConnections;
  dump.UserAgent = bundles[0]?.session.userAgent ?? '';
  dump.UserAgentData = options.userAgentData ?? { brands: [], mobile: false, platform: '' };
  return dump;
}

function peerConnectionRecord(bundle: SessionBundle, pc: PcSummary): JsonObject {
  // Member order of the M156 dump (Chromium sorts them). `constraints` only for the legacy constructor argument.
  const record: JsonObject = { pid: 0 };
  if (pc.constraints !== undefined) record.constraints = JSON.stringify(pc.constraints);
  record.rtcConfiguration = JSON.stringify(chromiumConfiguration(pc.config));
  record.stats = statsSeries(pcSamples(bundle, pc.pcId), bundle, pc.pcId);
  record.updateLog = chromiumUpdateLog(bundle.events.filter((e) => e.pcId === pc.pcId)) as unknown as Json;
  record.url = pc.frameUrl;
  return record;
}

// ───────────────────────────── configuration ─────────────────────────────

/** Defaults Chromium leaves out of `rtcConfiguration` (it writes only non-default members, formats.md §1.4). */
const CONFIG_DEFAULTS: Record<string, Json> = {
  iceTransportPolicy: 'all',
  bundlePolicy: 'balanced',
  rtcpMuxPolicy: 'require',
  iceCandidatePoolSize: 0,
  sdpSemantics: 'unified-plan',
};

/** A page configuration as Chromium shows it: non-default members, ICE servers by `urls` only, no certificates. */
export function chromiumConfiguration(config: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(config)) {
    const value = config[key];
    if (key === 'certificates' || (hasOwn(CONFIG_DEFAULTS, key) && CONFIG_DEFAULTS[key] === value)) continue;
    if (key === 'iceServers') {
      if (!Array.isArray(value) || value.length === 0) continue;
      out.iceServers = value.map((server) => {
        const urls = server && typeof server === 'object' && !Array.isArray(server) ? (server as JsonObject).urls : undefined;
        return { urls: Array.isArray(urls) ? urls : typeof urls === 'string' ? [urls] : [] };
      });
      continue;
    }
    out[key] = value;
  }
  return out;
}

// ───────────────────────────── update log ─────────────────────────────

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const json = (v: Json): string => JSON.stringify(v);

/** Chromium's event names for ours (M142+: `on…`). State values are written JSON-quoted (`"\"stable\""`). */
const EVENT_TYPES: Record<string, string> = {
  icecandidate: 'onicecandidate',
  icecandidateerror: 'onicecandidateerror',
  track: 'ontrack',
  negotiationneeded: 'onnegotiationneeded',
  signalingstatechange: 'onsignalingstatechange',
  iceconnectionstatechange: 'oniceconnectionstatechange',
  icegatheringstatechange: 'onicegatheringstatechange',
  connectionstatechange: 'onconnectionstatechange',
  datachannel: 'ondatachannel',
};

/** `createOffer`/`createAnswer` options as Chromium logs them: only true flags; `voiceActivityDetection` defaults on. */
function offerOptions(arg: Json | undefined): string {
  const options = isObject(arg) ? arg : {};
  const out: JsonObject = {};
  if (options.offerToReceiveAudio) out.offerToReceiveAudio = true;
  if (options.offerToReceiveVideo) out.offerToReceiveVideo = true;
  if (options.voiceActivityDetection !== false) out.voiceActivityDetection = true;
  if (options.iceRestart) out.iceRestart = true;
  return Object.keys(out).length === 0 ? 'null' : json(out);
}

/** `{"type","sdp"}`, with `sdp` left out when empty (peer_connection_tracker.cc). */
function description(value: Json | undefined): string {
  if (!isObject(value)) return '';
  const out: JsonObject = { type: value.type ?? null };
  if (typeof value.sdp === 'string' && value.sdp !== '') out.sdp = value.sdp;
  return json(out);
}

/** Candidate init → `{"sdpMid","sdpMLineIndex"?,"candidate","url"?,"relayProtocol"?}`. */
function candidate(value: Json | undefined): string {
  const c = isObject(value) ? value : {};
  const out: JsonObject = { sdpMid: c.sdpMid ?? null };
  if (typeof c.sdpMLineIndex === 'number') out.sdpMLineIndex = c.sdpMLineIndex;
  out.candidate = typeof c.candidate === 'string' ? c.candidate : '';
  if (typeof c.url === 'string') out.url = c.url;
  if (typeof c.relayProtocol === 'string') out.relayProtocol = c.relayProtocol;
  return json(out);
}

/** Data channel (init or object) → `{"label","ordered","maxPacketLifeTime"?,"maxRetransmits"?,"protocol"?,"negotiated"?,"id"?}`. */
function dataChannel(label: Json | undefined, init: Json | undefined): string {
  const o = isObject(init) ? init : {};
  const out: JsonObject = { label: typeof label === 'string' ? label : '', ordered: o.ordered !== false };
  if (typeof o.maxPacketLifeTime === 'number') out.maxPacketLifeTime = o.maxPacketLifeTime;
  if (typeof o.maxRetransmits === 'number') out.maxRetransmits = o.maxRetransmits;
  if (typeof o.protocol === 'string' && o.protocol !== '') out.protocol = o.protocol;
  if (o.negotiated === true) {
    out.negotiated = true;
    if (typeof o.id === 'number') out.id = o.id;
  }
  return json(out);
}

const streamId = (s: Json): Json => (isObject(s) ? (s.id ?? null) : s);

function errorText(error: { name: string; message: string } | undefined): string {
  return error ? `${error.name}: ${error.message}` : '';
}

/**
 * The update log Chromium would show for these events of one PC (trace order). Calls Chromium has no entry for
 * (`restartIce`, `removeTrack`, `addTransceiver`, sender/transceiver methods) are kept under our method name with
 * their arguments as JSON, so nothing the page did is lost; both importers list unknown types as text.
 */
export function chromiumUpdateLog(events: readonly TraceEvent[]): ChromiumLogEntry[] {
  const log: ChromiumLogEntry[] = [];
  const calls = new Map<number, Json[]>();
  const push = (type: string, value: string, timestamp: number) => log.push({ type, value, timestamp });
  for (const { record } of events) {
    switch (record.type) {
      case 'pc-call': {
        calls.set(record.call, record.args);
        const [first, second] = record.args;
        switch (record.method) {
          case 'createOffer':
          case 'createAnswer':
            push(record.method, offerOptions(first), record.t);
            break;
          case 'setLocalDescription':
          case 'setRemoteDescription':
            push(record.method, description(first), record.t);
            break;
          case 'addIceCandidate':
            // Chromium logs a remote candidate once, with its outcome (peer_connection_tracker.cc
            // TrackAddIceCandidate): `addIceCandidate` means it was added, `addIceCandidateFailed` that it was not.
            // So it is written at the settlement (below); a call that never settled is not written at all (as
            // Chromium would not), rather than as a success.
            break;
          case 'addTrack': {
            // M156: {"kind","id","streams":[…]}.
            const track = isObject(first) ? first : {};
            push('addTrack', json({ kind: track.kind ?? null, id: track.id ?? null, streams: record.args.slice(1).map(streamId) }), record.t);
            break;
          }
          case 'createDataChannel':
            push('createDataChannel', dataChannel(first, second), record.t);
            break;
          case 'setConfiguration':
            push('setConfiguration', json(chromiumConfiguration(isObject(first) ? first : {})), record.t);
            break;
          case 'close':
            push('close', '', record.t);
            break;
          default:
            push(record.method, json(record.target ? [...record.args, { target: { ...record.target } }] : record.args), record.t);
        }
        break;
      }
      case 'pc-settled': {
        const method = record.method;
        if (!record.ok) {
          // addIceCandidate failures repeat the candidate (peer_connection_tracker.cc); the others carry the error.
          if (method === 'addIceCandidate') push('addIceCandidateFailed', candidate(calls.get(record.call)?.[0]), record.t);
          else push(`${method}OnFailure`, errorText(record.error), record.t);
        } else if (method === 'addIceCandidate') {
          push('addIceCandidate', candidate(calls.get(record.call)?.[0]), record.t);
        } else if (method === 'createOffer' || method === 'createAnswer') {
          push(`${method}OnSuccess`, description(record.value), record.t);
        } else if (method === 'setLocalDescription' || method === 'setRemoteDescription') {
          // The argument-less setLocalDescription() carries the description the browser made (recorded as the
          // settled value), as Chromium logs that form's success; the explicit forms log nothing there.
          push(`${method}OnSuccess`, method === 'setLocalDescription' && record.value !== undefined ? description(record.value) : '', record.t);
        }
        // Chromium logs no success for the other calls (corpus: addTrack, createDataChannel).
        break;
      }
      case 'pc-event': {
        const value = record.value;
        if (record.event === DUMP_ENTRY_EVENT) {
          // An imported entry without a record of its own (transceiverAdded, …): back under its name, value as it was.
          if (isObject(value) && typeof value.name === 'string' && typeof value.text === 'string') push(value.name, value.text, record.t);
          break;
        }
        const type = EVENT_TYPES[record.event];
        switch (record.event) {
          case 'icecandidate':
            // A null candidate (end of gathering) has no entry; Chromium shows onicegatheringstatechange instead.
            if (value !== null) push(type, candidate(value), record.t);
            break;
          case 'icecandidateerror': {
            const e = isObject(value) ? value : {};
            const out: JsonObject = { url: e.url ?? '' };
            if (e.address !== undefined && e.address !== null) out.address = e.address;
            if (e.port !== undefined && e.port !== null) out.port = e.port;
            out.host_candidate = e.address != null ? `${String(e.address)}:${String(e.port ?? '')}` : '';
            out.error_text = e.errorText ?? '';
            out.error_code = e.errorCode ?? 0;
            push(type, json(out), record.t);
            break;
          }
          case 'track': {
            // M156: {"kind","id","label","streams":[…]}.
            const v = isObject(value) ? value : {};
            const track = isObject(v.track) ? v.track : {};
            push(type, json({ kind: track.kind ?? null, id: track.id ?? null, label: track.label ?? null, streams: Array.isArray(v.streams) ? v.streams : [] }), record.t);
            break;
          }
          case 'datachannel': {
            const v = isObject(value) ? value : {};
            push(type, dataChannel(v.label, v), record.t);
            break;
          }
          case 'negotiationneeded':
            push(type, '', record.t);
            break;
          default:
            // M142+: states are JSON-quoted.
            push(type, typeof value === 'string' ? json(value) : json(value ?? null), record.t);
        }
        break;
      }
      default:
        // pc-created is the PC record itself; data-channel, media and track events have no update-log entry.
        break;
    }
  }
  return log;
}

// ───────────────────────────── getUserMedia ─────────────────────────────

/** A constraint as Chromium writes it: `""` for `true`, spaced JSON for an object, absent when not requested. */
function constraintString(value: Json | undefined): string | undefined {
  if (value === undefined || value === false || value === null) return undefined;
  if (value === true) return '';
  return spacedJson(value);
}

function trackInfo(tracks: Json | undefined, kind: string): string {
  const list = Array.isArray(tracks) ? tracks : [];
  const track = list.find((t) => isObject(t) && t.kind === kind) as JsonObject | undefined;
  return track ? json({ id: track.id ?? null, label: track.label ?? null }) : 'null';
}

function getUserMediaEntries(bundle: SessionBundle, bundleIndex: number, ids: DumpIds): JsonObject[] {
  const out: JsonObject[] = [];
  const requests = new Map<number, { rid: number; requestId: number; type: string }>();
  const counters = new Map<number, number>();
  for (const event of bundle.events) {
    const record = event.record;
    // Chromium's getUserMedia list holds requests for media only (no device lists, no applyConstraints).
    if ((record.type !== 'media-call' && record.type !== 'media-settled') || !isMediaRequest(record.method)) continue;
    if (record.type === 'media-call') {
      const rid = ids.rid(bundleIndex, event.frame);
      const requestId = counters.get(rid) ?? 0;
      counters.set(rid, requestId + 1);
      requests.set(record.call, { rid, requestId, type: record.method });
      const constraints = isObject(record.args[0]) ? record.args[0] : {};
      const frameUrl = bundle.session.frames.find((f) => f.index === event.frame)?.url ?? bundle.session.url;
      // Members in Chromium's (sorted) order.
      const entry: JsonObject = {};
      const audio = constraintString(constraints.audio);
      if (audio !== undefined) entry.audio = audio;
      entry.origin = bundle.session.origin;
      entry.pid = 0;
      entry.request_id = requestId;
      entry.request_type = record.method;
      entry.rid = rid;
      entry.timestamp = record.t;
      entry.url = frameUrl;
      const video = constraintString(constraints.video);
      if (video !== undefined) entry.video = video;
      out.push(entry);
      continue;
    }
    const request = requests.get(record.call);
    if (!request) continue;
    if (record.ok) {
      const value = isObject(record.value) ? record.value : {};
      out.push({
        audio_track_info: trackInfo(value.tracks, 'audio'),
        pid: 0,
        request_id: request.requestId,
        request_type: request.type,
        rid: request.rid,
        stream_id: typeof value.id === 'string' ? value.id : '',
        timestamp: record.t,
        video_track_info: trackInfo(value.tracks, 'video'),
      });
    } else {
      out.push({
        error: record.error?.name ?? '',
        error_message: record.error?.message ?? '',
        pid: 0,
        request_id: request.requestId,
        request_type: request.type,
        rid: request.rid,
        timestamp: record.t,
      });
    }
  }
  return out;
}

// ───────────────────────────── stats ─────────────────────────────

/**
 * String fields whose values Chromium's own stats hold as decimal numbers: candidate `foundation` and RTP `mid`
 * (M156 getStats: `"3049697979"`, `"0"`). The only fields {@link chromiumValue} converts.
 */
const NUMERIC_STRING_FIELDS: ReadonlySet<string> = new Set(['foundation', 'mid']);

/**
 * A field's value as Chromium's dump would hold it. The webrtc-internals page records every value that reads as a
 * number as that number (stats_graph_helper.js `getNumberFromValue`: `isNaN(value) ? NaN : parseFloat(value)`), so
 * the M156 dump has `foundation` 3049697979 and `mid` 0. Chromium's ids never read as numbers; other browsers' do
 * (Firefox's `"51775e14"` is 5.1775e18, `"12345678"` is 12345678), and converting those would break every `…Id`
 * link. So only {@link NUMERIC_STRING_FIELDS} are converted, only plain decimal integers of up to 15 digits (the
 * number gives the same text back), and never a value that is also an id of the report.
 */
function chromiumValue(field: string, value: Json, report: StatsReportJson): Json {
  if (typeof value !== 'string' || !NUMERIC_STRING_FIELDS.has(field) || !/^(0|[1-9]\d{0,14})$/.test(value) || hasOwn(report, value)) return value;
  return Number(value);
}

interface SeriesDraft {
  id: string;
  statsType: string;
  /** Value per row of the object's own timestamp series; null where absent. */
  values: (Json | null)[];
}

/**
 * Page getStats (M156) still reports the obsolete `mediaType` on RTP objects; Chromium's own dump, made from its
 * internal collector, has no such series (formats.md, "Browser-internal fields"), so neither has ours.
 */
const RTP_TYPES = new Set(['inbound-rtp', 'outbound-rtp', 'remote-inbound-rtp', 'remote-outbound-rtp']);

/**
 * Time fields webrtc-internals shows as locale dates in a bracketed companion series (`[lastPacketReceivedTimestamp]`:
 * `"11/22/2026, 2:15:59 AM"`), with the offset to epoch ms: `estimatedPlayoutTimestamp` is NTP time.
 */
const DATE_FIELDS: Record<string, number> = {
  lastPacketReceivedTimestamp: 0,
  lastPacketSentTimestamp: 0,
  estimatedPlayoutTimestamp: -2_208_988_800_000,
  remoteTimestamp: 0,
};

/** `Date#toLocaleString()` as the page would show it (the exporter runs in the browser, in its locale and zone). */
function localeDate(value: Json | undefined, offsetMs: number): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? new Date(value + offsetMs).toLocaleString() : null;
}

/**
 * The time of an object's point in its series: its own timestamp, or the poll's time when it has none that is a
 * valid time. Every poll with the object gets a point, so its other series align with its `-timestamp` series.
 */
function pointTime(sample: StatsSample, object: StatsObject): number {
  return isValidTime(object.timestamp) ? object.timestamp : sample.t;
}

/**
 * `"<statsId>-<field>"` → `{startTime, endTime, statsType, values}`. For each object, `-timestamp` holds its
 * timestamp at every poll that contained it; every other series is aligned with it: leading and trailing polls
 * without the field are cut (as Chromium's series start late, e.g. `remoteId`), holes inside are written as
 * `null`, so `values.length` always equals the index span between startTime and endTime in the timestamp series
 * and importers align exactly (formats.md §1.6, §1.9; Chromium itself drops the hole and readers must guess).
 * Keys are added in order of first appearance, fields of an object sorted, then `[codec]`, then the locale-date
 * companions, then `timestamp`, then derived rates: the order of the M156 dump.
 */
function statsSeries(samples: readonly StatsSample[], bundle: SessionBundle, pcId: string): JsonObject {
  const columns = bundleColumns(bundle, pcId);
  const derived = deriveRates(columns);
  const order: string[] = [];
  const series = new Map<string, SeriesDraft>();
  /** Per object: rows (indexes into samples) at which it was present. */
  const rowsOf = new Map<string, number[]>();
  const add = (id: string, field: string, type: string, row: number, value: Json | null | undefined) => {
    if (value === null || value === undefined) return;
    const key = `${id}-${field}`;
    let draft = series.get(key);
    if (!draft) {
      draft = { id, statsType: type, values: [] };
      series.set(key, draft);
      order.push(key);
    }
    const position = rowsOf.get(id)!.length - 1;
    while (draft.values.length < position) draft.values.push(null);
    draft.values[position] = value;
  };
  samples.forEach((sample, row) => {
    for (const id of Object.keys(sample.report)) {
      const object = sample.report[id];
      const type = statsType(object);
      let rows = rowsOf.get(id);
      if (!rows) rowsOf.set(id, (rows = []));
      rows.push(row);
      const fields = Object.keys(object).sort();
      for (const field of fields) {
        if (field === 'timestamp' || field === 'id' || (field === 'mediaType' && RTP_TYPES.has(type))) continue;
        add(id, field, type, row, chromiumValue(field, object[field], sample.report));
      }
      const rates = hasOwn(derived, id) ? derived[id] : undefined;
      const names = rates ? Object.keys(rates).filter((name) => !NOT_CHROMIUM_RATES.has(name)) : [];
      // Chromium writes the current-sample differences (`[A-B-C]`) right after the fields, the other rates last.
      const isDifference = (name: string) => findRateRule(type, name)?.kind === 'difference';
      for (const name of names) if (isDifference(name)) add(id, name, type, row, rates![name][row]);
      if (type === 'inbound-rtp' || type === 'outbound-rtp') add(id, '[codec]', type, row, chromiumCodecLabel(sample.report, object));
      for (const field of fields) {
        if (hasOwn(DATE_FIELDS, field)) add(id, `[${field}]`, type, row, localeDate(object[field], DATE_FIELDS[field]));
      }
      add(id, 'timestamp', type, row, pointTime(sample, object));
      if (rates) {
        for (const name of chromiumCalculatedOrder(type, names.filter((name) => !isDifference(name)))) add(id, name, type, row, rates[name][row]);
      }
    }
  });
  const out: JsonObject = {};
  for (const key of order) {
    const draft = series.get(key)!;
    const id = draft.id;
    const rows = rowsOf.get(id)!;
    const first = draft.values.findIndex((v) => v !== null);
    const last = draft.values.length - 1;
    const time = (position: number) => isoTime(pointTime(samples[rows[position]], samples[rows[position]].report[id]));
    out[key] = {
      startTime: time(first),
      endTime: time(last),
      statsType: draft.statsType,
      values: JSON.stringify(draft.values.slice(first)),
    };
  }
  return out;
}
