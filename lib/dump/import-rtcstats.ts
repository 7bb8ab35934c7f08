/**
 * Reads rtcstats line files, line by line: the legacy format of fippo/rtcstats and jitsi/rtcstats (one JSON array
 * per line, `[method, pcId, value, timestampMs(, seq)]`, optional header line; shared/docs/formats.md §2) and the
 * RTCStatsDump file format 3 (`RTCStatsDump` line, metadata line, then `[method, id, value, ...extra, deltaMs]`;
 * formats.md §3) as written by rtcstats-js and by Chrome's own "rtcstats dump" export.
 *
 * getStats deltas are applied per PC to give a full report per poll; API calls and events go through the shared
 * {@link TraceMapper}.
 */
import type { Json, JsonObject } from '../protocol/json';
import type { StatsObject, StatsReportJson } from '../model/session';
import { RTCP_TIMED_TYPES } from './bundle-util';
import { ImportBuilder } from './import-builder';
import type { ImportContext } from './import-context';
import { TraceMapper, valueText } from './import-trace';
import { isBlank, textLines, type TextLine } from './lines';
import { hasOwnKey, isJsonObject, ownValue, parseJson, recordValueProblem, setOwnKey } from './safe-json';
import type { SessionBundle } from './session-bundle';
import { statsObjectProblem, timeProblem } from './time-range';

/**
 * jitsi/rtcstats-server writes PC events of its pre-call test without a PC id (formats.md §2.1): they go to one
 * stand-in PC rather than being lost. (The name cannot clash with a file id: those are strings in the file.)
 */
const NO_ID_PC = '\u0000pc-without-id';

// ───────────────────────────── legacy ─────────────────────────────

/**
 * Reads a legacy rtcstats file. `removedMeansGone` is the per-file choice of formats.md §2.3: jitsi-style files
 * (they send `{timestamp: 0}` stubs for unchanged objects) drop objects absent from a delta; fippo-style files
 * leave them unchanged.
 */
export function importRtcstatsLegacy(ctx: ImportContext, text: string, inputBytes: number): SessionBundle {
  const builder = new ImportBuilder(ctx.fileName, 'rtcstats-legacy', inputBytes, { problem: (where, reason) => ctx.problem(where, reason) });
  const mapper = new TraceMapper(builder, ctx, { iceAddIsOutcome: false, addTrackWithoutLabel: false });
  // A stub is an object reduced to `{"timestamp":0}`: only the jitsi writer keeps those (formats.md §2.3).
  const removedMeansGone = /:\s*\{\s*"timestamp"\s*:\s*0\s*\}/.test(text);
  const bases = new Map<string, Map<string, StatsObject>>();

  for (const { line, where, entry } of jsonLines(ctx, text, textLines(text))) {
    if (line.number === 1 && isJsonObject(entry)) {
      // fippo/rtcstats-server header: {path, origin, url, userAgent, time, fileFormat}.
      readClientInfo(builder, entry);
      continue;
    }
    if (!Array.isArray(entry) || entry.length < 4 || (typeof entry[0] !== 'string' && typeof entry[0] !== 'number')) {
      ctx.problem(where, 'not an rtcstats line ([method, pcId, value, timestamp])');
      continue;
    }
    const method = String(entry[0]);
    const pcId = entry[1];
    const value = entry[2];
    const t = entry[3];
    if (!ctx.validTime(where, t, 'timestamp (4th element)')) continue;
    if (pcId !== null && typeof pcId !== 'string' && typeof pcId !== 'number') {
      ctx.problem(where, 'PC id (2nd element) is neither a string nor null');
      continue;
    }
    if (method === 'connectionInfo' && isJsonObject(value)) {
      // jitsi header line (2021+); its user agent may not match a body recorded earlier (formats.md §2.4).
      readClientInfo(builder, value);
      continue;
    }
    // `["close", null, null|code, ts]` is the websocket closing; `["close", null, {}, ts]` a pre-call PC's close().
    if (method === 'close' && pcId === null && !isJsonObject(value)) continue;
    const pcKey = pcId === null ? NO_ID_PC : String(pcId);
    if (method === 'create') {
      builder.created(pcKey, t, configOf(value, where, ctx));
      continue;
    }
    if (method === 'constraints') {
      setConstraints(builder, pcKey, t, value, where, ctx);
      continue;
    }
    if (method === 'getstats' || method === 'getStats') {
      if (pcId === null) {
        ctx.problem(where, 'getstats without a PC id');
        continue;
      }
      if (!isJsonObject(value)) {
        ctx.problem(where, 'getstats value is not an object');
        continue;
      }
      let base = bases.get(pcKey);
      if (!base) bases.set(pcKey, (base = new Map()));
      const report = applyLegacyDelta(ctx, base, value, removedMeansGone, where);
      builder.addSample(pcKey, t, report, where);
      continue;
    }
    // Null-id entries without a record of their own (app events such as `identity`) are page-level, not the stand-in's.
    mapper.entry(pcId === null ? (isMediaOrPage(method) ? null : NO_ID_PC) : pcKey, t, method, value, where, undefined, { keep: pcId !== null });
  }
  return builder.build();
}

/** Methods that are never PC methods even when a file gives them a PC id. */
function isMediaOrPage(method: string): boolean {
  return /getUserMedia|getDisplayMedia|enumerateDevices|MediaStreamTrack\.|ondevicechange/.test(method);
}

function readClientInfo(builder: ImportBuilder, info: JsonObject): void {
  const url = ownValue(info, 'url');
  const origin = ownValue(info, 'origin');
  const userAgent = ownValue(info, 'userAgent');
  if (typeof url === 'string' && /^[a-z][\w+.-]*:/i.test(url)) builder.meta.url = url;
  else if (typeof origin === 'string' && typeof url === 'string') builder.meta.url = `${origin}${url.startsWith('/') ? '' : '/'}${url}`;
  else if (typeof origin === 'string') builder.meta.url = origin;
  if (typeof userAgent === 'string') builder.meta.userAgent = userAgent;
}

/** A PC's configuration as stored with it; `{nullConfig: true}` (no configuration given) is `{}`. */
function configOf(value: Json | undefined, where: string, ctx: ImportContext): JsonObject {
  if (!isJsonObject(value) || value.nullConfig === true) return {};
  const problem = recordValueProblem(value);
  if (problem !== null) {
    ctx.problem(where, `configuration refused: ${problem}`);
    return {};
  }
  return value;
}

function setConstraints(builder: ImportBuilder, pcKey: string, t: number, value: Json | undefined, where: string, ctx: ImportContext): void {
  if (value === undefined || value === null) return;
  const problem = recordValueProblem(value);
  if (problem !== null) {
    ctx.problem(where, `constraints refused: ${problem}`);
    return;
  }
  builder.pc(pcKey, t).constraints = value;
}

/** The non-blank lines of `lines` parsed as JSON (nesting ≤ 64); unparsable ones are reported and skipped. */
function* jsonLines(ctx: ImportContext, text: string, lines: Iterable<TextLine>): Generator<{ line: TextLine; where: string; entry: Json }> {
  for (const line of lines) {
    ctx.progress(line.start / text.length);
    if (isBlank(text, line.start, line.end)) continue;
    const where = `line ${line.number}`;
    const parsed = parseJson(text, 64, line.start, line.end);
    if (!parsed.ok) {
      ctx.problem(where, parsed.reason);
      continue;
    }
    yield { line, where, entry: parsed.value };
  }
}

/**
 * The stats objects of a report or delta line that may be stored: members that are objects, under an id other
 * than `__proto__`, whose values pass the page-record checks and whose `timestamp`, when a number, is a valid time
 * (exports write it as the object's point time). The others are reported as problems of `where`.
 */
function acceptedStatsObjects(ctx: ImportContext, value: JsonObject, where: string): [string, JsonObject][] {
  const out: [string, JsonObject][] = [];
  for (const id of Object.keys(value)) {
    const object = value[id];
    if (!isJsonObject(object)) continue;
    const problem = statsObjectProblem(id, object);
    if (problem !== null) {
      ctx.problem(where, problem);
      continue;
    }
    out.push([id, object]);
  }
  return out;
}

/**
 * One legacy getstats delta applied to `base` (formats.md §2.3 reader): `timestamp: 0` means the line's `T`, a
 * missing timestamp means unchanged; properties present replace the base's; objects absent from the delta are
 * dropped in jitsi-style files and kept in fippo-style ones. Returns the full report (objects are fresh copies;
 * `base` is updated to it).
 */
function applyLegacyDelta(ctx: ImportContext, base: Map<string, StatsObject>, delta: JsonObject, removedMeansGone: boolean, where: string): StatsReportJson {
  const reportTime = ownValue(delta, 'timestamp');
  const T = typeof reportTime === 'number' && ctx.validTime(where, reportTime, 'report timestamp') ? reportTime : null;
  const seen = new Set<string>();
  // `timestamp` beside the objects is T itself; other non-objects are not stats.
  for (const [id, part] of acceptedStatsObjects(ctx, delta, where)) {
    seen.add(id);
    const previous = base.get(id);
    const next: StatsObject = {};
    if (previous) for (const key of Object.keys(previous)) setOwnKey(next, key, previous[key]);
    for (const key of Object.keys(part)) if (key !== 'timestamp' && key !== 'id') setOwnKey(next, key, part[key]);
    const ts = ownValue(part, 'timestamp');
    if (ts === 0 && T !== null) {
      // A remote RTP object's timestamp is the time of the RTCP report it describes; a stub that changes nothing
      // else is a browser (before M117) stamping an unchanged report with the poll time. Its time stays that of the
      // report, as for pre-M117 webrtc-internals dumps (import-webrtc-internals.ts `reportTimes`): "timestamp
      // advanced" is how charts and health tell a new receiver report.
      if (!(previous && RTCP_TIMED_TYPES.has(String(next.type)) && onlyTimestamp(part))) next.timestamp = T;
    } else if (ts !== undefined && ts !== 0) next.timestamp = ts;
    base.set(id, next);
  }
  if (removedMeansGone) for (const id of [...base.keys()]) if (!seen.has(id)) base.delete(id);
  return reportOf(base);
}

/** Why the object's `key` member (its timestamp) is a number but no valid time, or null. */
function objectTimeProblem(object: JsonObject, key: string): string | null {
  const stamp = ownValue(object, key);
  return typeof stamp === 'number' ? timeProblem(stamp) : null;
}

/** A delta part that carries nothing but its timestamp (and its id). */
function onlyTimestamp(part: JsonObject): boolean {
  return Object.keys(part).every((key) => key === 'timestamp' || key === 'id');
}

function reportOf(base: Map<string, StatsObject>): StatsReportJson {
  const report: StatsReportJson = {};
  for (const [id, object] of base) setOwnKey(report, id, object);
  return report;
}

// ───────────────────────────── RTCStatsDump format 3 ─────────────────────────────

/** Method codes of rtcstats-js (formats.md §3.3); codes are never reassigned. */
const METHOD_CODES: Record<string, string> = {
  1: 'getStats',
  g: 'getStats',
  2: 'createOffer',
  3: 'createOfferOnSuccess',
  12: 'createOfferOnFailure',
  4: 'createAnswer',
  5: 'createAnswerOnSuccess',
  13: 'createAnswerOnFailure',
  6: 'setLocalDescription',
  7: 'setLocalDescriptionOnSuccess',
  14: 'setLocalDescriptionOnFailure',
  8: 'setRemoteDescription',
  9: 'setRemoteDescriptionOnSuccess',
  15: 'setRemoteDescriptionOnFailure',
  10: 'addIceCandidate',
  11: 'addIceCandidateOnSuccess',
  16: 'addIceCandidateOnFailure',
  20: 'onicecandidate',
  21: 'onicecandidateerror',
  22: 'ontrack',
  23: 'onsignalingstatechange',
  24: 'oniceconnectionstatechange',
  25: 'onconnectionstatechange',
  26: 'onicegatheringstatechange',
  27: 'onnegotiationneeded',
  28: 'ondatachannel',
  30: 'addTrack',
  31: 'addTrackOnSuccess',
  32: 'addTransceiver',
  33: 'addTransceiverOnSuccess',
  34: 'removeTrack',
  35: 'createDataChannel',
  36: 'close',
  37: 'restartIce',
  38: 'setConfiguration',
  39: 'create',
  40: 'constraints',
  41: 'setCodecPreferences',
  42: 'setHeaderExtensionsToNegotiate',
  50: 'setParameters',
  51: 'replaceTrack',
  60: 'navigator.mediaDevices.getUserMedia',
  61: 'navigator.mediaDevices.getUserMediaOnSuccess',
  // 62 is never written: a duplicate-key bug made released clients emit 65 for getUserMedia failures.
  62: 'navigator.mediaDevices.getUserMediaOnFailure',
  65: 'navigator.mediaDevices.getUserMediaOnFailure',
  63: 'navigator.mediaDevices.getDisplayMedia',
  64: 'navigator.mediaDevices.getDisplayMediaOnSuccess',
  68: 'navigator.mediaDevices.getDisplayMediaOnFailure',
  66: 'navigator.mediaDevices.enumerateDevices',
  67: 'navigator.mediaDevices.ondevicechange',
  70: 'MediaStreamTrack.stop',
  71: 'MediaStreamTrack.applyConstraints',
  72: 'MediaStreamTrack.onended',
  73: 'MediaStreamTrack.onmute',
  74: 'MediaStreamTrack.onunmute',
  80: 'HTMLMediaElement.resize',
};

/** `type` codes of the getStats compression (formats.md §3.4 step 6). */
const TYPE_CODES: Record<string, string> = {
  1: 'inbound-rtp',
  2: 'outbound-rtp',
  3: 'remote-inbound-rtp',
  4: 'remote-outbound-rtp',
  5: 'transport',
  6: 'candidate-pair',
  7: 'local-candidate',
  8: 'remote-candidate',
  9: 'data-channel',
  10: 'peer-connection',
  11: 'certificate',
  12: 'media-source',
  13: 'media-playout',
  14: 'codec',
};

/**
 * Property codes of the getStats compression known from formats.md §3.4. The full table (4–176) lives in
 * rtcstats-shared; codes not listed here are kept as their number (no corpus file uses the compression yet).
 */
const PROPERTY_CODES: Record<string, string> = {
  t: 'timestamp',
  4: 'payloadType',
  5: 'transportId',
  6: 'mimeType',
  10: 'ssrc',
  11: 'kind',
  12: 'codecId',
  14: 'packetsReceived',
  15: 'packetsLost',
  16: 'jitter',
  80: 'bytesSent',
  166: 'issuerCertificateId',
};

/** Prefix of RTCStatsDump app events (`:<name>`, formats.md §3.2): the reader keeps them as entries of that name. */
const APP_EVENT_PREFIX = ':';
/** Methods the reader takes for lines of its own, on a line of a PC and on a line of no PC (null id). */
const READ_ON_PC: ReadonlySet<string> = new Set(['create', 'constraints', 'remove', 'getStats']);
const READ_WITHOUT_PC: ReadonlySet<string> = new Set(['create', 'getStats', 'close', 'websocket']);

/**
 * The method under which a writer puts an entry named `name` (of a PC, or of no PC) so that
 * {@link importRtcstatsV3} reads it back as that entry: the name itself, unless the reader would take it for
 * something else (a method code such as `"g"` or `"39"`, a line it reads itself such as `create`, a media method it
 * moves off the PC, a `:` app event); then `:<name>`, the app-event form, which it reads as an entry of that name.
 */
export function rtcstatsEntryMethod(name: string, onPc: boolean): string {
  const readsAsOther =
    name.startsWith(APP_EVENT_PREFIX) || hasOwnKey(METHOD_CODES, name) || (onPc ? READ_ON_PC.has(name) || isMediaOrPage(name) : READ_WITHOUT_PC.has(name));
  return readsAsOther ? `${APP_EVENT_PREFIX}${name}` : name;
}

/** Reads an RTCStatsDump file; `text` starts with the `RTCStatsDump` line (BOM already removed). */
export function importRtcstatsV3(ctx: ImportContext, text: string, inputBytes: number): SessionBundle {
  const builder = new ImportBuilder(ctx.fileName, 'rtcstats-v3', inputBytes, { problem: (where, reason) => ctx.problem(where, reason) });
  const lines = textLines(text);
  lines.next(); // `RTCStatsDump`, checked by detection.
  let metaLine = lines.next();
  while (!metaLine.done && isBlank(text, metaLine.value.start, metaLine.value.end)) metaLine = lines.next();
  if (metaLine.done) throw ctx.error('line 2', 'the metadata line is missing');
  const meta = parseJson(text, 64, metaLine.value.start, metaLine.value.end);
  if (!meta.ok || !isJsonObject(meta.value)) throw ctx.error(`line ${metaLine.value.number}`, `metadata line: ${meta.ok ? 'not an object' : meta.reason}`);
  const fileFormat = ownValue(meta.value, 'fileFormat');
  if (fileFormat !== 3) throw ctx.error(`line ${metaLine.value.number}`, `fileFormat ${JSON.stringify(fileFormat ?? null)} is not supported (only 3)`);
  readClientInfo(builder, meta.value);
  const startTime = ownValue(meta.value, 'startTime');
  if (startTime !== undefined && ctx.validTime(`line ${metaLine.value.number}`, startTime, 'metadata startTime')) builder.meta.extraTimes.push(startTime);
  // Chrome's own export writes only {"fileFormat":3} and logs like webrtc-internals (formats.md §3.6).
  const chromeExport = ownValue(meta.value, 'clientProtocol') === undefined;
  const mapper = new TraceMapper(builder, ctx, { iceAddIsOutcome: chromeExport, addTrackWithoutLabel: chromeExport });

  const bases = new Map<string, Map<string, StatsObject>>();
  let clock = 0;
  let first = true;
  for (const { line, where, entry } of jsonLines(ctx, text, lines)) {
    // Non-array lines are ignored by the format's definition (formats.md §3.1).
    if (!Array.isArray(entry)) continue;
    if (entry.length < 4) {
      ctx.problem(where, 'not an RTCStatsDump line ([method, id, value, ...extra, delta])');
      continue;
    }
    const delta = entry[entry.length - 1];
    if (typeof delta !== 'number' || !Number.isFinite(delta)) {
      ctx.problem(where, 'time delta (last element) is not a number');
      continue;
    }
    // The first delta is absolute epoch ms, the others ms since the previous line (negative ones are possible).
    const t = first ? delta : clock + delta;
    if (!ctx.validTime(where, t, first ? 'timestamp (last element)' : 'time (the previous line\'s plus this delta)')) continue;
    clock = t;
    first = false;
    const rawMethod = entry[0];
    if (typeof rawMethod !== 'string' && typeof rawMethod !== 'number') {
      ctx.problem(where, 'method (1st element) is neither a string nor a code');
      continue;
    }
    const method = hasOwnKey(METHOD_CODES, String(rawMethod)) ? METHOD_CODES[String(rawMethod)] : String(rawMethod);
    const id = entry[1];
    if (id !== null && typeof id !== 'string') {
      ctx.problem(where, 'connection id (2nd element) is neither a string nor null');
      continue;
    }
    const value = entry[2];
    const extra = entry.slice(3, -1);
    const correlation = typeof extra[0] === 'string' ? extra[0] : undefined;

    if (typeof rawMethod === 'string' && rawMethod.startsWith(APP_EVENT_PREFIX)) {
      // An app event (rtcstats-js) or an entry a writer escaped (rtcstatsEntryMethod): an entry of that name, read
      // as nothing else, its value as text.
      const name = rawMethod.slice(APP_EVENT_PREFIX.length);
      if (id === null) mapper.fileEntry(t, name, valueText(value));
      else mapper.generic(id, t, name, valueText(value));
      continue;
    }
    if (method === 'create') {
      if (id === null) {
        // Client-level create: {hardwareConcurrency, userAgentData, …}. rtcstats-server puts the UA string in the
        // metadata line; Chrome's export has only userAgentData, so name the browser from its brands.
        builder.meta.extraTimes.push(t);
        if (builder.meta.userAgent === '' && isJsonObject(value)) builder.meta.userAgent = userAgentFromData(ownValue(value, 'userAgentData'));
        continue;
      }
      const draft = builder.created(id, t, configOf(value, where, ctx));
      const url = extra.find((x) => typeof x === 'string' && /^[a-z][\w+.-]*:/i.test(x));
      if (typeof url === 'string') {
        draft.url = url;
        if (builder.meta.url === '') builder.meta.url = url;
      }
      continue;
    }
    if (id === null && (method === 'close' || method === 'websocket')) continue;
    if (method === 'constraints' && id !== null) {
      setConstraints(builder, id, t, value, where, ctx);
      continue;
    }
    if (method === 'remove' && id !== null) {
      // Chrome: the PC is gone (garbage-collected or its page left), without a close() call.
      const draft = builder.pc(id, t);
      draft.closedAt = t;
      draft.closedBy = 'unload';
      continue;
    }
    if (method === 'getStats') {
      if (id === null || !isJsonObject(value)) {
        ctx.problem(where, id === null ? 'getStats without a connection id' : 'getStats value is not an object');
        continue;
      }
      let base = bases.get(id);
      if (!base) bases.set(id, (base = new Map()));
      const report = looksCompressed(value) ? applyCompressedStats(ctx, base, value, t, where) : fullReport(ctx, base, value, where);
      builder.addSample(id, t, report, where);
      continue;
    }
    if (/^navigator\.mediaDevices\./.test(method) && typeof id === 'string' && builder.meta.url === '') {
      const url = extra.find((x) => typeof x === 'string' && /^[a-z][\w+.-]*:/i.test(x));
      if (typeof url === 'string') builder.meta.url = url;
    }
    mapper.entry(id === null || isMediaOrPage(method) ? null : id, t, method, value, where, correlation);
  }
  return builder.build();
}

/** "Chromium 156.0.8078.79 (Linux)" from `navigator.userAgentData` (brands without the GREASE "Not…Brand"). */
function userAgentFromData(data: Json | undefined): string {
  if (!isJsonObject(data)) return '';
  const list = Array.isArray(data.fullVersionList) ? data.fullVersionList : Array.isArray(data.brands) ? data.brands : [];
  const names = list
    .filter((b): b is JsonObject => isJsonObject(b) && typeof b.brand === 'string' && !/not.a.brand/i.test(b.brand))
    .map((b) => `${String(b.brand)} ${String(b.version ?? '')}`.trim());
  const platform = typeof data.platform === 'string' && data.platform !== '' ? ` (${data.platform})` : '';
  return names.length > 0 ? `${names.join(', ')}${platform}` : '';
}

/**
 * rtcstats-js compresses getStats (top-level `t`, numeric ids, no `id` fields); Chrome's export writes full
 * reports. Only compressed lines are decompressed: applying the reader to full reports would carry ids a later
 * report lacks forward forever (formats.md §3.4 caveat).
 */
function looksCompressed(value: JsonObject): boolean {
  if (typeof value.t !== 'number') return false;
  for (const key of Object.keys(value)) {
    if (key === 't') continue;
    if (!/^\d+$/.test(key)) return false;
    const object = value[key];
    if (isJsonObject(object) && hasOwnKey(object, 'id')) return false;
  }
  return true;
}

/** A full report as sent: `id` fields dropped (the key says it), Chrome's calculated `[…]` fields skipped. */
function fullReport(ctx: ImportContext, base: Map<string, StatsObject>, value: JsonObject, where: string): StatsReportJson {
  base.clear();
  for (const [id, object] of acceptedStatsObjects(ctx, value, where)) {
    const out: StatsObject = {};
    for (const key of Object.keys(object)) {
      if (key === 'id' || (key.startsWith('[') && key.endsWith(']'))) continue;
      out[key] = object[key];
    }
    base.set(id, out);
  }
  return reportOf(base);
}

/** The §3.4 reader: codes renamed, `null` removes an object, absent objects carry on with time `t`. */
function applyCompressedStats(ctx: ImportContext, base: Map<string, StatsObject>, value: JsonObject, lineT: number, where: string): StatsReportJson {
  const T = typeof value.t === 'number' && ctx.validTime(where, value.t, 'report time (t)') ? value.t : lineT;
  const next = new Map<string, StatsObject>();
  const sent = new Map<string, Json>();
  for (const id of Object.keys(value)) if (id !== 't') sent.set(id, value[id]);
  for (const [id, previous] of base) {
    if (!sent.has(id)) {
      // Absent = nothing changed. A remote RTP object keeps the time of its RTCP report: the writer drops a
      // timestamp equal to the previous one, so an unchanged report is absent with its old time (the reference
      // reader's `timestamp = T` made every line look like a new receiver report).
      next.set(id, RTCP_TIMED_TYPES.has(String(previous.type)) ? { ...previous } : { ...previous, timestamp: T });
      continue;
    }
    const part = sent.get(id);
    if (part === null) continue;
    if (!isJsonObject(part)) continue;
    const problem = recordValueProblem(part) ?? objectTimeProblem(part, 't') ?? objectTimeProblem(part, 'timestamp');
    if (problem !== null) {
      ctx.problem(where, `stats object ${JSON.stringify(id)} refused: ${problem}`);
      next.set(id, { ...previous, timestamp: T });
      continue;
    }
    const merged: StatsObject = { ...previous };
    for (const [key, v] of decodeProperties(part)) {
      const old = merged[key];
      merged[key] = isJsonObject(v) && isJsonObject(old) ? { ...old, ...v } : v;
    }
    if (!hasOwnKey(part, 't')) merged.timestamp = T;
    next.set(id, merged);
  }
  for (const [id, part] of sent) {
    if (base.has(id) || !isJsonObject(part)) continue;
    const problem = recordValueProblem(part) ?? objectTimeProblem(part, 't') ?? objectTimeProblem(part, 'timestamp');
    if (problem !== null) {
      ctx.problem(where, `stats object ${JSON.stringify(id)} refused: ${problem}`);
      continue;
    }
    const object: StatsObject = {};
    for (const [key, v] of decodeProperties(part)) object[key] = v;
    if (!hasOwnKey(object, 'timestamp')) object.timestamp = T;
    next.set(id, object);
  }
  base.clear();
  for (const [id, object] of next) base.set(id, object);
  return reportOf(base);
}

/** Property names and `type` values of a compressed object, decoded (unknown codes pass through). */
function decodeProperties(part: JsonObject): [string, Json][] {
  const out: [string, Json][] = [];
  for (const key of Object.keys(part)) {
    if (key === '__proto__') continue;
    const name = hasOwnKey(PROPERTY_CODES, key) ? PROPERTY_CODES[key] : key;
    let v = part[key];
    if (name === 'type' && (typeof v === 'number' || typeof v === 'string') && hasOwnKey(TYPE_CODES, String(v))) v = TYPE_CODES[String(v)];
    out.push([name, v]);
  }
  return out;
}
